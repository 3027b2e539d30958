"""The console at a real terminal (a pseudo-terminal): line editing and history with the arrow keys, kept in
memory only (moment). Typed case content never lands in a history file."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _read_until(fd: int, seen: bytearray, text: bytes, timeout: float = 60.0, start: int = 0) -> None:
    deadline = time.monotonic() + timeout
    while text not in seen[start:]:
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} not seen; got {bytes(seen[-400:])!r}")
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        seen.extend(chunk)


def test_the_console_at_a_terminal_recalls_the_last_line_with_the_up_arrow_and_writes_no_history(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MELDCODE_CONFIG", "PYTHONSTARTUP")}
    env.update({"MELDCODE_DATA_DIR": str(tmp_path / "data"), "HOME": str(tmp_path), "TERM": "xterm"})
    master, slave = os.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "console"], stdin=slave, stdout=slave, stderr=slave, cwd=ROOT, env=env
    )
    os.close(slave)
    seen = bytearray()
    try:
        _read_until(master, seen, b"] > ")
        os.write(master, b"/wie\r")
        _read_until(master, seen, b"Noor Smit")
        start = len(seen)
        os.write(master, b"\x1b[A\r")  # the up arrow brings back "/wie"; Enter runs it again
        _read_until(master, seen, b"Noor Smit", start=start)
        assert b"/wie" in seen[start:]  # the line itself was recalled, not typed
        os.write(master, b"/stop\r")
        _read_until(master, seen, b"Tot ziens.")
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    written = [p.name for p in tmp_path.iterdir() if "hist" in p.name.lower()]
    assert written == []  # history stays in memory
