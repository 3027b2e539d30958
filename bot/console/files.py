"""Files the console and the command line write: a dossier is special-category data, readable by its owner only."""

from __future__ import annotations

import os
from pathlib import Path


def write_private(path: Path, content: str | bytes) -> Path:
    """A file only its owner can read (and its folder, made if needed, only its owner can list: the file names
    carry case codes): text as UTF-8, or bytes (a PDF)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content.encode("utf-8") if isinstance(content, str) else content)
    return path
