"""The SQL in docs/spark.md parses as Databricks SQL (sqlglot), and reads the columns the docs name."""

from __future__ import annotations

import re
from pathlib import Path

import sqlglot
from sqlglot import exp

DOC = Path(__file__).resolve().parents[2] / "docs" / "spark.md"


def _sql_blocks() -> list[str]:
    return re.findall(r"```sql\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_docs_sql_parses_as_databricks_sql() -> None:
    blocks = _sql_blocks()
    assert len(blocks) == 1
    tree = sqlglot.parse_one(blocks[0], read="databricks")
    tables = {f"{t.db}.{t.name}" for t in tree.find_all(exp.Table)}
    assert tables == {"billing.usage", "billing.list_prices"}
    # the FOCUS columns the focus connector requires (ChargeCategory, BilledCost, ChargePeriodStart)
    names = {e.alias_or_name for e in tree.expressions}
    assert {"ChargeCategory", "BilledCost", "ChargePeriodStart", "ProviderName", "BillingCurrency"} <= names
    from cloudcarbon.connectors import focus

    assert focus.sniff(sorted(names)) == []
