"""Settings: the only module that reads the environment."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping


@dataclass(frozen=True)
class Settings:
    database_url: str
    config_path: Path | None
    data_dir: Path
    log_level: str = "INFO"

    @property
    def embedded_database(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        data_dir = Path(env.get("MELDCODE_DATA_DIR") or "data").resolve()
        url = env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'meldcode.db'}"
        config = env.get("MELDCODE_CONFIG")
        return cls(database_url=url, config_path=Path(config) if config else None, data_dir=data_dir,
                   log_level=(env.get("MELDCODE_LOG_LEVEL") or "INFO").upper())
