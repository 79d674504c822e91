"""Renderers of an estimate, registered in one place; each reads only the result object.

Adding a format is one module defining a renderer (:class:`~cloudcarbon.reports.base.Renderer`) plus
one line in :data:`_REGISTRY`; ``--format`` offers every registered name.
"""

from __future__ import annotations

import importlib
from typing import TextIO, cast

from cloudcarbon.exceptions import CloudCarbonError
from cloudcarbon.reports.base import Renderer
from cloudcarbon.results import EstimateResult

__all__ = ["FORMATS", "Renderer", "get_renderer", "render", "write"]

#: format name -> "module:class" (imported on first use, so the library does not import rich)
_REGISTRY: dict[str, str] = {
    "table": "cloudcarbon.reports.table:TableRenderer",
    "json": "cloudcarbon.reports.json:JsonRenderer",
    "csv": "cloudcarbon.reports.csv:CsvRenderer",
}
#: Output formats by name, in the order ``--format`` lists them.
FORMATS = tuple(_REGISTRY)


def get_renderer(name: str) -> Renderer:
    """The renderer of format ``name``."""
    try:
        target = _REGISTRY[name]
    except KeyError:
        raise CloudCarbonError(f"unknown format {name!r}; choose from {', '.join(FORMATS)}") from None
    module, cls = target.split(":")
    return cast(Renderer, getattr(importlib.import_module(module), cls)())


def render(result: EstimateResult, name: str) -> str:
    """The result in format ``name``, as text."""
    return get_renderer(name).render(result)


def write(result: EstimateResult, name: str, stream: TextIO) -> None:
    """Write the result in format ``name`` to ``stream``."""
    get_renderer(name).write(result, stream)
