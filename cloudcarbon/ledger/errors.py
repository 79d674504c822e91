"""Errors raised by the ledger (all are :class:`~cloudcarbon.exceptions.CloudCarbonError`).

Error tree::

    LedgerError (exit 8)            the ledger cannot be used as asked
    ├── LedgerBusy                  another writer held the ledger for longer than the busy timeout
    ├── LedgerNotFound              no ledger file, or nothing recorded for that month / baseline
    ├── LedgerSchemaError           not a cloudcarbon ledger, or written by a newer cloudcarbon
    ├── MonthAlreadyClosed          close() of a month that is already closed
    ├── InvalidRecord               a record handed to the ledger is malformed (e.g. a float figure)
    └── LedgerTampered (exit 9)     verify() found a broken link in the hash chain
"""

from __future__ import annotations

from pathlib import Path

from cloudcarbon.exceptions import CloudCarbonError

__all__ = [
    "InvalidRecord",
    "LedgerBusy",
    "LedgerError",
    "LedgerNotFound",
    "LedgerSchemaError",
    "LedgerTampered",
    "MonthAlreadyClosed",
]


class LedgerError(CloudCarbonError):
    """The ledger cannot be used as asked. The message names the ledger file and what to do."""

    exit_code = 8

    def __init__(self, message: str, path: str | Path | None = None) -> None:
        self.path = None if path is None else str(path)
        super().__init__(f"{self.path}: {message}" if self.path else message)


class LedgerBusy(LedgerError):
    """Another process held the ledger's write lock for longer than the busy timeout."""


class LedgerNotFound(LedgerError):
    """No ledger file at the path, or nothing recorded for the month or baseline asked for."""


class LedgerSchemaError(LedgerError):
    """The file is not a cloudcarbon ledger, or its schema is newer than this cloudcarbon knows."""


class MonthAlreadyClosed(LedgerError):
    """The month is already closed; estimating it again records a restatement."""


class InvalidRecord(LedgerError):
    """A record handed to the ledger is malformed (wrong month format, a float figure, ...)."""


class LedgerTampered(LedgerError):
    """``verify()`` found a broken link: stored rows, or the chain between entries, were altered.

    Attributes
    ----------
    seq
        Sequence number of the first broken entry (``None`` when the break is not tied to one entry,
        e.g. rows that belong to no entry, or a missing immutability trigger).
    reason
        Short machine-readable reason: ``content``, ``prev``, ``entry``, ``sequence``, ``orphan``,
        ``trigger`` or ``corrupt``.
    """

    exit_code = 9

    def __init__(self, message: str, path: str | Path | None, *, seq: int | None, reason: str) -> None:
        self.seq = seq
        self.reason = reason
        super().__init__(message, path)
