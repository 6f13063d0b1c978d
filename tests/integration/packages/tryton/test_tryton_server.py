"""A trytond started by ledgerlink ends with the process that started it, however that one ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from ledgerlink.packages.tryton.server import TrytonHome
from tests.support.tryton_books import tryton_home


def running(pid: int) -> bool:
    """Whether the process is alive (a finished one awaiting its reaper counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_a_server_ends_when_the_process_that_started_it_is_killed(tmp_path: Path) -> None:
    home: TrytonHome = tryton_home(tmp_path, template=False)
    starter = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        from ledgerlink.packages.tryton.server import TrytonHome, serve
        server = serve(TrytonHome(Path({str(tmp_path)!r}), Path({str(home.python)!r})), "nothing")
        print(server.process.pid, flush=True)
        time.sleep(600)
        """
    )
    parent = subprocess.Popen([sys.executable, "-c", starter], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    server_pid = int(parent.stdout.readline())
    try:
        assert running(server_pid)
        parent.send_signal(signal.SIGKILL)  # as a test run killed outright: no clean-up of its own runs
        parent.wait()
        deadline = time.monotonic() + 15
        while running(server_pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not running(server_pid), "trytond outlived the process that started it"
    finally:
        if running(server_pid):
            os.kill(server_pid, signal.SIGKILL)
