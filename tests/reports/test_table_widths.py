"""Tables never cut a header: at 80, 100 and 120 columns every header shows in full (it may wrap
between its words, never inside one), values fold or columns are left out with a note."""

from __future__ import annotations

import io
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from rich.console import Console
from typer.testing import CliRunner

from cloudcarbon.cli import app
from cloudcarbon.cli._ledger_out import TableFormat, render_rows
from cloudcarbon.config import config_from_mapping, load_config
from cloudcarbon.pipeline import estimate
from cloudcarbon.reports._fit import Col, fit_widths, terminal_width
from cloudcarbon.reports.table import render_table
from cloudcarbon.results import EstimateResult
from tests.conftest import cur_row

WIDTHS = (80, 100, 120)
runner = CliRunner()


def headers(text: str) -> list[str]:
    """Each column's header as rendered: the header rows of the first table (between its top border
    and the line under the headers), each column's lines joined with one space."""
    lines = text.splitlines()
    top = next(i for i, line in enumerate(lines) if line.lstrip().startswith("┏"))
    sep = next(i for i, line in enumerate(lines) if i > top and line.lstrip().startswith("┡"))
    columns: list[list[str]] = []
    for line in lines[top + 1 : sep]:
        cells = line.strip().strip("┃").split("┃")
        columns += [[] for _ in range(len(cells) - len(columns))]
        for k, cell in enumerate(cells):
            if cell.strip():
                columns[k].append(cell.strip())
    return [" ".join(parts) for parts in columns]


def column(text: str, k: int) -> str:
    """Column ``k``'s body cells of the first table, line after line, concatenated (folded values join)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("┡"))
    out = []
    for line in lines[start + 1 :]:
        if not line.lstrip().startswith("│"):
            break
        out.append(line.strip().strip("│").split("│")[k].strip())
    return "".join(out)


def test_headers_parser() -> None:
    text = "title\n┏━━━┳━━━━┓\n┃   ┃ CO2e ┃\n┃ a ┃ kg ┃\n┡━━━╇━━━━┩\n│ 1 │  2 │\n"
    assert headers(text) == ["a", "CO2e kg"]


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> EstimateResult:
    # long and hostile project names, three keys: the widest line table a user is likely to ask for
    from tests.conftest import write_cur

    path = tmp_path_factory.mktemp("widths") / "cur.csv"
    rows = [
        cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large", project="=1+1"),
        cur_row(
            "BoxUsage:m5.large",
            720,
            "69.12",
            "Hrs",
            instance="m5.large",
            project="customer-facing-recommendation-serving-platform-eu",
        ),
        cur_row("BoxUsage:m5.large", 12, "1.152", "Hrs", instance="m5.large", project="<script>é\x1b[31m"),
        cur_row("NatGateway-Hours", 24, "1.08", "Hrs", project="data-lake"),
    ]
    write_cur(path, rows)
    cfg = path.parent / "cloudcarbon.toml"
    cfg.write_text('[projects]\nrules = [{ tag = "user:project" }]\n', encoding="utf-8")
    return estimate(
        [f"aws:{path}"], "2026-10", config=load_config(cfg), group_by=("project", "service", "region")
    )


def _render(result: EstimateResult, width: int) -> str:
    buf = io.StringIO()
    Console(file=buf, width=width, color_system=None).print(render_table(result, width))
    return buf.getvalue()


ALL = ["project", "service", "region", "Cost USD", "Energy kWh", "CO2e kg (range)", "Market CO2e kg",
       "Embodied kg", "Water L"]  # fmt: skip


@pytest.mark.parametrize("width", WIDTHS)
def test_estimate_table_headers_are_whole(result: EstimateResult, width: int) -> None:
    text = _render(result, width)
    shown = headers(text)
    head = text[: text.index("┡")]
    assert "…" not in head
    # every header shown is whole; a column left out is named in the note under the table
    assert all(h in ALL for h in shown), shown
    assert shown[:4] == ALL[:4] and "CO2e kg (range)" in shown
    for missing in set(ALL) - set(shown):
        assert "Not shown at this width: " in text and missing in text.split("Not shown at this width:")[1]
    assert max(len(line) for line in text.splitlines()) <= width
    # user values are shown whole (folded at most, onto the lines below), escaped
    assert "customer-facing-recommendation-serving-platform-eu" in column(text, 0)
    assert "=1+1" in column(text, 0) and "<script>é\\x1b[31m" in column(text, 0)
    assert "\x1b" not in text


def test_all_columns_at_120(result: EstimateResult) -> None:
    # widest cells: project 50, service 16 ("AmazonEC2"/"AmazonVPC"), region 9, cost 5, kWh, range, kg;
    # at 120 the keys fold and nothing is left out
    assert headers(_render(result, 120)) == ALL


@pytest.mark.parametrize("width", WIDTHS)
def test_estimate_command_follows_columns(cur_file: Callable[..., Path], width: int) -> None:
    f = cur_file([cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large", project="web")])
    res = runner.invoke(
        app, ["estimate", "-m", "2026-10", "-s", f"aws:{f}", "-g", "project", "-g", "service", "-g", "region",
              "-g", "instance_type", "--no-record"],
        env={"COLUMNS": str(width)},
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    table = res.output[res.output.index("┏") :]
    assert max(len(line) for line in table.splitlines()) <= width
    shown = headers(res.output)
    assert shown[:5] == ["project", "service", "region", "instance_type", "Cost USD"]
    assert "…" not in res.output[: res.output.index("┡")]


def _bridge() -> pl.DataFrame:
    names = ['=HYPERLINK("x")', "customer-facing-recommendation-serving-platform", "<b>ü</b>"]
    figures = ["base_kg", "method_factor_kg", "activity_kg", "mix_kg", "efficiency_kg", "grid_kg",
               "unattributed_kg", "restatement_kg", "current_kg"]  # fmt: skip
    data: dict[str, object] = {"project": names}
    for k, f in enumerate(figures):
        data[f] = [Decimal(f"{k}.123456789"), Decimal(f"-{k}1.5"), Decimal("1234567.000000001")]
    return pl.DataFrame(data, schema_overrides={f: pl.Decimal(38, 9) for f in figures})


@pytest.mark.parametrize("width", WIDTHS)
def test_ledger_tables_headers_are_whole(width: int) -> None:
    # compare, trend and baseline list render through render_rows
    df = _bridge()
    total = {"project": "Total", **{c: sum(df[c].to_list(), Decimal(0)) for c in df.columns[1:]}}
    text = render_rows(df, TableFormat.table, title="CO2e 2026-10 against 2026-09", total=total, width=width)
    assert max(len(line) for line in text.splitlines()) <= width
    shown = headers(text)
    assert "…" not in text[: text.index("┡")]
    assert shown == df.columns[: len(shown)]  # whole, in order
    left_out = df.columns[len(shown) :]
    if left_out:  # each column left out is named
        note = "".join(text.split("Not shown at this width:")[1].split())
        assert all(c in note for c in left_out)
    assert "1234567.000000001" in text  # the numbers of the columns shown are whole
    assert "Total" in text


def test_fit_widths_by_hand() -> None:
    # room at width 30 for 2 columns: 30 - (3*2 + 1) = 23
    a = Col("project name", ["a-very-long-project-name-here"], folds=True)  # natural 29
    b = Col("Energy kWh", ["12,345"])  # natural 10, minimum 6 ("Energy")
    # a's minimum is 10: "project" is 7, and a word of a value folds only beyond FOLD_AT = 10 cells.
    # Room 23, minimums 10 + 6 = 16: the 7 spare cells go one by one to the most squeezed column, a
    # (deficit 19 - k against b's 4 throughout): a 10 + 7 = 17, b stays at 6 (its header wraps)
    assert fit_widths([a, b], 30) == [17, 6]
    assert fit_widths([a, b], 23) == [10, 6]  # room 16: both at their minimum
    assert fit_widths([a, b], 22) is None  # room 15 < 10 + 6
    assert fit_widths([a, b], 60) == [29, 10]


def test_terminal_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "93")
    assert terminal_width(io.StringIO(), 160) == 93
    monkeypatch.delenv("COLUMNS")
    assert terminal_width(io.StringIO(), 160) == 160  # not a terminal: a wide page


@pytest.mark.parametrize("width", WIDTHS)
def test_explain_diff_headers_are_whole(cur_file: Callable[..., Path], width: int) -> None:
    f = cur_file([cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large", project="web")])
    args = ["explain-diff", "-m", "2026-10", "-s", f"aws:{f}", "-g", "project", "-g", "service"]
    csv_head = runner.invoke(app, [*args, "-f", "csv"]).output.splitlines()[0].split(",")
    res = runner.invoke(app, args, env={"COLUMNS": str(width)})
    assert res.exit_code == 0, res.output
    table = res.output[: res.output.index("Legend")]
    assert max(len(line) for line in table.splitlines()) <= width
    shown = headers(table)
    assert "…" not in table[: table.index("┡")]
    assert shown == csv_head[: len(shown)] and shown[:2] == ["project", "service"]
    if len(shown) < len(csv_head):
        note = "".join(table.split("Not shown at this width:")[1].split())
        assert all(c in note for c in csv_head[len(shown) :])


def all_headers(text: str) -> list[list[str]]:
    """The headers of every table with a header row, in order (see :func:`headers`)."""
    out = []
    rest = text
    while "┡" in rest:
        top = rest.index("┏")
        out.append(headers(rest[top:]))
        rest = rest[rest.index("┡", top) + 1 :]
    return out


@pytest.fixture
def statement_ledger(tmp_path: Path) -> Path:
    from tests.conftest import write_cur

    bill = write_cur(
        tmp_path / "cur.csv",
        [
            cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large", project="=1+1"),
            cur_row(
                "BoxUsage:m5.large",
                12,
                "1.152",
                "Hrs",
                instance="m5.large",
                project="customer-facing-recommendation-serving-platform-eu",
            ),
        ],
    )
    cfg = tmp_path / "cloudcarbon.toml"
    cfg.write_text('[projects]\nrules = [{ tag = "user:project" }]\n', encoding="utf-8")
    ledger = tmp_path / "ledger.sqlite"
    res = runner.invoke(
        app, ["estimate", "-m", "2026-10", "-s", f"aws:{bill}", "-c", str(cfg), "--ledger", str(ledger)]
    )
    assert res.exit_code == 0, res.output
    return ledger


def test_statement_tables_headers_are_whole(statement_ledger: Path) -> None:
    def statement(width: int) -> str:
        res = runner.invoke(app, ["statement", "-m", "2026-10", "--ledger", str(statement_ledger)],
                            env={"COLUMNS": str(width)})  # fmt: skip
        assert res.exit_code == 0, res.output
        return res.output

    reference = all_headers(statement(400))  # wide enough for every column on one line
    assert reference[1][:7] == ["Project", "CO2e", "Low", "High", "Embodied", "kWh", "Cost"]
    for width in WIDTHS:
        text = statement(width)
        boxes = [line for line in text.splitlines() if line[:1] in set("┏┃┡│└┌├┣┗")]
        assert max(len(line) for line in boxes) <= width  # the tables; prose lines are the terminal's
        tables = all_headers(text)
        assert len(tables) == len(reference)
        for shown, full in zip(tables, reference, strict=True):
            assert shown == full[: len(shown)], (width, shown, full)  # whole headers, in order
            for left_out in full[len(shown) :]:
                assert f"Not shown at this width: {left_out}" in " ".join(text.split()) or left_out in text
        heads = [line for line in text.splitlines() if line.lstrip().startswith("┃")]
        assert not any("…" in line for line in heads)


TOKEN_HEADERS = [
    "provider",
    "project",
    "model",
    "kgCO2e per Mtok (range)",
    "CO2e kg (range)",
    "Energy kWh",
    "Output Mtok",
    "Input Mtok",
    "Cached Mtok",
    "parameters",
]


@pytest.mark.parametrize("width", WIDTHS)
def test_token_table_headers_are_whole(cur_file: Callable[..., Path], width: int) -> None:
    # Bedrock rows with a long hostile project name: the model-API table under the lines keeps its
    # headers whole, leaves out (and names) the last columns, and keeps the per-token intensity
    rows = [
        cur_row(
            "USE1-Llama3-1-8B-Instruct-output-tokens",
            2000,
            "1.00",
            "1K tokens",
            product="AmazonBedrock",
            project="=cmd|'/Ccalc'!A0-customer-support-assistant",
        ),
    ]
    cfg = config_from_mapping({"projects": {"rules": [{"tag": "user:project"}]}})
    text = _render(estimate([cur_file(rows)], "2026-10", config=cfg), width)
    part = text[text.index("Model-API tokens") :]
    shown = headers(part)
    assert shown == TOKEN_HEADERS[: len(shown)] and len(shown) >= 4, shown  # the intensity stays
    assert "…" not in part[: part.index("┡")]
    left_out = TOKEN_HEADERS[len(shown) :]
    if left_out:
        assert f"Not shown at this width: {', '.join(left_out)}" in " ".join(part.split())
    assert max(len(line) for line in part.splitlines()) <= width
    assert "=cmd|'/Ccalc'!A0-customer-support-assistant" in column(part, 1)
