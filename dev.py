#!/usr/bin/env python3
"""Set up a local virtual environment on first use, then run the bot or the tests in it.

Usage:  python3 dev.py console   run the bot on its embedded default (terminal console + SQLite)
        python3 dev.py test      run every test
        python3 dev.py lint      ruff's lint rules, its formatter's check and mypy (configured in pyproject.toml)
        python3 dev.py meldcode ARGS...   any other `meldcode` CLI command
        python3 dev.py lock [--upgrade]   rewrite the lock files from pyproject.toml (keeping their pins unless
                                          --upgrade): requirements.lock (production: the bot with PostgreSQL)
                                          and requirements-dev.lock (with the test tools), both with hashes
The environment is installed from requirements-dev.lock, so every run, CI's included, runs on the locked set.
Only the Python standard library is used here, so it works on a fresh machine with Python 3.11.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".installed-from"
LOCKS = {
    "requirements.lock": ["--extra", "postgres"],
    "requirements-dev.lock": ["--extra", "postgres", "--extra", "test"],
}


def _python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _wanted_stamp() -> str:
    # Reinstall whenever the dependency list or the lock changes.
    return hashlib.sha256(
        b"".join((ROOT / f).read_bytes() for f in ("pyproject.toml", "requirements-dev.lock"))
    ).hexdigest()


def ensure_env() -> Path:
    if not _python().exists():
        print("Eerste keer: virtuele omgeving maken in .venv ...", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if not STAMP.exists() or STAMP.read_text() != _wanted_stamp():
        print("Pakketten installeren (eenmalig) ...", file=sys.stderr)
        pip = [str(_python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run([*pip, "--require-hashes", "-r", str(ROOT / "requirements-dev.lock")], check=True)
        subprocess.run([*pip, "--no-deps", "-e", str(ROOT)], check=True)  # the project itself, on the locked set
        STAMP.write_text(_wanted_stamp())
    return _python()


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help"}:
        print(__doc__)
        return 0
    python = ensure_env()
    command, rest = argv[0], argv[1:]
    if command == "test":
        args = [str(python), "-m", "pytest", *rest]
    elif command == "lint":
        ruff = [str(python), "-m", "ruff"]
        paths = ["bot", "flows", "storage", "tests", "benchmarks", "dev.py"]
        checks = (
            [*ruff, "check", *paths],
            [*ruff, "format", "--check", *paths],
            [str(python), "-m", "mypy"],  # bot, flows and storage (pyproject.toml: strict for flows)
        )
        return max(subprocess.run(check, cwd=ROOT).returncode for check in checks)
    elif command == "console":
        args = [str(python), "-m", "bot.cli", "console", *rest]
    elif command == "lock":
        uv = [str(python), "-m", "uv", "pip", "compile", "pyproject.toml", "--python-version", "3.11"]
        uv += ["--python-platform", "x86_64-manylinux_2_28", "--generate-hashes", "--quiet", *rest]
        uv += ["--custom-compile-command", "python3 dev.py lock"]
        return max(subprocess.run([*uv, *extras, "-o", name], cwd=ROOT).returncode for name, extras in LOCKS.items())
    elif command == "meldcode":
        args = [str(python), "-m", "bot.cli", *rest]
    else:
        print(f"Onbekende opdracht: {command}\n{__doc__}", file=sys.stderr)
        return 2
    return subprocess.run(args, cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
