"""Settings read once from the environment, with defaults that make a fresh clone work."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from mappings.iri import base_from_env

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    """Where the data, stores and reports live, and the public base of our IRIs."""

    base: str
    data_dir: Path
    home: Path

    @property
    def store_root(self) -> Path:
        return self.home / "stores"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @classmethod
    def from_env(cls) -> Settings:
        """BERCY_GRAPH_BASE, BERCY_GRAPH_DATA and BERCY_GRAPH_HOME override the defaults."""
        return cls(
            base=base_from_env(),
            data_dir=Path(os.environ.get("BERCY_GRAPH_DATA", PROJECT_ROOT / "data")),
            home=Path(os.environ.get("BERCY_GRAPH_HOME", PROJECT_ROOT / "var")),
        )
