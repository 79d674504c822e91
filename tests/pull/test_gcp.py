"""``cloudcarbon.pull.gcp``: the real BigQuery and Cloud Billing Catalog clients against recorded HTTP.

No network: both SDKs get ``AnonymousCredentials`` and a ``requests`` session whose adapter replays the
REST responses in ``tests/pull/recordings`` (BigQuery jobs.insert / jobs.get / jobs.getQueryResults with
two pages, Cloud Billing ``services.skus.list`` with two pages for Compute Engine).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cloudcarbon.pull import MissingDependency, PullError, gcp
from tests.pull.conftest import ReplayAdapter, Reply, Route, recording

pytest.importorskip("google.cloud.bigquery")
pytest.importorskip("google.cloud.billing_v1")

TABLE = "examplecorp-billing.billing_export.gcp_billing_export_v1_01A2B3_C4D5E6_F70819"
BQ = r"^https://bigquery\.googleapis\.com/bigquery/v2/projects/examplecorp-billing"
JOB = "job_Rk3xTq2v9mZpWb8cYd1nF0aLsE4u"
CATALOG = r"^https://cloudbilling\.googleapis\.com/v1/services/"


def bq_routes() -> list[Route]:
    return [
        Route("POST", BQ + r"/jobs\?", [Reply(recording("bq_jobs_insert.json"))]),
        Route("GET", BQ + rf"/jobs/{JOB}\?", [Reply(recording("bq_jobs_get.json"))]),
        Route("GET", BQ + rf"/queries/{JOB}\?(?=.*maxResults=0)", [Reply(recording("bq_query_status.json"))]),
        Route("GET", BQ + rf"/queries/{JOB}\?(?=.*pageToken=)", [Reply(recording("bq_query_page2.json"))]),
        Route("GET", BQ + rf"/queries/{JOB}\?", [Reply(recording("bq_query_page1.json"))]),
    ]


def catalog_routes() -> list[Route]:
    return [
        Route(
            "GET",
            CATALOG + r"6F81-5844-456A/skus\?(?=.*pageToken=)",
            [Reply(recording("billing_skus_gce_page2.json"))],
        ),
        Route("GET", CATALOG + r"6F81-5844-456A/skus", [Reply(recording("billing_skus_gce_page1.json"))]),
        Route("GET", CATALOG + r"E000-3F24-B8AA/skus", [Reply(recording("billing_skus_tpu.json"))]),
    ]


def bigquery_client(adapter: ReplayAdapter) -> Any:
    """The real ``bigquery.Client``; its HTTP goes through a session with the replaying adapter."""
    from google.auth.credentials import AnonymousCredentials
    from google.auth.transport.requests import AuthorizedSession
    from google.cloud import bigquery

    session = AuthorizedSession(AnonymousCredentials())
    session.mount("https://", adapter)
    return bigquery.Client(project="examplecorp-billing", credentials=AnonymousCredentials(), _http=session)


def catalog_client(adapter: ReplayAdapter) -> Any:
    """The real ``CloudCatalogClient`` on its REST transport; the transport's requests session replays.

    The REST transport builds its own ``AuthorizedSession`` and takes no session argument, so the adapter
    is mounted on that session (``transport._session``), the lowest layer the SDK exposes.
    """
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import billing_v1
    from google.cloud.billing_v1.services.cloud_catalog.transports.rest import CloudCatalogRestTransport

    transport = CloudCatalogRestTransport(credentials=AnonymousCredentials())
    transport._session.mount("https://", adapter)
    return billing_v1.CloudCatalogClient(transport=transport)


@pytest.fixture
def pulled(tmp_path: Path) -> tuple[Any, ReplayAdapter, ReplayAdapter, Path]:
    bq = ReplayAdapter(bq_routes())
    cat = ReplayAdapter(catalog_routes())
    result = gcp.pull(
        "2026-10",
        tmp_path,
        table=TABLE,
        location="US",
        client=bigquery_client(bq),
        catalog_client=catalog_client(cat),
    )
    return result, bq, cat, tmp_path


def test_query_is_parameterised_and_month_bounded(
    pulled: tuple[Any, ReplayAdapter, ReplayAdapter, Path],
) -> None:
    _, bq, _, _ = pulled
    insert = bq.requests[0]
    assert insert.method == "POST"
    body = json.loads(insert.body or b"{}")
    query = body["configuration"]["query"]
    assert query["useLegacySql"] is False and query["parameterMode"] == "NAMED"
    params = {
        p["name"]: (p["parameterType"]["type"], p["parameterValue"]["value"])
        for p in query["queryParameters"]
    }
    assert params["invoice_month"] == ("STRING", "202610")
    assert params["usage_from"][0] == "TIMESTAMP" and params["usage_from"][1].startswith("2026-09-30")
    assert params["partition_to"][1].startswith("2026-11-17")
    sql = query["query"]
    assert "invoice.month = @invoice_month" in sql and "_PARTITIONTIME >= @partition_from" in sql
    assert f"FROM `{TABLE}`" in sql and "202610" not in sql  # values travel as parameters only
    for col in ("credits", "system_labels", "labels", "usage", "invoice", "billing_account_id"):
        assert f"  {col}" in sql
    assert body["jobReference"]["location"] == "US"
    # the rows were fetched in two pages; the second asked for the first page's token
    pages = [r for r in bq.requests if "/queries/" in str(r.url) and "maxResults=0" not in str(r.url)]
    assert len(pages) == 2
    assert parse_qs(urlparse(str(pages[1].url)).query)["pageToken"] == [
        "BGT6DQDFQIAQAAASA4EAAEEAQCAAKGQIBBGD6CRAFQAAAIDA"
    ]


def test_parquet_keeps_the_export_nesting(pulled: tuple[Any, ReplayAdapter, ReplayAdapter, Path]) -> None:
    result, _, _, dest = pulled
    path = dest / "gcp-billing-2026-10.parquet"
    assert result.files[0] == path and result.rows == 5 and result.provider == "gcp"
    table = pq.read_table(path)
    assert table.num_rows == 5
    schema = table.schema
    credit = pa.struct(
        [
            ("name", pa.string()),
            ("amount", pa.float64()),
            ("full_name", pa.string()),
            ("id", pa.string()),
            ("type", pa.string()),
        ]
    )
    assert schema.field("credits").type == pa.list_(credit)
    assert schema.field("system_labels").type == pa.list_(
        pa.struct([("key", pa.string()), ("value", pa.string())])
    )
    assert pa.types.is_struct(schema.field("usage").type) and pa.types.is_struct(schema.field("service").type)
    assert schema.field("usage_start_time").type == pa.timestamp("us", tz="UTC")
    rows = table.to_pylist()
    first = rows[0]
    assert first["credits"] == [
        {
            "name": "Sustained Usage Discount",
            "amount": -0.060798,
            "full_name": "Sustained usage discount",
            "id": "",
            "type": "SUSTAINED_USAGE_DISCOUNT",
        }
    ]
    assert {"key": "compute.googleapis.com/machine_spec", "value": "n1-standard-8"} in first["system_labels"]
    assert first["usage"] == {
        "amount": 28800.0,
        "unit": "seconds",
        "amount_in_pricing_units": 8.0,
        "pricing_unit": "hour",
    }
    assert first["usage_start_time"] == datetime(2026, 10, 5, 10, tzinfo=UTC)
    assert first["invoice"] == {"month": "202610", "publisher_type": "Google"}
    assert len(rows[3]["credits"]) == 2 and rows[4]["credits"] == []
    assert rows[4]["service"] == {"id": "E000-3F24-B8AA", "description": "Cloud TPU"}


def test_accelerator_skus_resolved_from_the_catalog(
    pulled: tuple[Any, ReplayAdapter, ReplayAdapter, Path],
) -> None:
    result, _, cat, dest = pulled
    assert dest / "gcp-skus.json" in result.files and result.skipped == ()
    doc = json.loads((dest / "gcp-skus.json").read_text(encoding="utf-8"))
    # only the GPU/TPU SKUs whose export description names no model are looked up (not the T4 row)
    assert sorted(doc["skus"]) == ["9F5E-1A2B-77C0", "C3C1-7D2A-6F3B"]
    assert doc["skus"]["C3C1-7D2A-6F3B"]["description"] == "Nvidia H100 80GB Mega GPU running in Americas"
    assert doc["skus"]["C3C1-7D2A-6F3B"]["resource_group"] == "GPU"
    assert doc["skus"]["9F5E-1A2B-77C0"]["service_id"] == "E000-3F24-B8AA"
    urls = [str(r.url) for r in cat.requests]
    assert len(urls) == 3  # two Compute Engine pages, one Cloud TPU page
    assert "/v1/services/6F81-5844-456A/skus" in urls[0] and "pageToken=CgwI2b3fvQYQ8JqBqAM" in urls[1]
    assert "/v1/services/E000-3F24-B8AA/skus" in urls[2]


def test_resolve_accelerator_skus_direct(tmp_path: Path) -> None:
    cat = ReplayAdapter(catalog_routes())
    got = gcp.resolve_accelerator_skus(
        ["0D8B-5CE8-3AD6", "FFFF-0000-1111"], tmp_path, client=catalog_client(cat)
    )
    assert got == {"0D8B-5CE8-3AD6": "Nvidia Tesla T4 GPU running in Americas"}
    doc = json.loads((tmp_path / "gcp-skus.json").read_text(encoding="utf-8"))
    assert doc["not_found"] == ["FFFF-0000-1111"]
    assert gcp.resolve_accelerator_skus([], tmp_path, client=object()) == {}


def test_build_query_options() -> None:
    sql, params = gcp.build_query(
        "p.d.gcp_billing_export_resource_v1_X",
        "2026-12",
        billing_account="01A2B3-C4D5E6-F70819",
        partition_filter=False,
    )
    names = [p[0] for p in params]
    assert "_PARTITIONTIME" not in sql and "partition_from" not in names
    assert "billing_account_id = @billing_account_id" in sql and "  resource" in sql
    assert ("invoice_month", "STRING", "202612") in params


@pytest.mark.parametrize("table", ["dataset.table", "p.d.t; DROP TABLE x", "p.d.`t`x"])
def test_bad_table_names_are_refused(table: str, tmp_path: Path) -> None:
    with pytest.raises(PullError, match=r"project\.dataset\.table"):
        gcp.pull("2026-10", tmp_path, table=table, client=object())


def test_query_errors_become_pull_errors(tmp_path: Path) -> None:
    routes = [
        Route(
            "POST",
            BQ + r"/jobs\?",
            [
                Reply(
                    {
                        "error": {
                            "code": 403,
                            "message": "Access Denied: Table",
                            "status": "PERMISSION_DENIED",
                        }
                    },
                    status=403,
                )
            ],
        )
    ]
    adapter = ReplayAdapter(routes)
    with pytest.raises(PullError, match="Access Denied"):
        gcp.pull("2026-10", tmp_path, table=TABLE, client=bigquery_client(adapter))
    assert not (tmp_path / "gcp-billing-2026-10.parquet").exists()


def test_missing_sdk_has_an_install_hint(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import sys

    import google.cloud

    monkeypatch.setitem(sys.modules, "google.cloud.bigquery", None)
    monkeypatch.delattr(google.cloud, "bigquery", raising=False)
    with pytest.raises(MissingDependency, match=r"pip install 'cloudcarbon\[gcp\]'"):
        gcp.pull("2026-10", tmp_path, table=TABLE)


def test_empty_month_still_writes_the_schema(tmp_path: Path) -> None:
    status = {**recording("bq_query_status.json"), "totalRows": "0"}
    empty = {k: v for k, v in recording("bq_query_page2.json").items() if k != "rows"} | {"totalRows": "0"}
    routes = bq_routes()
    routes[2] = Route("GET", BQ + rf"/queries/{JOB}\?(?=.*maxResults=0)", [Reply(status)])
    routes[4] = Route("GET", BQ + rf"/queries/{JOB}\?", [Reply(empty)])
    adapter = ReplayAdapter(routes)
    result = gcp.pull(
        "2026-10", tmp_path, table=TABLE, client=bigquery_client(adapter), catalog_client=object()
    )
    assert result.rows == 0 and result.files == (tmp_path / "gcp-billing-2026-10.parquet",)
    table = pq.read_table(result.files[0])
    assert table.num_rows == 0 and "credits" in table.schema.names


def test_dispatcher_rejects_unknown_providers(tmp_path: Path) -> None:
    from cloudcarbon.pull import pull

    with pytest.raises(PullError, match="unknown provider"):
        pull("oci", "2026-10", tmp_path)
