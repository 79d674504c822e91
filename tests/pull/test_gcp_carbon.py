"""``cloudcarbon.pull.gcp_carbon``: the real BigQuery client against recorded REST responses.

Same set-up as the billing pull's tests (``tests/pull/test_gcp.py``): ``AnonymousCredentials`` and a
``requests`` session whose adapter replays jobs.insert / jobs.get / jobs.getQueryResults (two pages) of a
hand-made Carbon Footprint table (schema and values from Google's documented export schema).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cloudcarbon.cli import app
from cloudcarbon.pull import MissingDependency, PullError, gcp_carbon
from tests.pull.conftest import ReplayAdapter, Reply, Route, recording
from tests.pull.test_gcp import BQ, JOB, bigquery_client

pytest.importorskip("google.cloud.bigquery")

TABLE = "examplecorp-billing.carbon.carbon_footprint"

# The export's columns, flattened with dots, in the table's order (Google's schema page; the two
# deprecated offset columns included because this table still has them).
COLUMNS = [
    "usage_month",
    "billing_account_id",
    "project.id",
    "project.number",
    "service.id",
    "service.description",
    "location.location",
    "location.region",
    "carbon_model_version",
    "carbon_footprint_kgCO2e.scope1",
    "carbon_footprint_kgCO2e.scope2.location_based",
    "carbon_footprint_kgCO2e.scope2.market_based",
    "carbon_footprint_kgCO2e.scope3",
    "carbon_footprint_total_kgCO2e.location_based",
    "carbon_footprint_total_kgCO2e.market_based",
    "carbon_footprint_total_kgCO2e.after_offsets",
    "carbon_offsets_kgCO2e",
]


def carbon_routes(status: Any = None, page1: Any = None) -> list[Route]:
    return [
        Route("POST", BQ + r"/jobs\?", [Reply(recording("bq_jobs_insert.json"))]),
        Route("GET", BQ + rf"/jobs/{JOB}\?", [Reply(recording("bq_jobs_get.json"))]),
        Route(
            "GET",
            BQ + rf"/queries/{JOB}\?(?=.*maxResults=0)",
            [Reply(status or recording("bq_carbon_status.json"))],
        ),
        Route("GET", BQ + rf"/queries/{JOB}\?(?=.*pageToken=)", [Reply(recording("bq_carbon_page2.json"))]),
        Route("GET", BQ + rf"/queries/{JOB}\?", [Reply(page1 or recording("bq_carbon_page1.json"))]),
    ]


def read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def test_month_query_and_dotted_csv(tmp_path: Path) -> None:
    adapter = ReplayAdapter(carbon_routes())
    result = gcp_carbon.pull(
        "2026-01",
        tmp_path,
        table=TABLE,
        billing_account="01A2B3-C4D5E6-F7A8B9",
        location="US",
        client=bigquery_client(adapter),
    )
    body = json.loads(adapter.requests[0].body or b"{}")
    query = body["configuration"]["query"]
    params = {
        p["name"]: (p["parameterType"]["type"], p["parameterValue"]["value"])
        for p in query["queryParameters"]
    }
    assert params == {
        "usage_month": ("DATE", "2026-01-01"),
        "billing_account_id": ("STRING", "01A2B3-C4D5E6-F7A8B9"),
    }
    assert query["useLegacySql"] is False
    assert f"FROM `{TABLE}`" in query["query"] and "usage_month = @usage_month" in query["query"]
    assert "2026" not in query["query"]  # values travel as parameters only
    pages = [r for r in adapter.requests if "/queries/" in str(r.url) and "maxResults=0" not in str(r.url)]
    assert len(pages) == 2 and "pageToken=CF7PAGE2TOKENAAAQAAASA4EAAEE" in str(pages[1].url)

    path = tmp_path / "gcp-carbon-footprint-2026-01.csv"
    assert result.files == (path,) and result.rows == 4 and result.provider == "gcp-carbon"
    header, rows = read(path)
    assert header == COLUMNS
    assert len(rows) == 4
    gce = rows[0]
    assert gce["usage_month"] == "2026-01-01" and gce["billing_account_id"] == "01A2B3-C4D5E6-F7A8B9"
    assert gce["project.id"] == "my-project" and gce["project.number"] == "123456789012"
    assert gce["service.description"] == "Compute Engine" and gce["service.id"] == "6F81-5844-456A"
    assert gce["location.location"] == "us-central1-a" and gce["location.region"] == "us-central1"
    assert gce["carbon_model_version"] == "14"
    # figures as recorded (kg); totals = scope1 + scope2 + scope3, by hand: 0.42 + 30.11 + 21.78 = 52.31
    # (location-based), 0.42 + 8.87 + 21.78 = 31.07 (market-based)
    assert gce["carbon_footprint_total_kgCO2e.location_based"] == "52.31"
    assert gce["carbon_footprint_total_kgCO2e.market_based"] == "31.07"
    assert gce["carbon_footprint_kgCO2e.scope1"] == "0.42"
    assert gce["carbon_footprint_kgCO2e.scope2.location_based"] == "30.11"
    assert gce["carbon_footprint_kgCO2e.scope2.market_based"] == "8.87"
    assert gce["carbon_footprint_kgCO2e.scope3"] == "21.78"
    assert gce["carbon_footprint_total_kgCO2e.after_offsets"] == "" and gce["carbon_offsets_kgCO2e"] == ""
    # NULL stays empty, the empty-string project number too; nothing is invented
    unassigned = rows[2]
    assert unassigned["project.id"] == "" and unassigned["project.number"] == ""
    assert unassigned["carbon_footprint_kgCO2e.scope2.market_based"] == ""
    assert unassigned["carbon_footprint_total_kgCO2e.market_based"] == ""
    # a description with a comma survives CSV quoting
    assert rows[3]["service.description"] == "Vertex AI, Training"
    assert rows[3]["carbon_footprint_total_kgCO2e.market_based"] == "0.0098"
    assert '"Vertex AI, Training"' in path.read_text(encoding="utf-8")


def test_empty_month_writes_nothing(tmp_path: Path) -> None:
    status = {**recording("bq_carbon_status.json"), "totalRows": "0"}
    empty = {k: v for k, v in recording("bq_carbon_page2.json").items() if k != "rows"} | {"totalRows": "0"}
    adapter = ReplayAdapter(carbon_routes(status=status, page1=empty))
    with pytest.raises(PullError, match=r"no Carbon Footprint rows for 2026-02.*15th of the following month"):
        gcp_carbon.pull("2026-02", tmp_path, table=TABLE, client=bigquery_client(adapter))
    assert list(tmp_path.iterdir()) == []


def test_table_not_found(tmp_path: Path) -> None:
    body = {"error": {"code": 404, "message": f"Not found: Table {TABLE}", "status": "NOT_FOUND"}}
    adapter = ReplayAdapter([Route("POST", BQ + r"/jobs\?", [Reply(body, status=404)])])
    with pytest.raises(PullError, match="Not found: Table"):
        gcp_carbon.pull("2026-01", tmp_path, table=TABLE, client=bigquery_client(adapter))
    assert list(tmp_path.iterdir()) == []


def test_flatten_helpers_on_a_deeper_schema() -> None:
    from google.cloud.bigquery import SchemaField

    schema = [
        SchemaField("a", "RECORD", fields=[SchemaField("b", "RECORD", fields=[SchemaField("c", "FLOAT")])]),
        SchemaField("tags", "STRING", mode="REPEATED"),
        SchemaField("ok", "BOOLEAN"),
    ]
    assert gcp_carbon.flat_columns(schema) == ["a.b.c", "tags", "ok"]
    assert gcp_carbon.flat_row(schema, {"a": {"b": {"c": 0.1}}, "tags": ["x", "y"], "ok": True}) == {
        "a.b.c": "0.1",
        "tags": '["x","y"]',
        "ok": "true",
    }
    assert gcp_carbon.flat_row(schema, {"a": None, "tags": [], "ok": None}) == {
        "a.b.c": "",
        "tags": "[]",
        "ok": "",
    }


def test_bad_table_and_missing_sdk(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(PullError, match=r"project\.dataset\.table"):
        gcp_carbon.pull("2026-01", tmp_path, table="carbon_footprint", client=object())
    import sys

    import google.cloud

    monkeypatch.setitem(sys.modules, "google.cloud.bigquery", None)
    monkeypatch.delattr(google.cloud, "bigquery", raising=False)
    with pytest.raises(MissingDependency, match=r"pip install 'cloudcarbon\[gcp\]'"):
        gcp_carbon.pull("2026-01", tmp_path, table=TABLE)


def test_cli_needs_table() -> None:
    res = CliRunner().invoke(app, ["pull", "gcp-carbon", "-m", "2026-01", "-d", "x"])
    assert res.exit_code == 2 and "--table" in res.output
