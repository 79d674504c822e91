"""``--quiet`` / ``-q``: no notices, progress or warnings on stderr; errors still print.

A command that says something on stderr besides errors declares ``quiet: QuietOpt = False``, is
decorated with :func:`quietable`, and says it with :func:`notice`. While a command given ``--quiet``
runs, :func:`notice` is silent and the warnings the library raises (``warning: ...`` lines) are ignored;
errors are printed by :func:`cloudcarbon.cli.main` whatever ``--quiet`` says.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from contextvars import ContextVar
from typing import Annotated, ParamSpec, TypeVar

import typer

__all__ = ["QuietOpt", "is_quiet", "notice", "quietable"]

_QUIET: ContextVar[bool] = ContextVar("cloudcarbon_quiet", default=False)

P = ParamSpec("P")
R = TypeVar("R")

QuietOpt = Annotated[
    bool,
    typer.Option("--quiet", "-q", help="No notices, progress or warnings on stderr; errors still print."),
]


def quietable(command: Callable[P, R]) -> Callable[P, R]:
    """Run ``command`` silenced (no :func:`notice`, no warnings) when it is called with ``quiet=True``.

    typer sees ``command``'s own signature (``functools.wraps``); the silence ends with the call, so a
    later command in the same process (a test, a notebook) is not silenced.
    """

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        if not kwargs.get("quiet"):
            return command(*args, **kwargs)
        token = _QUIET.set(True)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return command(*args, **kwargs)
        finally:
            _QUIET.reset(token)

    return run


def is_quiet() -> bool:
    """Whether the running command was given ``--quiet``."""
    return _QUIET.get()


def notice(message: str) -> None:
    """Say ``message`` on stderr, unless the running command was given ``--quiet``."""
    if not _QUIET.get():
        typer.echo(message, err=True)
