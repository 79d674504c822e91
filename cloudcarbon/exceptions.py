"""Errors and warnings raised by cloudcarbon.

Every error names the input it is about (file, row, column) and says what to do next, in one line, so the
CLI can print it as is and exit non-zero.

Error tree::

    CloudCarbonError
    ├── SourceError                 a billing export cannot be used
    │   ├── SourceNotFound          path does not exist / no data files in a report folder
    │   ├── UnrecognisedExport      header matches no known format
    │   ├── SchemaError             required columns missing
    │   └── ValueParseError         a value cannot be parsed (file, row, column)
    ├── MonthNotFound               the requested month has no rows in the sources
    ├── ConfigError                 cloudcarbon.toml is invalid
    └── FactorSetError              a factor set is missing, corrupt or inconsistent
        └── FactorNotFound          strict mode: a row needed a fallback or substituted factor

Warnings::

    CloudCarbonWarning              e.g. an export file skipped because another view of it was read
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

__all__ = [
    "CloudCarbonError",
    "CloudCarbonWarning",
    "ConfigError",
    "FactorNotFound",
    "FactorSetError",
    "MonthNotFound",
    "SchemaError",
    "SourceError",
    "SourceNotFound",
    "UnrecognisedExport",
    "ValueParseError",
]


class CloudCarbonError(Exception):
    """Base class of every error cloudcarbon raises on purpose."""

    exit_code: int = 1


class SourceError(CloudCarbonError):
    """A billing export cannot be used."""

    exit_code = 2

    def __init__(self, path: str | Path, message: str) -> None:
        self.path = str(path)
        super().__init__(f"{self.path}: {message}")


class SourceNotFound(SourceError):
    """The path does not exist, is unreadable, or holds no data files."""


class UnrecognisedExport(SourceError):
    """The file's header matches none of the known export formats."""

    def __init__(self, path: str | Path, *, closest: Sequence[tuple[str, Sequence[str]]] = ()) -> None:
        self.closest = [(name, list(missing)) for name, missing in closest]
        hints = "; ".join(
            f"{name} (missing: {', '.join(missing[:6])}{', ...' if len(missing) > 6 else ''})"
            for name, missing in self.closest
        )
        msg = "not a recognised billing export"
        if hints:
            msg += f"; closest formats: {hints}"
        msg += ". Pass the provider explicitly (e.g. aws:PATH) or check the file is a cost export."
        super().__init__(path, msg)


class SchemaError(SourceError):
    """Columns the format requires are missing."""

    def __init__(self, path: str | Path, fmt: str, missing: Sequence[str]) -> None:
        self.missing = list(missing)
        self.format = fmt
        super().__init__(
            path,
            f"looks like {fmt} but lacks required column(s) {', '.join(self.missing)}; "
            "re-export with these columns included.",
        )


class ValueParseError(SourceError):
    """A value in a column could not be parsed."""

    def __init__(self, path: str | Path, *, row: int, column: str, value: str, expected: str) -> None:
        self.row = row
        self.column = column
        self.value = value
        super().__init__(
            path,
            f"row {row}, column {column!r}: cannot read {value!r} as {expected}; "
            "fix or remove that row and run again.",
        )


class MonthNotFound(CloudCarbonError):
    """No billing rows for the requested month."""

    exit_code = 3

    def __init__(self, month: str, available: Sequence[str]) -> None:
        self.month = month
        self.available = sorted(available)
        have = ", ".join(self.available) if self.available else "none"
        super().__init__(
            f"no billing rows for month {month} in the given sources (months present: {have}); "
            "pass --month with one of those or add the export for that month."
        )


class ConfigError(CloudCarbonError):
    """The configuration file is invalid."""

    exit_code = 4

    def __init__(self, path: str | Path | None, message: str) -> None:
        self.path = None if path is None else str(path)
        prefix = f"{self.path}: " if self.path else "configuration: "
        super().__init__(prefix + message)


class FactorSetError(CloudCarbonError):
    """A factor set is missing, corrupt or inconsistent."""

    exit_code = 5


class FactorNotFound(FactorSetError):
    """Strict mode (``[estimate] strict = true``): a row needed a fallback or substituted factor."""


class CloudCarbonWarning(UserWarning):
    """Base class of cloudcarbon's warnings."""
