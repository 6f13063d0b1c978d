"""Running `ledgerlink` as a person does: in a subprocess with its own data folder, or through Typer's runner.

Rich wraps long lines to the terminal's width, so answers are compared with their whitespace
flattened (`flat`), the way a person reads a message however the terminal broke it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from ledgerlink.cli import build_app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def flat(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class Answer:
    code: int
    stdout: str
    stderr: str

    @property
    def text(self) -> str:
        """Everything the person saw, whitespace flattened."""
        return flat(f"{self.stdout} {self.stderr}")


def run_ledgerlink(*args: str, env: dict[str, str], timeout: float = 120.0) -> Answer:
    """`ledgerlink ARGS` in a fresh Python process with exactly `env` on top of a clean environment."""
    base = {name: value for name, value in os.environ.items() if not name.startswith("LEDGERLINK_")}
    done = subprocess.run(
        [sys.executable, "-m", "ledgerlink", *args],
        env={**base, "COLUMNS": "200", **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Answer(done.returncode, done.stdout, done.stderr)


def cli_environment(data_dir: Path, *, company: str, database_url: str = "") -> dict[str, str]:
    """A data folder of its own, a callback port nobody else listens on, and the company to act for."""
    env = {
        "LEDGERLINK_DATA_DIR": str(data_dir),
        "LEDGERLINK_REDIRECT_URI": f"http://127.0.0.1:{free_port()}/connect/callback",
        "LEDGERLINK_COMPANY": company,
    }
    if database_url:
        env["LEDGERLINK_DATABASE_URL"] = database_url
    return env


def invoke(runner: CliRunner, *args: str) -> Answer:
    """`ledgerlink ARGS` in this process (the environment is the test's, set with monkeypatch)."""
    result = runner.invoke(build_app(), list(args))
    return Answer(result.exit_code, result.stdout, result.stderr)


def map_everything(runner: CliRunner) -> None:
    """Accept all, then take each suggestion left to check, as a bookkeeper who has looked at them."""
    for args in (("nominals", "suggest", "--accept"),):
        assert invoke(runner, *args).code == 0
    listed = invoke(runner, "nominals", "list", "--json")
    assert listed.code == 0, listed.text
    for line in json.loads(listed.stdout):
        if not line["mapped_to"] and line["band"] == "check":
            taken = invoke(runner, "nominals", "map", line["kind"], line["code"], line["suggestion"])
            assert taken.code == 0, taken.text
    assert invoke(runner, "nominals", "suggest", "--accept").code == 0
