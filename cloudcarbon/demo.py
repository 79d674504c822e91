"""The bundled demo organisation, for trying the library API (a notebook, a REPL) without any bills.

::

    import cloudcarbon as cc

    sources, config = cc.demo_sources("demo-data")
    result = cc.estimate(sources, "2026-10", config=config)
"""

from __future__ import annotations

from pathlib import Path

from cloudcarbon._demo import DEMO_MONTHS, write_demo
from cloudcarbon.config import Config, load_config

__all__ = ["DEMO_MONTHS", "demo_sources"]


def demo_sources(out: str | Path = "demo-data", month: str = DEMO_MONTHS[-1]) -> tuple[list[str], Config]:
    """Write the demo organisation's exports under ``out`` and return one month's sources and config.

    The same data ``cloudcarbon demo`` uses: three months (:data:`DEMO_MONTHS`) of an AWS CUR (each
    month with a restated delivery), a GCP billing export, Azure cost details, a FOCUS export and an
    on-premises inventory, plus a ``cloudcarbon.toml`` (project tags, AI stages, request counts).
    Files already under ``out`` are overwritten with the shipped ones.

    Parameters
    ----------
    out
        Folder to write to (created if missing).
    month
        One of :data:`DEMO_MONTHS` (``YYYY-MM``); default the last.

    Returns
    -------
    tuple[list[str], Config]
        The ``provider:path`` sources of ``month`` and the demo configuration, ready for
        :func:`cloudcarbon.estimate`.

    Raises
    ------
    ValueError
        ``month`` is not a demo month.

    Examples
    --------
    >>> import cloudcarbon as cc
    >>> sources, config = cc.demo_sources("demo-data")  # doctest: +SKIP
    >>> cc.estimate(sources, "2026-10", config=config).total("co2e_kg")  # doctest: +SKIP
    """
    sources, config_path = write_demo(Path(out), month)
    return sources, load_config(config_path)
