"""The markdown statement: sections present, figures as hand-worked, user text escaped."""

from __future__ import annotations

from cloudcarbon.statements import Statement, render_markdown
from tests.statements.conftest import CONTROL


def test_sections_and_figures(statement: Statement) -> None:
    md = render_markdown(statement)
    for title in (
        "## Totals",
        "## Projects",
        "## Coverage",
        "### Exclusions",
        "## GHG Protocol mapping",
        "## Restatement history",
        "## Comparison with the baseline",
        "## Trend",
        "## Methodology",
    ):
        assert f"\n{title}\n" in md  # fmt: skip
    assert "| Location-based CO2e | 170.000 kg (138.000 to 217.000) |" in md
    assert "| Intensity (USD) | 0.100312 kg CO2e per USD |" in md  # 160.5 / 1600 = 0.1003125
    assert "| USD | 1,600.00 | 1,400.00 (87.5 %) | 100.00 (6.2 %) | 100.00 (6.2 %) | 12 |" in md
    assert "| Status | closed, restated once (version 2) |" in md
    # bridge total: 150 -> 170, activity +24.5, mix +3, efficiency -2, grid -5.5
    assert (
        "| **Total** | 150.000 | +0.000 | +24.500 | +3.000 | -2.000 | -5.500 | +0.000 | +0.000 | 170.000 "
        "| +20.000 |" in md
    )
    assert "<https://www.cloudcarbonfootprint.org/docs/methodology> (Apache-2.0)" in md


def test_hostile_names_are_escaped(hostile: Statement) -> None:
    md = render_markdown(hostile)
    assert "| \\<script\\>alert(1)\\</script\\> | 40.000 |" in md
    assert "| ml\\[gpu\\] | 120.500 |" in md
    assert '| =HYPERLINK("http://x","y") | 9.500 |' in md  # a leading = means nothing in markdown
    assert "ctl\\x1b\\[31m\\x07\\|\\`name\\`" in md
    assert CONTROL not in md and "\x1b" not in md and "\x07" not in md
    # every table row keeps its column count: no pipe from a name splits a cell
    for block in md.split("\n\n"):
        rows = [r for r in block.splitlines() if r.startswith("|")]
        if rows:
            counts = {r.replace("\\|", "").count("|") for r in rows}
            assert len(counts) == 1, block
