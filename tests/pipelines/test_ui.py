"""`make ui` serves the Dagster UI on 127.0.0.1 and Ctrl-C stops every process it started."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from tests.conftest import FIXTURE_PARTNERS


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


def test_ui_serves_on_loopback_and_stops_on_ctrl_c(tmp_path):
    port = _free_port()
    env = {**os.environ, "MASH_HOME": str(tmp_path), "MASH_PARTNERS": str(FIXTURE_PARTNERS)}
    env.pop("DAGSTER_HOME", None)
    proc = subprocess.Popen([sys.executable, "-m", "mash.cli", "ui", "--port", str(port)], env=env,
                            start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        status = None
        while time.monotonic() < deadline and status != 200:
            time.sleep(1)
            try:
                status = urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2).status
            except OSError:
                continue
        assert status == 200
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        assert proc.wait(timeout=60) == 0
        out = proc.stdout.read().decode(errors="replace")
        assert "Stopped." in out
        # every dagster process (webserver, daemon, code server) is gone
        ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
        assert f"-p {port}" not in ps and f"--port {port}" not in ps
    finally:
        if _group_alive(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
