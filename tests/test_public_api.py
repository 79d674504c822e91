"""The public surface is deliberate, and importing the library does not import the CLI."""

from __future__ import annotations

import subprocess
import sys

import cloudcarbon

EXPECTED = {
    "CANONICAL_USAGE",
    "GROUP_KEYS",
    "CloudCarbonError",
    "CloudCarbonWarning",
    "Config",
    "ConfigError",
    "EstimateResult",
    "FactorFallbackWarning",
    "FactorNotFound",
    "FactorSet",
    "FactorSetError",
    "LedgerError",
    "MonthNotFound",
    "SchemaError",
    "SourceError",
    "SourceNotFound",
    "UnrecognisedExport",
    "ValueParseError",
    "__version__",
    "available_factor_sets",
    "estimate",
    "load_config",
    "load_factor_set",
    "load_usage",
}


def test_all() -> None:
    assert set(cloudcarbon.__all__) == EXPECTED
    for name in cloudcarbon.__all__:
        assert hasattr(cloudcarbon, name)


def test_import_does_not_pull_in_the_cli() -> None:
    code = "import sys, cloudcarbon; print(sorted(m for m in ('typer', 'rich', 'click') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
