"""``cloudcarbon.pull.azure_carbon``: the real CarbonOptimizationMgmtClient against recorded HTTP responses.

As in ``tests/pull/test_azure.py``: the client is built by the module's ``make_client`` (its retry policy is
under test) with azure-core's ``RequestsTransport`` over a ``requests`` session whose adapter replays
hand-recorded responses (fields from the azure-mgmt-carbonoptimization 1.0.0 models); the whole pipeline
runs (bearer token, retry with ``Retry-After``, ARM policies). Paging is the API's ``skipToken`` in the
request body.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from typer.testing import CliRunner

from cloudcarbon.cli import app
from cloudcarbon.pull import PullError, azure_carbon
from tests.pull.conftest import ReplayAdapter, Reply, Route, recording
from tests.pull.test_azure import FakeCredential, make_transport

pytest.importorskip("azure.mgmt.carbonoptimization")

SUB1 = "00000000-0000-0000-0000-000000000001"
SUB2 = "1caaa5a3-2b66-438e-8ab4-bce37d518c5d"
REPORTS = r"^https://management\.azure\.com/providers/Microsoft\.Carbon/carbonEmissionReports\?"


def throttled(retry_after: str) -> Reply:
    return Reply(recording("azure_throttled.json"), status=429, headers={"Retry-After": retry_after})


def run(tmp_path: Path, replies: list[Reply], **kw: Any) -> tuple[Any, ReplayAdapter, list[float]]:
    adapter = ReplayAdapter([Route("POST", REPORTS, replies)])
    sleeps: list[float] = []
    kw.setdefault("subscriptions", [SUB1, SUB2.upper()])
    result = azure_carbon.pull(
        "2026-01", tmp_path, credential=FakeCredential(), transport=make_transport(adapter, sleeps), **kw
    )
    return result, adapter, sleeps


def bodies(adapter: ReplayAdapter) -> list[dict[str, Any]]:
    return [json.loads(r.body or b"{}") for r in adapter.requests]


def test_item_details_pages_throttle_and_raw_items(tmp_path: Path) -> None:
    page1 = recording("azure_carbon_items_page1.json")
    page2 = recording("azure_carbon_items_page2.json")
    result, adapter, sleeps = run(tmp_path, [Reply(page1), throttled("4"), Reply(page2)])

    # page 1, a 429 on page 2 (slept the Retry-After), page 2 again
    assert len(adapter.requests) == 3 and sleeps == [4]
    assert [r.headers["Authorization"] for r in adapter.requests] == ["Bearer dummy-token"] * 3
    assert parse_qs(urlparse(str(adapter.requests[0].url)).query)["api-version"] == ["2025-04-01"]
    first, second, third = bodies(adapter)
    assert first == {
        "reportType": "ItemDetailsReport",
        "dateRange": {"start": "2026-01-01", "end": "2026-01-01"},
        "subscriptionList": [SUB1, SUB2],  # lower-cased, as the API requires
        "carbonScopeList": ["Scope1", "Scope2", "Scope3"],
        "categoryType": "Resource",
        "orderBy": "ItemName",
        "sortDirection": "Asc",
        "pageSize": 5000,
    }
    assert second == third == {**first, "skipToken": "eyJwYWdlIjoyLCJzaXplIjoyfQ=="}

    path = tmp_path / "azure-carbon-2026-01-ItemDetailsReport-Resource.json"
    assert result.files == (path,) and result.rows == 3 and result.provider == "azure-carbon"
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert list(doc) == ["value", "dateRange"]
    assert doc["dateRange"] == {"start": "2026-01-01", "end": "2026-01-01"}
    # the items exactly as the API sent them, in page order: same field names, same values
    assert doc["value"] == page1["value"] + page2["value"]
    vm = doc["value"][0]
    assert vm["dataType"] == "ResourceItemDetailsData" and vm["latestMonthEmissions"] == 12.7
    assert vm["subscriptionId"] == SUB1 and vm["location"] == "east us"
    assert vm["resourceType"] == "microsoft.compute/virtualmachines"


def test_monthly_summary_and_scope_subset(tmp_path: Path) -> None:
    monthly = recording("azure_carbon_monthly.json")
    result, adapter, _ = run(
        tmp_path, [Reply(monthly)], report_type="MonthlySummaryReport", scopes=["Scope3", "Scope1"]
    )
    (body,) = bodies(adapter)
    assert body == {
        "reportType": "MonthlySummaryReport",
        "dateRange": {"start": "2026-01-01", "end": "2026-01-01"},
        "subscriptionList": [SUB1, SUB2],
        "carbonScopeList": ["Scope1", "Scope3"],
    }
    path = tmp_path / "azure-carbon-2026-01-MonthlySummaryReport-Scope1-Scope3.json"
    assert result.files == (path,) and result.rows == 1
    assert json.loads(path.read_text(encoding="utf-8")) == {
        "value": monthly["value"],
        "dateRange": {"start": "2026-01-01", "end": "2026-01-01"},
    }


def test_denied_subscription_fails_the_pull(tmp_path: Path) -> None:
    with pytest.raises(PullError) as err:
        run(tmp_path, [Reply(recording("azure_carbon_denied.json"))])
    msg = str(err.value)
    assert f"denied access to 1 subscription(s) ({SUB2}: The caller does not have" in msg
    assert "nothing was written" in msg
    assert list(tmp_path.iterdir()) == []


def test_throttling_is_bounded(tmp_path: Path) -> None:
    with pytest.raises(PullError, match="kept throttling"):
        run(tmp_path, [throttled("1")], retries=2)
    assert list(tmp_path.iterdir()) == []


def test_auth_and_access_errors(tmp_path: Path) -> None:
    body = {"error": {"code": "AuthenticationFailed", "message": "Authentication failed."}}
    with pytest.raises(PullError, match="Azure authentication failed"):
        run(tmp_path, [Reply(body, status=401)])
    body = {"error": {"code": "AuthorizationFailed", "message": "The client does not have authorization."}}
    with pytest.raises(PullError, match=r"403.*Carbon Optimization Reader"):
        run(tmp_path, [Reply(body, status=403)])
    assert list(tmp_path.iterdir()) == []


def test_repeated_skip_token_and_empty_month(tmp_path: Path) -> None:
    page1 = recording("azure_carbon_items_page1.json")
    with pytest.raises(PullError, match="same skipToken twice"):
        run(tmp_path, [Reply(page1)])
    empty = {"value": [], "skipToken": None}
    with pytest.raises(PullError, match="no ItemDetailsReport items for 2026-01"):
        run(tmp_path, [Reply(empty)])
    assert list(tmp_path.iterdir()) == []


def test_options_are_checked(tmp_path: Path) -> None:
    with pytest.raises(PullError, match="--subscription"):
        azure_carbon.pull("2026-01", tmp_path, subscriptions=[" "], client=object())
    with pytest.raises(PullError, match="given twice"):
        azure_carbon.pull("2026-01", tmp_path, subscriptions=[SUB1, SUB1.upper()], client=object())
    with pytest.raises(PullError, match="at most 100"):
        azure_carbon.pull("2026-01", tmp_path, subscriptions=[f"s{i}" for i in range(101)], client=object())
    with pytest.raises(PullError, match="--category"):
        azure_carbon.pull("2026-01", tmp_path, subscriptions=[SUB1], category="Meter", client=object())
    with pytest.raises(PullError, match="--carbon-scope Scope4"):
        azure_carbon.pull("2026-01", tmp_path, subscriptions=[SUB1], scopes=["Scope4"], client=object())
    with pytest.raises(PullError, match="--report-type"):
        azure_carbon.pull("2026-01", tmp_path, subscriptions=[SUB1], report_type="Top", client=object())


def test_missing_sdk_has_an_install_hint(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import sys

    from cloudcarbon.pull import MissingDependency

    monkeypatch.setitem(sys.modules, "azure.mgmt.carbonoptimization", None)
    with pytest.raises(MissingDependency, match=r"pip install 'cloudcarbon\[azure\]'"):
        azure_carbon.pull("2026-01", tmp_path, subscriptions=[SUB1])


def test_cli_usage_errors() -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["pull", "azure-carbon", "-m", "2026-01", "-d", "x"])
    assert res.exit_code == 2 and "--subscription" in res.output
    res = runner.invoke(
        app,
        ["pull", "azure-carbon", "-m", "2026-01", "-d", "x", "--subscription", SUB1, "--category", "Meter"],
    )
    assert res.exit_code == 2
