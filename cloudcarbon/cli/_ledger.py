"""The ``--ledger`` option and opening the ledger the way every ledger command does."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cloudcarbon.config import Config
from cloudcarbon.ledger import Ledger, ledger_path

__all__ = ["LedgerOpt", "open_ledger", "resolve_ledger"]

LedgerOpt = Annotated[
    Path | None,
    typer.Option(
        "--ledger",
        help="Ledger file (default: $CLOUDCARBON_LEDGER, else [ledger] path in the config, else the "
        "per-user data folder, e.g. ~/.local/share/cloudcarbon/ledger.sqlite).",
    ),
]


def resolve_ledger(explicit: Path | None, cfg: Config) -> Path:
    """``--ledger`` > ``CLOUDCARBON_LEDGER`` > ``[ledger] path`` (relative to the config file) > default."""
    config_dir = Path(cfg.path).parent if cfg.path else None
    return ledger_path(explicit, cfg.ledger_path, config_dir=config_dir)


def open_ledger(explicit: Path | None, cfg: Config, *, create: bool = False) -> Ledger:
    """Open the resolved ledger; a missing file is :class:`~cloudcarbon.ledger.LedgerNotFound` unless
    ``create``."""
    return Ledger(resolve_ledger(explicit, cfg), create=create)
