"""Keep text columns as plain object arrays.

pandas 3 stores text as Arrow strings by default; every numpy round trip then
converts it, which dominated generation time at a million notifications.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def objectify(df: pd.DataFrame) -> pd.DataFrame:
    """Return ``df`` with every string-dtype column as object dtype (numbers untouched)."""
    for col in df.columns:
        if isinstance(df[col].dtype, pd.StringDtype) or str(df[col].dtype) in ("str", "string"):
            df[col] = pd.Series(df[col].to_numpy(dtype=object), index=df.index, dtype=object)
    return df


def filled(n: int, value: object) -> np.ndarray:
    """Object array of ``n`` references to one value (``np.full`` would copy a string per element).

    >>> a = filled(3, "x"); all(v is a[0] for v in a)
    True
    """
    out = np.empty(int(n), dtype=object)
    out.fill(value)
    return out


def release_memory() -> None:
    """Collect garbage and hand freed heap pages back to the OS (glibc keeps them otherwise).

    Big numpy/pandas temporaries are freed between stages, but glibc's heap only shrinks on
    ``malloc_trim``; without it the peak RSS of a million-notification world nearly doubles.
    """
    import ctypes
    import ctypes.util
    import gc

    gc.collect()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to trim
        pass
