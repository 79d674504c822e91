"""``cloudcarbon.pull.aws_carbon``: the CARBON_EMISSIONS Data Export from moto's S3 server, and the
Sustainability API through botocore's own HTTP layer against a loopback server serving recorded JSON."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cloudcarbon.cli import app
from cloudcarbon.pull import PullError, aws_carbon, pull
from tests.pull.conftest import JsonRoute, LoopbackServer, Reply, local_keys, recording

pytest.importorskip("boto3")
pytest.importorskip("moto.server")

MONTH = "2026-01"
ROOT = "exports/acme/ccft/data"

# Hand-made objects in the documented layouts: v2 has the 2025 columns (no scope split), v3 all of them.
V2_CSV = (
    b"last_refresh_timestamp,location,model_version,payer_account_id,product_code,region_code,"
    b"total_lbm_emissions_unit,total_lbm_emissions_value,total_mbm_emissions_unit,total_mbm_emissions_value,"
    b"usage_account_id,usage_period_end,usage_period_start\n"
    b"2026-02-19 07:12:44Z,US East (N. Virginia),v2.0.0,111122223333,AmazonEC2,us-east-1,MTCO2e,0.301,"
    b"MTCO2e,0.052,444455556666,2026-02-01 00:00:00Z,2026-01-01 00:00:00Z\n"
)
V3_CSV = (
    ",".join(aws_carbon.CARBON_COLUMNS).encode()
    + b'\n2026-02-19 07:12:44Z,"US East (N. Virginia)",v3.0.0,111122223333,AmazonEC2,us-east-1,MTCO2e,0.412,'
    b"MTCO2e,0.118,MTCO2e,0.003,MTCO2e,0.270,MTCO2e,0.0,MTCO2e,0.139,MTCO2e,0.115,444455556666,"
    b"2026-02-01 00:00:00Z,2026-01-01 00:00:00Z\r\n"
)


@pytest.fixture
def carbon_bucket(s3: Any, bucket: str) -> dict[str, bytes]:
    """January delivered under v2.0.0 (CSV) and v3.0.0 (CSV.gz, two parts); December under v3 only."""
    objects = {
        f"{ROOT}/model_version=v2.0.0/usage_period={MONTH}/ccft-00001.csv": V2_CSV,
        f"{ROOT}/model_version=v3.0.0/usage_period={MONTH}/ccft-00001.csv.gz": gzip.compress(V3_CSV, mtime=0),
        f"{ROOT}/model_version=v3.0.0/usage_period={MONTH}/ccft-00002.csv.gz": gzip.compress(
            V3_CSV.splitlines(keepends=True)[0], mtime=0
        ),
        f"{ROOT}/model_version=v3.0.0/usage_period=2025-12/ccft-00001.csv.gz": gzip.compress(V3_CSV, mtime=0),
        f"{ROOT}/model_version=v3.0.0/usage_period={MONTH}/_manifest.txt": b"not data",
        f"{ROOT}/model_version=v3.0.0/usage_period={MONTH}/": b"",
        # another export in the same bucket and prefix is never listed
        f"exports/acme/other/data/model_version=v3.0.0/usage_period={MONTH}/x.csv": b"a,b\n",
    }
    for key, body in objects.items():
        s3.put_object(Bucket=bucket, Key=key, Body=body)
    return objects


def test_all_model_versions_of_the_month_byte_for_byte(
    carbon_bucket: dict[str, bytes], bucket: str, moto_server: str, tmp_path: Path
) -> None:
    dest = tmp_path / "dest"
    result = aws_carbon.pull(
        MONTH, dest, bucket=bucket, prefix="exports/acme", export="ccft", endpoint_url=moto_server
    )
    wanted = [
        f"{ROOT}/model_version=v2.0.0/usage_period={MONTH}/ccft-00001.csv",
        f"{ROOT}/model_version=v3.0.0/usage_period={MONTH}/ccft-00001.csv.gz",
        f"{ROOT}/model_version=v3.0.0/usage_period={MONTH}/ccft-00002.csv.gz",
    ]
    assert local_keys(dest) == set(wanted)
    assert [p.relative_to(dest).as_posix() for p in result.files] == wanted
    for key in wanted:
        assert (dest / key).read_bytes() == carbon_bucket[key]
    assert result.provider == "aws-carbon" and result.rows is None and result.month == MONTH
    assert result.bytes == sum(len(carbon_bucket[k]) for k in wanted)
    assert result.skipped == (f"{ROOT}/model_version=v3.0.0/usage_period={MONTH}/_manifest.txt",)
    assert len(result.notes) == 1 and "2 model versions (v2.0.0, v3.0.0)" in result.notes[0]
    assert "never their sum" in result.notes[0]
    # the gzip objects are still the AWS CSV once decompressed (nothing was re-encoded on the way)
    with gzip.open(dest / wanted[1], "rt", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["total_scope_3_lbm_emissions_value"] == "0.139"


def test_stale_local_files_are_named_not_deleted(
    carbon_bucket: dict[str, bytes], bucket: str, moto_server: str, tmp_path: Path
) -> None:
    old = tmp_path / ROOT / "model_version=v3.0.0/usage_period=2025-12/ccft-old-execution.csv.gz"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"left by an earlier pull")
    result = aws_carbon.pull(
        "2025-12", tmp_path, bucket=bucket, prefix="exports/acme", export="ccft", endpoint_url=moto_server
    )
    assert old.read_bytes() == b"left by an earlier pull"
    assert len(result.notes) == 1
    assert "1 file(s) in the month's partition folders" in result.notes[0]
    assert "ccft-old-execution.csv.gz" in result.notes[0]


def test_one_version_gives_no_note(
    carbon_bucket: dict[str, bytes], bucket: str, moto_server: str, tmp_path: Path
) -> None:
    result = aws_carbon.pull(
        "2025-12", tmp_path, bucket=bucket, prefix="exports/acme", export="ccft", endpoint_url=moto_server
    )
    assert [p.relative_to(tmp_path).as_posix() for p in result.files] == [
        f"{ROOT}/model_version=v3.0.0/usage_period=2025-12/ccft-00001.csv.gz"
    ]
    assert result.notes == () and result.skipped == ()


def test_missing_month_lists_versions_and_periods(
    carbon_bucket: dict[str, bytes], bucket: str, moto_server: str, tmp_path: Path
) -> None:
    with pytest.raises(PullError) as err:
        aws_carbon.pull(
            "2026-02",
            tmp_path / "d",
            bucket=bucket,
            prefix="exports/acme",
            export="ccft",
            endpoint_url=moto_server,
        )
    msg = str(err.value)
    assert "no CARBON_EMISSIONS data for 2026-02" in msg
    assert (
        "model versions present: v2.0.0, v3.0.0" in msg and "usage periods present: 2025-12, 2026-01" in msg
    )
    assert not (tmp_path / "d").exists()


def test_missing_bucket_and_options(s3: Any, moto_server: str, tmp_path: Path) -> None:
    with pytest.raises(PullError, match="does not exist"):
        aws_carbon.pull(MONTH, tmp_path, bucket="no-such-bucket-x2", export="e", endpoint_url=moto_server)
    with pytest.raises(PullError, match="--export"):
        aws_carbon.pull(MONTH, tmp_path, bucket="b", export="/")
    with pytest.raises(PullError, match="YYYY-MM"):
        aws_carbon.pull("2026-1", tmp_path, bucket="b", export="e")


def test_cli_pull_aws_carbon(
    carbon_bucket: dict[str, bytes], bucket: str, moto_server: str, tmp_path: Path
) -> None:
    dest = tmp_path / "fp"
    args = [
        "pull",
        "aws-carbon",
        "-m",
        MONTH,
        "-d",
        str(dest),
        "--bucket",
        bucket,
        "--prefix",
        "exports/acme",
    ]
    res = CliRunner().invoke(app, [*args, "--export", "ccft", "--endpoint-url", moto_server])
    assert res.exit_code == 0, res.output
    assert "pulled aws-carbon 2026-01: 3 file(s)" in res.output
    assert "2 model versions (v2.0.0, v3.0.0)" in res.output
    assert f"--provider-footprint {dest}" in res.output
    assert len(local_keys(dest)) == 3


# --------------------------------------------------------------------------------------------------
# Sustainability API
# --------------------------------------------------------------------------------------------------

API_PATH = "/v1/estimated-carbon-emissions"


def api_client(server: LoopbackServer, **config: Any) -> Any:
    """The real botocore ``sustainability`` client, its endpoint the loopback server."""
    import boto3
    from botocore.config import Config

    session = boto3.session.Session()
    if "sustainability" not in session.get_available_services():
        pytest.skip("this botocore has no sustainability service model")
    return session.client(
        "sustainability",
        endpoint_url=server.url,
        region_name="us-east-1",
        config=Config(retries={"mode": "standard", "total_max_attempts": 2}, **config),
    )


def paged_routes() -> list[JsonRoute]:
    return [
        JsonRoute(
            "POST", API_PATH, [Reply(recording("sustainability_page2.json"))], lambda b: "NextToken" in b
        ),
        JsonRoute("POST", API_PATH, [Reply(recording("sustainability_page1.json"))]),
    ]


def test_api_pages_into_the_export_layout(aws_env: None, loopback: LoopbackServer, tmp_path: Path) -> None:
    loopback.routes = paged_routes()
    result = aws_carbon.pull_api(MONTH, tmp_path, client=api_client(loopback))

    assert len(loopback.seen) == 2
    first = loopback.seen[0]
    assert first.method == "POST" and first.path == API_PATH
    assert first.headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=testing/")
    req = first.json()
    assert req["GroupBy"] == ["USAGE_ACCOUNT_ID", "REGION", "SERVICE"]
    assert req["Granularity"] == "MONTHLY" and "NextToken" not in req
    assert sorted(req["EmissionsTypes"]) == sorted(aws_carbon.EMISSIONS_TYPES)
    assert req["TimePeriod"]["Start"].startswith("2026-01-01T00:00:00")
    assert req["TimePeriod"]["End"].startswith("2026-02-01T00:00:00")
    assert loopback.seen[1].json()["NextToken"] == "eyJvZmZzZXQiOjJ9"

    path = (
        tmp_path
        / "sustainability-api/data/model_version=v3.0.0/usage_period=2026-01/sustainability-api-2026-01.csv"
    )
    assert result.files == (path,) and result.rows == 3 and result.provider == "aws-carbon-api"
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == aws_carbon.CARBON_COLUMNS
        rows = list(reader)
    assert len(rows) == 3
    ec2 = rows[0]
    # values and units exactly as the API sent them (tonnes; the reader converts to kg)
    assert ec2["usage_account_id"] == "444455556666" and ec2["region_code"] == "us-east-1"
    assert ec2["product_code"] == "AmazonEC2" and ec2["model_version"] == "v3.0.0"
    assert ec2["total_lbm_emissions_value"] == "0.412" and ec2["total_lbm_emissions_unit"] == "MTCO2e"
    assert ec2["total_mbm_emissions_value"] == "0.118"
    assert ec2["total_scope_2_mbm_emissions_value"] == "0.0"
    assert ec2["total_scope_3_mbm_emissions_value"] == "0.115"
    assert (
        ec2["usage_period_start"] == "2026-01-01 00:00:00Z"
        and ec2["usage_period_end"] == "2026-02-01 00:00:00Z"
    )
    # what the API does not return stays empty, never invented
    assert ec2["payer_account_id"] == "" and ec2["last_refresh_timestamp"] == "" and ec2["location"] == ""
    assert rows[2]["usage_account_id"] == "777788889999" and rows[2]["product_code"] == "AmazonRDS"
    assert rows[1]["total_scope_1_emissions_value"] == "0.0001"


def test_api_throttling_is_retried_then_reported(
    aws_env: None, loopback: LoopbackServer, tmp_path: Path
) -> None:
    throttled = Reply(
        recording("sustainability_throttled.json"), 429, {"x-amzn-ErrorType": "ThrottlingException"}
    )
    loopback.routes = [JsonRoute("POST", API_PATH, [throttled])]
    with pytest.raises(PullError, match="kept throttling"):
        aws_carbon.pull_api(MONTH, tmp_path, client=api_client(loopback))
    assert len(loopback.seen) == 2  # total_max_attempts=2: one try, one retry
    assert list(tmp_path.iterdir()) == []

    loopback.seen.clear()
    loopback.routes = [
        JsonRoute("POST", API_PATH, [throttled, Reply(recording("sustainability_page2.json"))]),
    ]
    result = aws_carbon.pull_api(MONTH, tmp_path, client=api_client(loopback))
    assert len(loopback.seen) == 2 and result.rows == 1


def test_api_access_denied_and_empty(aws_env: None, loopback: LoopbackServer, tmp_path: Path) -> None:
    loopback.routes = [
        JsonRoute(
            "POST",
            API_PATH,
            [
                Reply(
                    recording("sustainability_denied.json"),
                    403,
                    {"x-amzn-ErrorType": "AccessDeniedException"},
                )
            ],
        )
    ]
    with pytest.raises(PullError, match=r"denied access.*sustainability:GetEstimatedCarbonEmissions"):
        aws_carbon.pull_api(MONTH, tmp_path, client=api_client(loopback))
    loopback.routes = [JsonRoute("POST", API_PATH, [Reply(recording("sustainability_empty.json"))])]
    with pytest.raises(PullError, match="no carbon figures for 2026-01"):
        aws_carbon.pull_api(MONTH, tmp_path, client=api_client(loopback))
    assert list(tmp_path.iterdir()) == []


def test_api_result_for_another_month_is_refused(
    aws_env: None, loopback: LoopbackServer, tmp_path: Path
) -> None:
    page = recording("sustainability_page2.json")
    page["Results"][0]["TimePeriod"] = {"Start": "2025-12-01T00:00:00Z", "End": "2026-01-01T00:00:00Z"}
    loopback.routes = [JsonRoute("POST", API_PATH, [Reply(page)])]
    with pytest.raises(PullError, match="'2025-12-01 00:00:00Z' when asked for 2026-01"):
        aws_carbon.pull_api(MONTH, tmp_path, client=api_client(loopback))


def test_api_gate_on_old_botocore(aws_env: None, tmp_path: Path) -> None:
    """A botocore without the service model (as at the extra's floor, 1.34) gets a one-line upgrade hint."""
    import boto3

    session = boto3.session.Session()
    session.get_available_services = lambda: ["s3", "sts"]  # type: ignore[method-assign]
    with pytest.raises(PullError, match=r"no 'sustainability' service model.*pip install -U boto3 botocore"):
        aws_carbon.pull_api(MONTH, tmp_path, session=session)


def test_cli_pull_aws_carbon_api(aws_env: None, loopback: LoopbackServer, tmp_path: Path) -> None:
    loopback.routes = paged_routes()
    res = CliRunner().invoke(
        app, ["pull", "aws-carbon-api", "-m", MONTH, "-d", str(tmp_path), "--endpoint-url", loopback.url]
    )
    if res.exit_code != 0 and "no 'sustainability' service model" in str(res.exception):
        pytest.skip("this botocore has no sustainability service model")
    assert res.exit_code == 0, res.output
    assert "pulled aws-carbon-api 2026-01: 1 file(s), 3 rows" in res.output


def test_dispatcher_knows_the_carbon_pulls(tmp_path: Path) -> None:
    with pytest.raises(PullError, match="aws-carbon, aws-carbon-api, gcp-carbon, azure-carbon"):
        pull("oci-carbon", MONTH, tmp_path)


@pytest.mark.parametrize(
    ("extra", "needle"),
    [([], "'--bucket'"), (["--bucket", "b"], "'--export'")],
)
def test_cli_aws_carbon_usage_errors(extra: list[str], needle: str) -> None:
    res = CliRunner().invoke(app, ["pull", "aws-carbon", "-m", MONTH, "-d", "x", *extra])
    assert res.exit_code == 2 and needle in res.output
