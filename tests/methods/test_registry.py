"""The method registry, and the layering: methods and renderers never reach into the pipeline."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import cloudcarbon
from cloudcarbon.exceptions import CloudCarbonError
from cloudcarbon.methods import METHODS, get_method
from cloudcarbon.schema import ESTIMATE_ROW

_PKG = Path(cloudcarbon.__file__).parent


def _imports(folder: Path) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in sorted(folder.rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
            elif isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
        out[str(f.relative_to(_PKG))] = names
    return out


def test_registry() -> None:
    assert METHODS == ("cloudcarbon", "ccf")
    for name in METHODS:
        assert name == get_method(name).NAME
    with pytest.raises(CloudCarbonError, match="unknown method 'ghg'; choose from cloudcarbon, ccf"):
        get_method("ghg")


@pytest.mark.parametrize("folder", ["methods", "reports"])
def test_no_import_of_the_pipeline(folder: str) -> None:
    for module, names in _imports(_PKG / folder).items():
        assert "cloudcarbon.pipeline" not in names, module


def test_renderers_do_not_load_factor_sets() -> None:
    for module, names in _imports(_PKG / "reports").items():
        assert "cloudcarbon.factors" not in names, module


def test_estimate_row_schema_declares_the_fallback_columns() -> None:
    assert {"fallback_basis", "fallback_basis_x_g", "fallback_key", "band_fallback_kg"} <= set(ESTIMATE_ROW)
