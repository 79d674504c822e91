"""Hostile responses to the carbon pulls: keys that would escape the destination, odd model versions,
and user text (project names, service names, resource names) that must be written exactly as the cloud
sent it, in a file the footprint readers parse back to the same text."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from cloudcarbon.pull import PullError, aws_carbon, azure_carbon, gcp_carbon
from tests.hostile._build import cli, one_line_error
from tests.pull import conftest as pull_fixtures
from tests.pull.conftest import JsonRoute, LoopbackServer, ReplayAdapter, Reply, Route, recording

# the pull tests' fixtures (moto S3 server on loopback, dummy AWS credentials, a loopback JSON server)
moto_server = pull_fixtures.moto_server
aws_env = pull_fixtures.aws_env
s3 = pull_fixtures.s3
bucket = pull_fixtures.bucket
loopback = pull_fixtures.loopback

HOSTILE = [
    '=HYPERLINK("http://x")',
    'a "quoted", comma',
    "two\nlines\r\nand a CR",
    "tab\tand \x1b[31mescape\x1b[0m",
    "</script><b>zürich 東京</b>",
]


def test_s3_key_escaping_the_destination_is_refused(
    s3: Any, bucket: str, moto_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    pytest.importorskip("moto.server")
    key = "ccft/data/model_version=v3.0.0/usage_period=2026-01/../../../../../escaped.csv"
    s3.put_object(Bucket=bucket, Key=key, Body=b"x\n")
    dest = tmp_path / "inner" / "dest"
    args = ["pull", "aws-carbon", "-m", "2026-01", "-d", str(dest), "--bucket", bucket, "--export", "ccft"]
    code, err = cli([*args, "--endpoint-url", moto_server], monkeypatch, capsys)
    one_line_error(code, err, 7, "refusing to mirror S3 key", "outside the destination folder")
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_model_version_that_is_a_path_is_refused(
    aws_env: None, loopback: LoopbackServer, tmp_path: Path
) -> None:
    import boto3

    session = boto3.session.Session()
    if "sustainability" not in session.get_available_services():
        pytest.skip("this botocore has no sustainability service model")
    page = recording("sustainability_page2.json")
    page["Results"][0]["ModelVersion"] = "v3.0.0/../../../x"
    loopback.routes = [JsonRoute("POST", "/v1/estimated-carbon-emissions", [Reply(page)])]
    client = session.client("sustainability", endpoint_url=loopback.url, region_name="us-east-1")
    with pytest.raises(PullError, match=r"not a vX\.Y\.Z version"):
        aws_carbon.pull_api("2026-01", tmp_path, client=client)
    assert list(tmp_path.iterdir()) == []


def test_gcp_text_is_written_exactly(tmp_path: Path) -> None:
    pytest.importorskip("google.cloud.bigquery")
    from tests.pull.test_gcp_carbon import TABLE, bigquery_client, carbon_routes

    page1 = recording("bq_carbon_page1.json")
    for row, text in zip(page1["rows"], HOSTILE, strict=False):
        row["f"][2]["v"]["f"][0]["v"] = text  # project.id
        row["f"][3]["v"]["f"][1]["v"] = text[::-1]  # service.description
    adapter = ReplayAdapter(carbon_routes(page1=page1))
    result = gcp_carbon.pull("2026-01", tmp_path, table=TABLE, client=bigquery_client(adapter))
    with result.files[0].open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["project.id"] for r in rows[:3]] == HOSTILE[:3]
    assert [r["service.description"] for r in rows[:3]] == [t[::-1] for t in HOSTILE[:3]]
    assert len(rows) == 4  # the embedded newlines did not split a row


def test_azure_text_is_written_exactly(tmp_path: Path) -> None:
    pytest.importorskip("azure.mgmt.carbonoptimization")
    from tests.pull.test_azure import FakeCredential, make_transport

    page = recording("azure_carbon_items_page2.json")
    items = [dict(page["value"][0], itemName=text, resourceGroup=text[::-1]) for text in HOSTILE]
    page["value"] = items
    adapter = ReplayAdapter(
        [Route("POST", r"^https://management\.azure\.com/providers/Microsoft\.Carbon/", [Reply(page)])]
    )
    result = azure_carbon.pull(
        "2026-01",
        tmp_path,
        subscriptions=["1caaa5a3-2b66-438e-8ab4-bce37d518c5d"],
        credential=FakeCredential(),
        transport=make_transport(adapter, []),
    )
    raw = result.files[0].read_text(encoding="utf-8")
    assert "\x1b" not in raw  # control characters travel as JSON escapes, never raw
    assert json.loads(raw)["value"] == items
