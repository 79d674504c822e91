#!/usr/bin/env python3
"""Print pip constraints pinning every base dependency (and the ``spark`` extra) to its declared floor
(``name>=X`` -> ``name==X``).

    python3 scripts/lowest.py > lowest.txt && pip install -c lowest.txt -e '.[dev]'

CI runs the test suite once with these pins (``python3 scripts/dev.py test-lowest``), so a floor in
``pyproject.toml`` is a version the suite has passed at. Every base dependency must have a ``>=`` floor.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
_FLOOR = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*>=\s*([0-9][0-9A-Za-z.]*)\s*(,.*)?$")


#: Optional extras whose floors are pinned too: the test set-up installs them (tests/spark runs in CI).
PINNED_EXTRAS = ("spark",)


def constraints(pyproject: Path = PYPROJECT) -> list[str]:
    """``name==floor`` for each base dependency of ``pyproject`` and of the extras in
    :data:`PINNED_EXTRAS`; raises ValueError when one has no floor."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    deps = list(project["dependencies"])
    for extra in PINNED_EXTRAS:
        deps += [d for d in project.get("optional-dependencies", {}).get(extra, []) if d not in deps]
    pins = []
    for dep in deps:
        m = _FLOOR.match(dep.split(";")[0])
        if m is None:
            raise ValueError(f"{pyproject}: dependency {dep!r} has no '>=' floor to test")
        pins.append(f"{m.group(1)}=={m.group(3)}")
    return pins


def main() -> int:
    try:
        print("\n".join(constraints()))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
