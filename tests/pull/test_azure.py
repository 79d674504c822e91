"""``cloudcarbon.pull.azure``: the real ConsumptionManagementClient against recorded HTTP pages.

The client is built by ``cloudcarbon.pull.azure.make_client`` (so its retry settings are the ones under
test) with azure-core's ``RequestsTransport`` over a ``requests`` session whose adapter replays the
recorded JSON pages; a fake ``TokenCredential`` hands out a dummy token. The whole azure-core pipeline
runs: bearer-token policy, retry policy (429 + Retry-After), ARM policies, paging via ``nextLink``.
"""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from cloudcarbon.pull import MissingDependency, PullError, azure
from tests.pull.conftest import ReplayAdapter, Reply, Route, recording

pytest.importorskip("azure.mgmt.consumption")

SUB = "1caaa5a3-2b66-438e-8ab4-bce37d518c5d"
SCOPE = f"/subscriptions/{SUB}"
USAGE = (
    rf"^https://management\.azure\.com/subscriptions/{SUB}/providers/Microsoft\.Consumption/usageDetails\?"
)


class FakeCredential:
    """A ``TokenCredential`` that never talks to Entra ID."""

    def __init__(self) -> None:
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        self.scopes.append(scopes)
        return AccessToken("dummy-token", int(time.time()) + 3600)


def make_transport(adapter: ReplayAdapter, sleeps: list[float]) -> Any:
    from azure.core.pipeline.transport import RequestsTransport

    class RecordingTransport(RequestsTransport):
        """``RequestsTransport`` whose sleeps are recorded, not slept."""

        def sleep(self, duration: float) -> None:
            sleeps.append(duration)

    session = requests.Session()
    session.mount("https://", adapter)
    return RecordingTransport(session=session, session_owner=False)


def routes(throttle: Reply | None = None) -> list[Route]:
    page2 = [Reply(recording("azure_usage_page2.json"))]
    if throttle is not None:
        page2.insert(0, throttle)
    return [
        Route("GET", USAGE + r"(?=.*skiptoken)", page2),
        Route("GET", USAGE, [Reply(recording("azure_usage_page1.json"))]),
    ]


def throttled(retry_after: str) -> Reply:
    return Reply(recording("azure_throttled.json"), status=429, headers={"Retry-After": retry_after})


def run(tmp_path: Path, adapter: ReplayAdapter, **kw: Any) -> tuple[Any, list[float], FakeCredential]:
    sleeps: list[float] = []
    cred = FakeCredential()
    result = azure.pull(
        "2026-10", tmp_path, scope=SCOPE, credential=cred, transport=make_transport(adapter, sleeps), **kw
    )
    return result, sleeps, cred


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_pages_retry_and_csv(tmp_path: Path) -> None:
    adapter = ReplayAdapter(routes(throttle=throttled("0")))
    result, _, cred = run(tmp_path, adapter)

    # page 1, a 429 on page 2, page 2 again: three requests, all with the dummy bearer token
    assert len(adapter.requests) == 3
    assert [r.headers["Authorization"] for r in adapter.requests] == ["Bearer dummy-token"] * 3
    assert cred.scopes and cred.scopes[0] == ("https://management.azure.com/.default",)
    assert adapter.requests[1].url == adapter.requests[2].url

    first = parse_qs(urlparse(str(adapter.requests[0].url)).query)
    assert first["$expand"] == ["properties/meterDetails,properties/additionalInfo"]
    assert first["$filter"] == [
        "properties/usageStart ge '2026-10-01' and properties/usageEnd le '2026-10-31'"
    ]
    assert first["metric"] == ["actualcost"]
    assert first["api-version"] == ["2024-08-01"]
    nxt = parse_qs(urlparse(str(adapter.requests[2].url)).query)
    assert nxt["$skiptoken"] == ["AQAAAA=="] and nxt["metric"] == ["actualcost"]

    path = tmp_path / "azure-cost-2026-10-actualcost.csv"
    assert result.files == (path,) and result.rows == 4 and result.provider == "azure"
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    raw.decode("utf-8")
    rows = read_csv(path)
    assert list(rows[0]) == list(azure.CSV_COLUMNS)
    assert len(rows) == 4

    legacy, modern = rows[0], rows[1]
    assert legacy["Date"] == "10/02/2026"
    assert legacy["BillingPeriodStartDate"] == "10/01/2026" and legacy["BillingPeriodEndDate"] == "10/31/2026"
    assert legacy["SubscriptionId"] == SUB and legacy["SubscriptionName"] == "Trey Research IT"
    assert legacy["MeterName"] == "D2 v3/D2s v3" and legacy["MeterSubCategory"] == "Dv3/DSv3 Series"
    assert legacy["MeterCategory"] == "Virtual Machines" and legacy["UnitOfMeasure"] == "1 Hour"
    assert legacy["Quantity"] == "24" and legacy["EffectivePrice"] == "0.096"
    assert legacy["CostInBillingCurrency"] == "2.304" and legacy["BillingCurrency"] == "USD"
    assert legacy["Tags"] == '"env": "prod","org": "trey"'
    assert json.loads("{" + legacy["Tags"] + "}") == {"env": "prod", "org": "trey"}
    assert json.loads(legacy["AdditionalInfo"])["ServiceType"] == "Standard_D2s_v3"
    assert legacy["ResourceId"].endswith("/virtualMachineScaleSets/aks-agentpool-42850074-vmss")
    assert legacy["ResourceGroup"] == "rg-aks-prod" and legacy["ResourceLocation"] == "EastUS"
    assert legacy["ChargeType"] == "Usage" and legacy["PricingModel"] == "On Demand"
    assert legacy["Frequency"] == "UsageBased" and legacy["PublisherType"] == "Azure"
    assert legacy["ProductName"].startswith("Virtual Machines Dv3/DSv3 Series")

    assert modern["SubscriptionId"] == "a1b2c3d4-0000-4000-8000-00000000abcd"
    assert modern["MeterName"] == "NC24ads A100 v4" and modern["MeterRegion"] == "US East 2"
    assert modern["CostInBillingCurrency"] == "36.73" and modern["BillingCurrency"] == "EUR"
    assert modern["ResourceId"].endswith("/virtualMachines/gpu-2")
    assert modern["UnitOfMeasure"] == "1 Hour" and modern["PricingModel"] == "OnDemand"
    assert rows[2]["Tags"] == "" and rows[2]["Quantity"] == "8.5" and rows[2]["Date"] == "10/17/2026"
    assert (
        rows[3]["Tags"] == ""
        and rows[3]["ReservationName"] == ""
        and rows[3]["PricingModel"] == "Reservation"
    )


def test_retry_after_is_honoured(tmp_path: Path) -> None:
    adapter = ReplayAdapter(routes(throttle=throttled("7")))
    result, sleeps, _ = run(tmp_path, adapter)
    assert sleeps == [7]
    assert len(adapter.requests) == 3 and result.rows == 4


def test_retries_are_bounded(tmp_path: Path) -> None:
    adapter = ReplayAdapter(
        [Route("GET", USAGE, [Reply(recording("azure_throttled.json"), 429, {"Retry-After": "1"})])]
    )
    with pytest.raises(PullError, match="throttling"):
        run(tmp_path, adapter, retries=2)
    assert len(adapter.requests) == 3  # one try and two retries
    assert not (tmp_path / "azure-cost-2026-10-actualcost.csv").exists()


def test_amortized_metric_and_billing_account_scope(tmp_path: Path) -> None:
    scope = "/providers/Microsoft.Billing/billingAccounts/54812345"
    url = r"^https://management\.azure\.com/providers/Microsoft\.Billing/billingAccounts/54812345/providers/"
    adapter = ReplayAdapter([Route("GET", url, [Reply(recording("azure_usage_page2.json"))])])
    sleeps: list[float] = []
    result = azure.pull(
        "2026-02",
        tmp_path,
        scope=scope,
        metric="amortizedcost",
        credential=FakeCredential(),
        transport=make_transport(adapter, sleeps),
    )
    assert result.files[0].name == "azure-cost-2026-02-amortizedcost.csv" and result.rows == 2
    query = parse_qs(urlparse(str(adapter.requests[0].url)).query)
    assert query["metric"] == ["amortizedcost"]
    assert query["$filter"] == [
        "properties/usageStart ge '2026-02-01' and properties/usageEnd le '2026-02-28'"
    ]


def test_auth_failure_is_a_clear_error(tmp_path: Path) -> None:
    body = {"error": {"code": "AuthenticationFailed", "message": "Authentication failed."}}
    adapter = ReplayAdapter([Route("GET", USAGE, [Reply(body, status=401)])])
    with pytest.raises(PullError, match="Azure authentication failed"):
        run(tmp_path, adapter)


def test_options_are_checked(tmp_path: Path) -> None:
    with pytest.raises(PullError, match="--metric"):
        azure.pull("2026-10", tmp_path, scope=SCOPE, metric="blended", client=object())  # type: ignore[arg-type]
    with pytest.raises(PullError, match="--scope"):
        azure.pull("2026-10", tmp_path, scope="/", client=object())


def test_missing_sdk_has_an_install_hint(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "azure.mgmt.consumption", None)
    with pytest.raises(MissingDependency, match=r"pip install 'cloudcarbon\[azure\]'"):
        azure.pull("2026-10", tmp_path, scope=SCOPE)
