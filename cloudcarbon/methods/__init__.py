"""Estimation methods: plug-ins that return the declared per-row estimate schema, and their registry.

``--method NAME`` picks one. A method is one package here plus one entry in :data:`_REGISTRY`; every
method inherits the contract test suite (``tests/methods/contract.py``).
"""

from __future__ import annotations

from collections.abc import Callable

from cloudcarbon.exceptions import CloudCarbonError
from cloudcarbon.methods.base import FallbackRatios, Method

__all__ = ["METHODS", "FallbackRatios", "Method", "get_method"]


def _default() -> Method:
    from cloudcarbon.methods.default import DefaultMethod

    return DefaultMethod()


def _ccf() -> Method:
    from cloudcarbon.methods.ccf import CcfMethod

    return CcfMethod()


#: name -> factory (imports on first use: ``--method ccf`` loads CCF's tables only when asked for)
_REGISTRY: dict[str, Callable[[], Method]] = {"cloudcarbon": _default, "ccf": _ccf}
#: Estimation methods by name (``--method``).
METHODS = tuple(_REGISTRY)


def get_method(name: str) -> Method:
    """The method called ``name``; ``ccf`` reproduces Cloud Carbon Footprint's published estimation."""
    try:
        factory = _REGISTRY[name]
    except KeyError:
        raise CloudCarbonError(f"unknown method {name!r}; choose from {', '.join(METHODS)}") from None
    return factory()
