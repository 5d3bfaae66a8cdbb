"""Run the researcher notebooks in ``notebooks/`` on a research extract.

The notebooks are kept as jupytext "percent" scripts (``# %%`` cells), which diff and review like
any Python file; this module turns each into a notebook and executes it with nbclient in a
``python3`` kernel. jupyter_client starts that kernel with the interpreter running this code
(it replaces a kernel spec's bare ``python`` with ``sys.executable``), so the notebooks run in the
project's locked environment without any kernel being installed globally.

The extract folder reaches the notebooks through ``MASH_EXTRACT_DIR``; they read nothing else.

>>> [p.name for p in notebook_paths()][:1]
['01_repeats_and_re_referral.py']
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from mash.settings import REPO_ROOT

NOTEBOOKS = REPO_ROOT / "notebooks"
EXTRACT_ENV = "MASH_EXTRACT_DIR"
CELL_TIMEOUT = 120  # seconds; a whole notebook should finish in well under 2 minutes on the sample


def notebook_paths(folder: Path = NOTEBOOKS) -> list[Path]:
    """The researcher notebooks, in order (``NN_name.py``)."""
    return sorted(folder.glob("[0-9][0-9]_*.py"))


def run_notebook(path: Path, extract: Path, out_dir: Path | None = None, timeout: int = CELL_TIMEOUT):
    """Execute one notebook on ``extract``; returns ``(notebook, seconds)``.

    A cell that raises stops the run with nbclient's ``CellExecutionError`` (its message
    shows the cell and the traceback). With ``out_dir`` the executed notebook, outputs and
    figures included, is written there as ``<name>.ipynb``.

    >>> nb, seconds = run_notebook(notebook_paths()[0], Path("var/outputs/researcher/extract"))  # doctest: +SKIP
    """
    import jupytext
    import nbformat
    from nbclient import NotebookClient

    nb = jupytext.read(path)
    client = NotebookClient(nb, kernel_name="python3", timeout=timeout,
                            resources={"metadata": {"path": str(REPO_ROOT)}})
    env = {**os.environ, EXTRACT_ENV: str(Path(extract).resolve())}
    t0 = time.perf_counter()
    client.execute(env=env)
    seconds = time.perf_counter() - t0
    if out_dir is not None:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, Path(out_dir) / f"{path.stem}.ipynb")
    return nb, seconds
