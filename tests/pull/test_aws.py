"""``cloudcarbon.pull.aws`` against moto's S3 server (real boto3, real HTTP on 127.0.0.1)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cloudcarbon import estimate
from cloudcarbon.cli import app
from cloudcarbon.connectors.aws_cur import resolve_files
from cloudcarbon.pull import MissingDependency, PullError, aws
from scripts.synth import generate_cur_month
from tests.pull.conftest import local_keys, upload_delivery

pytest.importorskip("boto3")
pytest.importorskip("moto.server")

MONTH = "2026-10"
REPORT = "cloudcarbon-demo"


@pytest.fixture
def legacy_bucket(s3: Any, bucket: str, tmp_path: Path) -> tuple[str, Any, list[str]]:
    """A bucket holding a legacy CUR month with two assemblies, plus an older month."""
    gen = tmp_path / "gen"
    delivery = generate_cur_month(gen, MONTH, restated=True)
    assert delivery.stale_files, "the generator must write a superseded assembly"
    keys = upload_delivery(s3, bucket, gen, "cur")
    older = generate_cur_month(tmp_path / "gen-sep", "2026-09", restated=False)
    keys += upload_delivery(s3, bucket, tmp_path / "gen-sep", "cur")
    assert older.row_count
    return bucket, delivery, keys


def test_legacy_downloads_only_the_current_assembly(
    s3: Any, legacy_bucket: tuple[str, Any, list[str]], moto_server: str, tmp_path: Path
) -> None:
    bucket, delivery, uploaded = legacy_bucket
    dest = tmp_path / "dest"
    result = aws.pull(MONTH, dest, bucket=bucket, prefix="cur", report=REPORT, endpoint_url=moto_server)

    period = "cur/cloudcarbon-demo/20261001-20261101"
    current = f"{period}/{delivery.assembly_id}/{delivery.data_files[0].name}"
    manifest = f"{period}/{REPORT}-Manifest.json"
    assert local_keys(dest) == {current, manifest}
    assert [p.relative_to(dest).as_posix() for p in result.files] == [current, manifest]
    assert result.provider == "aws" and result.month == MONTH and result.rows is None
    assert result.bytes == sum(p.stat().st_size for p in result.files)

    # everything else in the month's folder was listed and skipped: the older assembly's data file and
    # both per-assembly manifest copies; nothing of September was even listed
    month_keys = {k for k in uploaded if k.startswith(period + "/")}
    assert set(result.skipped) == month_keys - {current, manifest}
    stale_assembly = {k.split("/")[3] for k in result.skipped} - {delivery.assembly_id}
    assert len(stale_assembly) == 1
    assert all(not k.startswith("cur/cloudcarbon-demo/20260901") for k in result.skipped)

    # the downloaded manifest is byte-identical to the one in the bucket
    remote = s3.get_object(Bucket=bucket, Key=manifest)["Body"].read()
    assert (dest / manifest).read_bytes() == remote
    assert json.loads(remote)["assemblyId"] == delivery.assembly_id

    # the normal path picks the files up
    assert resolve_files(dest) == [dest / current]
    est = estimate([f"aws:{dest}"], MONTH)
    cov = est.coverage.row(0, named=True)
    assert cov["billed_cost"] == delivery.billed_cost
    assert cov["rows"] == delivery.row_count


def test_cur2_layout(s3: Any, bucket: str, moto_server: str, tmp_path: Path) -> None:
    gen = tmp_path / "gen"
    delivery = generate_cur_month(gen, MONTH, flavour="cur2", file_format="parquet", restated=True)
    uploaded = upload_delivery(s3, bucket, gen, "exports/acme")
    dest = tmp_path / "dest"
    result = aws.pull(
        MONTH, dest, bucket=bucket, prefix="exports/acme", export=REPORT, endpoint_url=moto_server
    )

    name = delivery.data_files[0].name
    data = f"exports/acme/{REPORT}/data/BILLING_PERIOD={MONTH}/{delivery.assembly_id}/{name}"
    manifest = f"exports/acme/{REPORT}/metadata/BILLING_PERIOD={MONTH}/{REPORT}-Manifest.json"
    assert local_keys(dest) == {data, manifest}
    assert set(result.skipped) == set(uploaded) - {data, manifest}
    assert len(result.skipped) == 1  # the superseded execution's data file
    cov = estimate([f"aws:{dest}"], MONTH).coverage.row(0, named=True)
    assert cov["billed_cost"] == delivery.billed_cost


def test_no_manifest_lists_the_periods_present(
    legacy_bucket: tuple[str, Any, list[str]], moto_server: str, tmp_path: Path
) -> None:
    bucket = legacy_bucket[0]
    with pytest.raises(PullError) as err:
        aws.pull(
            "2026-12", tmp_path / "d", bucket=bucket, prefix="cur", report=REPORT, endpoint_url=moto_server
        )
    msg = str(err.value)
    assert "no manifest for 2026-12" in msg
    assert "2026-09, 2026-10" in msg
    assert not (tmp_path / "d").exists()


def test_no_manifest_cur2_and_empty_report(bucket: str, moto_server: str, tmp_path: Path) -> None:
    with pytest.raises(PullError, match=r"periods present for export 'nothing-here': none"):
        aws.pull(MONTH, tmp_path / "d", bucket=bucket, export="nothing-here", endpoint_url=moto_server)


def test_missing_bucket_is_a_clear_error(s3: Any, moto_server: str, tmp_path: Path) -> None:
    with pytest.raises(PullError, match="does not exist"):
        aws.pull(MONTH, tmp_path / "d", bucket="no-such-bucket-x1", report=REPORT, endpoint_url=moto_server)


def test_options_are_checked(tmp_path: Path) -> None:
    with pytest.raises(PullError, match="exactly one of"):
        aws.pull(MONTH, tmp_path, bucket="b", report="r", export="e")
    with pytest.raises(PullError, match="YYYY-MM"):
        aws.pull("2026-13", tmp_path, bucket="b", report="r")


def test_manifest_keys() -> None:
    assert (
        aws.manifest_key("2026-12", prefix="/a/b/", report="r") == "a/b/r/20261201-20270101/r-Manifest.json"
    )
    assert aws.manifest_key("2026-12", export="e") == "e/metadata/BILLING_PERIOD=2026-12/e-Manifest.json"


def test_paginates_large_period_folders(s3: Any, bucket: str, moto_server: str, tmp_path: Path) -> None:
    """More than one page of keys (moto honours MaxKeys) in the period folder still finds the manifest."""
    import boto3

    gen = tmp_path / "gen"
    delivery = generate_cur_month(gen, MONTH, restated=True)
    upload_delivery(s3, bucket, gen, "p")
    period = "p/cloudcarbon-demo/20261001-20261101"
    for i in range(5):
        s3.put_object(Bucket=bucket, Key=f"{period}/0000old-{i}/x.csv.gz", Body=b"")

    client = boto3.session.Session().client("s3", endpoint_url=moto_server, region_name="us-east-1")
    calls: list[dict[str, Any]] = []

    def small_pages(params: dict[str, Any], **_: Any) -> None:
        params["MaxKeys"] = 2
        calls.append(dict(params))

    client.meta.events.register("before-parameter-build.s3.ListObjectsV2", small_pages)
    result = aws.pull(MONTH, tmp_path / "dest", bucket=bucket, prefix="p", report=REPORT, client=client)
    assert len(calls) > 3  # several pages were requested
    assert len(result.files) == 2 and len(result.skipped) == 3 + 5
    assert (tmp_path / "dest" / period / delivery.assembly_id).is_dir()


def test_missing_sdk_has_an_install_hint(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "boto3", None)
    with pytest.raises(MissingDependency, match=r"pip install 'cloudcarbon\[aws\]'"):
        aws.pull(MONTH, tmp_path, bucket="b", report="r")


def test_cli_pull_aws(legacy_bucket: tuple[str, Any, list[str]], moto_server: str, tmp_path: Path) -> None:
    bucket, delivery, _ = legacy_bucket
    dest = tmp_path / "cli-dest"
    runner = CliRunner()
    args = ["pull", "aws", "--month", MONTH, "--dest", str(dest), "--bucket", bucket, "--prefix", "cur"]
    res = runner.invoke(app, [*args, "--report", REPORT, "--endpoint-url", moto_server])
    assert res.exit_code == 0, res.output
    assert "pulled aws 2026-10: 2 file(s)" in res.output
    assert f"cloudcarbon estimate --month 2026-10 --source aws:{dest}" in res.output
    assert resolve_files(dest, MONTH) == [
        dest / "cur/cloudcarbon-demo/20261001-20261101" / delivery.assembly_id / delivery.data_files[0].name
    ]

    res = runner.invoke(
        app,
        [
            "pull",
            "aws",
            "--month",
            "2027-01",
            "--dest",
            str(dest),
            "--bucket",
            bucket,
            "--prefix",
            "cur",
            "--report",
            REPORT,
            "--endpoint-url",
            moto_server,
        ],
    )
    assert res.exit_code != 0
    assert isinstance(res.exception, PullError) and "2026-09, 2026-10" in str(res.exception)
