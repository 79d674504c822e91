"""``cloudcarbon mlflow log`` against a real MLflow tracking server (tests/tracking/conftest.py).

Every figure is read back with the MLflow client (``get_run``, ``get_metric_history``, artifacts) and
compared with figures worked out by hand: one hour of p4d.24xlarge at accelerator utilisation 0.85, as
in tests/test_ai_lens.py (factor set 2026.11):

* CPU 96 x (0.690298 + 0.5 x 3.372896) = 228.167616 W; memory 451.584 W; GPU 8 x (46 + 0.85 x 354)
  = 2775.2 W; energy 3454.951616 W x 1 h x PUE 1.135 / 1000 = 3.921370084 kWh;
* CO2e 3.921370084 x 0.418 (us-east-1, 2026) = 1.639132695 kg; 8 accelerator-hours, so
  0.204891587 kg per accelerator-hour;
* embodied (3476.79 + 8 x 150) / 35040 = 0.133470034 kg.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

import cloudcarbon as cc
from cloudcarbon import estimate
from cloudcarbon._demo import write_demo
from cloudcarbon.config import config_from_mapping
from cloudcarbon.factors import FactorSet
from cloudcarbon.tracking import (
    EXIT_NOTHING_MATCHED,
    EXIT_TRACKING,
    NothingMatched,
    TrackingError,
    mlflow_log,
)
from tests.conftest import CUR_COLUMNS, cur_row
from tests.test_errors import run_cli

COLUMNS = [*CUR_COLUMNS, "resourceTags/user:stage", "resourceTags/user:run"]
REL = 1e-6
KWH = 3.921370084
KG = 1.639132695
EMBODIED = 0.133470034
#: 2026-10-01T00:00:00Z in ms: (56 x 365 + 14 leap days + 273 days of Jan..Sep 2026) x 86,400,000
OCT_2026_MS = (56 * 365 + 14 + 273) * 86_400_000
STEP = 202610


def _config(tmp_path: Path, *, accelerator: float = 0.85, requests: str | None = None) -> cc.Config:
    ai: dict[str, object] = {"stages": [{"tag": "user:stage"}], "run_tag": "user:run"}
    if requests is not None:
        f = tmp_path / "requests.csv"
        f.write_text(requests, encoding="utf-8")
        ai["requests"] = str(f)
    return config_from_mapping(
        {
            "projects": {"rules": [{"tag": "user:project"}]},
            "utilisation": {"overrides": [{"stage": "training", "accelerator": accelerator}]},
            "ai": ai,
        }
    )


def _p4d_hour(project: str, run: str) -> dict[str, object]:
    row = cur_row("BoxUsage:p4d.24xlarge", 1, "32.7726", "Hrs", instance="p4d.24xlarge", project=project)
    return {**row, "resourceTags/user:stage": "training", "resourceTags/user:run": run}


def _experiment(client: MlflowClient) -> tuple[str, str]:
    name = f"cloudcarbon-test-{uuid.uuid4().hex[:12]}"
    return name, client.create_experiment(name)


def _run(client: MlflowClient, experiment_id: str, tags: dict[str, str]) -> str:
    return str(client.create_run(experiment_id, tags=tags).info.run_id)


@pytest.fixture
def two_runs(cur_file: Callable[..., Path], tmp_path: Path, factors: FactorSet) -> cc.EstimateResult:
    """run-42 (project train, 1,000 requests) and run-7 (project other): one p4d hour each."""
    f = cur_file([_p4d_hour("train", "run-42"), _p4d_hour("other", "run-7")], columns=COLUMNS)
    cfg = _config(tmp_path, requests="project,month,requests\ntrain,2026-10,1000\n")
    return estimate([f], "2026-10", factor_set=factors, config=cfg)


def test_figures_reach_the_matching_run(
    mlflow_server: str, two_runs: cc.EstimateResult, tmp_path: Path
) -> None:
    client = MlflowClient(mlflow_server)
    exp_name, exp = _experiment(client)
    matched = _run(client, exp, {"run": "run-42"})
    stray = _run(client, exp, {"run": "run-99"})  # no billing figures this month
    _run(client, exp, {"other": "run-42"})  # no run tag: not a candidate at all

    report = mlflow_log(two_runs, tracking_uri=mlflow_server, experiments=[exp_name])

    assert report.mlflow_tag == "run"  # "user:run" without AWS's prefix
    assert report.logged.select("run", "mlflow_run_id", "status", "metrics").rows() == [
        ("run-42", matched, "logged", 9)
    ]
    assert report.unmatched_runs["run"].to_list() == ["run-7"]
    assert report.unmatched_runs["kwh"][0] == pytest.approx(KWH, rel=REL)
    assert report.runs_without_figures.select("mlflow_run_id", "value").rows() == [(stray, "run-99")]

    metrics = client.get_run(matched).data.metrics
    assert metrics["cloudcarbon.kwh"] == pytest.approx(KWH, rel=REL)
    assert metrics["cloudcarbon.kgco2e"] == pytest.approx(KG, rel=REL)
    assert metrics["cloudcarbon.embodied_kgco2e"] == pytest.approx(EMBODIED, rel=REL)
    assert metrics["cloudcarbon.accelerator_hours"] == 8
    assert metrics["cloudcarbon.kgco2e_per_accelerator_hour"] == pytest.approx(KG / 8, rel=REL)
    assert metrics["cloudcarbon.kgco2e_per_accelerator_hour"] == pytest.approx(0.204891587, rel=REL)
    assert metrics["cloudcarbon.total_kgco2e_per_accelerator_hour"] == pytest.approx(
        (KG + EMBODIED) / 8, rel=REL
    )
    # SCI of project train: (operational + embodied) / 1,000 requests
    assert metrics["cloudcarbon.sci"] == pytest.approx((KG + EMBODIED) / 1000, rel=REL)
    # the range brackets the central figure and is the lens's own (one p4d row per run)
    (run42,) = two_runs.ai["runs"].filter(two_runs.ai["runs"]["run"] == "run-42").iter_rows(named=True)
    assert metrics["cloudcarbon.kgco2e_low"] == run42["co2e_kg_low"] < KG
    assert metrics["cloudcarbon.kgco2e_high"] == run42["co2e_kg_high"] > KG

    (point,) = client.get_metric_history(matched, "cloudcarbon.kwh")
    assert (point.step, point.timestamp) == (STEP, OCT_2026_MS)

    tags = client.get_run(matched).data.tags
    assert tags["cloudcarbon.month"] == "2026-10"
    assert tags["cloudcarbon.method"] == "cloudcarbon"
    assert tags["cloudcarbon.factor_set"] == "2026.11"
    assert tags["cloudcarbon.project"] == "train"
    assert tags["cloudcarbon.sci_functional_unit"] == "request"
    # nothing was written on the runs that did not match
    assert client.get_run(stray).data.metrics == {}
    assert "cloudcarbon.month" not in client.get_run(stray).data.tags

    files = sorted(f.path for f in client.list_artifacts(matched, "cloudcarbon/2026-10"))
    assert files == ["cloudcarbon/2026-10/figures.json", "cloudcarbon/2026-10/statement.md"]
    doc = json.loads(Path(client.download_artifacts(matched, files[0], str(tmp_path))).read_text("utf-8"))
    assert doc["billing_run"] == "run-42" and doc["month"] == "2026-10"
    assert doc["figures"]["cloudcarbon.kwh"] == pytest.approx(KWH, rel=REL)
    assert doc["factor_set"]["version"] == "2026.11"
    assert doc["assumptions"]["method"] == "cloudcarbon"
    assert doc["inputs"][0]["sha256"] == two_runs.inputs[0].sha256
    md = Path(client.download_artifacts(matched, files[1], str(tmp_path))).read_text("utf-8")
    assert md.startswith("# Carbon statement of training run run-42, 2026-10")
    assert "| Energy | 3.92137 | kWh | `cloudcarbon.kwh` |" in md


def test_relog_is_idempotent_and_a_restatement_becomes_current(
    mlflow_server: str, cur_file: Callable[..., Path], tmp_path: Path, factors: FactorSet
) -> None:
    client = MlflowClient(mlflow_server)
    exp_name, exp = _experiment(client)
    run_id = _run(client, exp, {"run": "run-42"})
    f = cur_file([_p4d_hour("train", "run-42")], columns=COLUMNS)
    first = estimate([f], "2026-10", factor_set=factors, config=_config(tmp_path))

    assert (
        mlflow_log(first, tracking_uri=mlflow_server, experiments=[exp_name]).logged["status"][0] == "logged"
    )
    again = mlflow_log(first, tracking_uri=mlflow_server, experiments=[exp_name])
    assert again.logged.select("status", "metrics").rows() == [("unchanged", 0)]
    assert len(client.get_metric_history(run_id, "cloudcarbon.kwh")) == 1
    assert len(client.list_artifacts(run_id, "cloudcarbon/2026-10")) == 2

    # restated: training accelerators at 100 %: GPU 8 x (46 + 354) = 3200 W;
    # (228.167616 + 451.584 + 3200) W x 1.135 / 1000 = 4.403518084 kWh
    restated = estimate([f], "2026-10", factor_set=factors, config=_config(tmp_path, accelerator=1.0))
    third = mlflow_log(restated, tracking_uri=mlflow_server, experiments=[exp_name])
    assert third.logged["status"][0] == "restated"
    assert client.get_run(run_id).data.metrics["cloudcarbon.kwh"] == pytest.approx(4.403518084, rel=REL)
    history = client.get_metric_history(run_id, "cloudcarbon.kwh")
    assert sorted((m.step, m.timestamp) for m in history) == [(STEP, OCT_2026_MS), (STEP, OCT_2026_MS + 1)]
    # accelerator-hours did not change: not logged again
    assert len(client.get_metric_history(run_id, "cloudcarbon.accelerator_hours")) == 1


HOSTILE = ["=1+1", "<script>alert(1)</script>", "red\x1b[31m", "训练-ü", "a'b%_", "[bold]x[/bold]"]


def test_hostile_run_names_match_exactly_and_are_escaped(
    mlflow_server: str,
    cur_file: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    client = MlflowClient(mlflow_server)
    _, exp = _experiment(client)
    tag = f"run_{uuid.uuid4().hex[:8]}"  # unique: the search covers every experiment
    ids = {name: _run(client, exp, {tag: name}) for name in HOSTILE}
    decoy = _run(client, exp, {tag: "a'bcd"})  # what a LIKE 'a''b%_' filter would also match
    rows = []
    for name in HOSTILE:
        row = cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large", project="p")
        rows.append({**row, "resourceTags/user:stage": "training", "resourceTags/user:run": name})
    f = cur_file(rows, columns=COLUMNS)
    (tmp_path / "cloudcarbon.toml").write_text('[ai]\nrun_tag = "user:run"\n', encoding="utf-8")
    monkeypatch.setenv("COLUMNS", "250")  # wide enough that no cell is folded
    code, out, err = run_cli(
        [
            "mlflow",
            "log",
            "--month",
            "2026-10",
            "--source",
            f"aws:{f}",
            "--config",
            str(tmp_path / "cloudcarbon.toml"),
            "--factors",
            "2026.11",
            "--mlflow-tag",
            tag,
            "--tracking-uri",
            mlflow_server,
        ],
        monkeypatch,
        capsys,
    )
    assert code == 0, err
    assert "\x1b" not in out and "red\\x1b[31m" in out
    assert "[bold]x[/bold]" in out and "训练-ü" in out  # markup shown literally, not applied
    assert "no billing figures" in out  # the decoy, listed
    for name, run_id in ids.items():
        got = client.get_run(run_id).data
        assert got.tags["cloudcarbon.billing_run"] == name
        assert "cloudcarbon.kwh" in got.metrics
        assert "cloudcarbon.kgco2e_per_accelerator_hour" not in got.metrics  # no accelerator: no figure
    assert client.get_run(decoy).data.metrics == {}
    md = Path(
        client.download_artifacts(
            ids["<script>alert(1)</script>"], "cloudcarbon/2026-10/statement.md", str(tmp_path)
        )
    ).read_text("utf-8")
    assert "<script>" not in md and "\\<script\\>alert(1)\\</script\\>" in md
    doc = json.loads(
        Path(
            client.download_artifacts(
                ids["red\x1b[31m"], "cloudcarbon/2026-10/figures.json", str(tmp_path / "j")
            )
        ).read_text("utf-8")
    )
    assert doc["billing_run"] == "red\x1b[31m"  # JSON keeps the value exactly (escaped by the encoder)


def test_demo_month_from_the_command_line(
    mlflow_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sources, config = write_demo(tmp_path / "demo")
    client = MlflowClient(mlflow_server)
    exp_name, exp = _experiment(client)
    llm = _run(client, exp, {"run": "llm-finetune-2026-10a"})
    tpu = _run(client, exp, {"run": "tpu-pretrain-7"})
    tpu_retry = _run(client, exp, {"run": "tpu-pretrain-7"})  # two MLflow runs of one training run
    args = ["mlflow", "log", "--month", "2026-10", "--config", str(config), "--experiment", exp_name]
    for s in sources:
        args += ["--source", s]
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server)
    code, out, err = run_cli(args, monkeypatch, capsys)
    assert code == 0, err
    assert "tpu-pretrain-7" in out and "llm-finetune-2026-10a" in out

    result = estimate(sources, "2026-10", config=cc.load_config(config))
    runs = {r["run"]: r for r in result.ai["runs"].iter_rows(named=True)}
    # tpu-pretrain-7 (GCP export): 20 daily rows of 2,764,800 TPU v4 chip-seconds = 20 x 768 chip-hours
    tpu_metrics = client.get_run(tpu).data.metrics
    assert tpu_metrics["cloudcarbon.accelerator_hours"] == 15360
    assert client.get_run(tpu_retry).data.metrics == tpu_metrics
    for run_id, name in ((llm, "llm-finetune-2026-10a"), (tpu, "tpu-pretrain-7")):
        m = client.get_run(run_id).data.metrics
        assert m["cloudcarbon.kwh"] == pytest.approx(runs[name]["energy_kwh"], rel=1e-12)
        assert m["cloudcarbon.kgco2e"] == pytest.approx(runs[name]["co2e_kg"], rel=1e-12)
        assert m["cloudcarbon.kgco2e_low"] <= m["cloudcarbon.kgco2e"] <= m["cloudcarbon.kgco2e_high"]
        assert m["cloudcarbon.kgco2e_per_accelerator_hour"] == pytest.approx(
            m["cloudcarbon.kgco2e"] / m["cloudcarbon.accelerator_hours"], rel=1e-9
        )
    # the demo counts ml-platform's requests, so llm-finetune (project ml-platform) has its SCI;
    # vision-train has no request count, so no SCI
    assert "cloudcarbon.sci" in client.get_run(llm).data.metrics
    assert "cloudcarbon.sci" not in tpu_metrics


def test_nothing_matched_exits_11_after_the_table(
    mlflow_server: str,
    cur_file: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    client = MlflowClient(mlflow_server)
    exp_name, exp = _experiment(client)
    _run(client, exp, {"run": "someone-else"})
    f = cur_file([_p4d_hour("train", "run-42")], columns=COLUMNS)
    (tmp_path / "cloudcarbon.toml").write_text('[ai]\nrun_tag = "user:run"\n', encoding="utf-8")
    args = ["mlflow", "log", "-m", "2026-10", "-s", f"aws:{f}", "-c", str(tmp_path / "cloudcarbon.toml")]
    args += ["--experiment", exp_name, "--tracking-uri", mlflow_server]
    code, out, err = run_cli(args, monkeypatch, capsys)
    assert code == EXIT_NOTHING_MATCHED == NothingMatched.exit_code == 11
    assert "run-42" in out and "no MLflow run" in out and "someone-else" in out
    assert err.count("\n") == 1 and "none of the 1 training run(s) of 2026-10 matched" in err
    assert "Traceback" not in err


def test_unreachable_server_is_one_line_exit_10(
    cur_file: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on once closed
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    f = cur_file([_p4d_hour("train", "run-42")], columns=COLUMNS)
    (tmp_path / "cloudcarbon.toml").write_text('[ai]\nrun_tag = "user:run"\n', encoding="utf-8")
    uri = f"http://user:s3cret@127.0.0.1:{port}"
    args = ["mlflow", "log", "-m", "2026-10", "-s", f"aws:{f}", "-c", str(tmp_path / "cloudcarbon.toml")]
    code, out, err = run_cli([*args, "--tracking-uri", uri], monkeypatch, capsys)
    assert code == EXIT_TRACKING == TrackingError.exit_code == 10
    assert out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert f"cannot reach the MLflow tracking server at http://user:***@127.0.0.1:{port}" in err
    assert "s3cret" not in err


def test_missing_extra_is_one_line(two_runs: cc.EstimateResult, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "mlflow", None)
    monkeypatch.setitem(sys.modules, "mlflow.tracking", None)
    with pytest.raises(TrackingError, match=r"run: pip install 'cloudcarbon\[mlflow\]'$"):
        mlflow_log(two_runs, tracking_uri="http://127.0.0.1:9")


def test_run_tag_must_be_one_the_result_was_made_with(two_runs: cc.EstimateResult) -> None:
    with pytest.raises(cc.CloudCarbonError, match="estimated with \\[ai\\] run_tag user:run, not 'job'"):
        mlflow_log(two_runs, tracking_uri="http://127.0.0.1:9", run_tag="job")


@pytest.mark.parametrize("bad", ["a`b", "it's", ""])
def test_unsearchable_mlflow_tag_is_refused(two_runs: cc.EstimateResult, bad: str) -> None:
    with pytest.raises(cc.CloudCarbonError, match="cannot be searched for"):
        mlflow_log(two_runs, tracking_uri="http://127.0.0.1:9", mlflow_tag=bad)


def test_unknown_experiment(mlflow_server: str, two_runs: cc.EstimateResult) -> None:
    with pytest.raises(TrackingError, match="no MLflow experiment named 'nope-<x>'"):
        mlflow_log(two_runs, tracking_uri=mlflow_server, experiments=["nope-<x>"])


def test_import_does_not_pull_in_mlflow() -> None:
    code = "import sys, cloudcarbon; print('mlflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_metric_step_and_timestamp_by_hand() -> None:
    from cloudcarbon.tracking import metric_step, metric_timestamp

    assert metric_step("2026-10") == STEP
    assert metric_timestamp("2026-10") == OCT_2026_MS
    # 1970-02-01: 31 days
    assert metric_timestamp("1970-02") == 31 * 86_400_000


class _NotMlflow(BaseHTTPRequestHandler):
    """Answers /health (with the status the test sets) and 404 to everything else: not an MLflow API."""

    health = 200

    def do_GET(self) -> None:
        self._answer(self.health if self.path == "/health" else 404)

    def do_POST(self) -> None:
        self._answer(404)

    def _answer(self, status: int) -> None:
        body = b"OK" if status == 200 else b"<html>not here</html>"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


@pytest.mark.parametrize(
    ("health", "message"),
    [
        (200, r"MLflow tracking server http://127\.0\.0\.1:\d+ refused a call: "),
        (503, r"answered /health with HTTP 503; check --tracking-uri$"),
    ],
)
def test_a_server_that_is_not_mlflow(
    two_runs: cc.EstimateResult, monkeypatch: pytest.MonkeyPatch, health: int, message: str
) -> None:
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    handler = type("Handler", (_NotMlflow,), {"health": health})
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            with pytest.raises(TrackingError, match=message) as exc:
                mlflow_log(two_runs, tracking_uri=f"http://127.0.0.1:{server.server_address[1]}")
        finally:
            server.shutdown()
            thread.join()
    assert "\n" not in str(exc.value)


def test_market_based_and_water_metrics_only_with_a_factor(
    mlflow_server: str, cur_file: Callable[..., Path], tmp_path: Path
) -> None:
    """Factor set 2026.12.1: us-east-1 is eGRID SRVC; the user's residual mix gives SRVC 300 g/kWh, so
    the market metric is kWh x 0.300 kg; water is kWh / 1.135 (PUE) x 0.12 L (AWS WUE us-east-1, 2024)
    + kWh x 2.312704 L (WRI, SRVC). Without a residual mix no market metric is logged at all."""
    import dataclasses

    from cloudcarbon.config import MarketOptions
    from cloudcarbon.factors import load_factor_set
    from cloudcarbon.residual_mix import read_residual_mix

    f = cur_file([_p4d_hour("train", "run-42")], columns=COLUMNS)
    rm = tmp_path / "rm.csv"
    rm.write_text("zone,year,g_co2e_per_kwh,source\nSRVC,2025,300,Green-e test edition\n", encoding="utf-8")
    base = _config(tmp_path)
    new = load_factor_set("2026.12.1")
    client = MlflowClient(mlflow_server)
    exp_name, exp = _experiment(client)
    with_rm = _run(client, exp, {"run": "run-42"})
    cfg = dataclasses.replace(base, market=MarketOptions(str(rm), read_residual_mix(rm)))
    mlflow_log(
        estimate([f], "2026-10", factor_set=new, config=cfg),
        tracking_uri=mlflow_server,
        experiments=[exp_name],
    )
    m = client.get_run(with_rm).data.metrics
    kwh = m["cloudcarbon.kwh"]
    assert m["cloudcarbon.market_kgco2e"] == pytest.approx(kwh * 0.300, rel=1e-9)
    assert m["cloudcarbon.water_l"] == pytest.approx(kwh / 1.135 * 0.12 + kwh * 2.312704, rel=1e-6)
    exp2_name, exp2 = _experiment(client)
    without = _run(client, exp2, {"run": "run-42"})
    mlflow_log(
        estimate([f], "2026-10", factor_set=new, config=base),
        tracking_uri=mlflow_server,
        experiments=[exp2_name],
    )
    m = client.get_run(without).data.metrics
    assert "cloudcarbon.market_kgco2e" not in m and "cloudcarbon.kwh" in m
