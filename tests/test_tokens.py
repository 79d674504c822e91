"""Per-token figures for model-API rows (Amazon Bedrock, Vertex AI, Azure OpenAI) and the SCI for AI.

Factor set 2026.12 (the first with token tables). Per-token energy follows the EcoLogits LLM-inference
model (genai-impact/ecologits@2d0a1c76 ecologits/impacts/llm.py), worked out by hand below for Llama 3.1
8B (8.03 B active and total parameters, one H100 80GB: 1.2 x 8.03 x 16 / 8 = 19.3 GB < 80 GB):

    exp(beta x B) = exp(-0.011205921 x 64) = 0.488127349
    f_E = 1.166527317e-6 x 0.488127349 x 8.03 + 4.052928147e-5 = 4.510167498e-5 Wh = 0.162366030 J
    f_L = 6.785088094e-4 x 8.03 + 3.119310312e-4 x 64 + 0.019473718 = 0.044885729 s per output token
    server share = 0.044885729 s x 1200 W x 1/8 GPUs / 64 requests = 0.105200928 J
    J per output token = 0.162366030 + 0.105200928 = 0.267566958 J (low / 4, high x 3)
    embodied = 0.044885729 x (1/8 x 5700 + 1 x 164 kg) / (3 x 365 x 24 x 3600 s x 64) = 6.497591e-9 kg

AWS PUE 1.135; us-east-1 grid for 2026 = 418 gCO2e/kWh (Electricity Maps 2025, a substituted year: the
grid band is +-10 %).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from cloudcarbon import estimate
from cloudcarbon.cli import app
from cloudcarbon.config import ConfigError, config_from_mapping
from cloudcarbon.factors import FactorSet, load_factor_set
from cloudcarbon.report import to_json_dict
from cloudcarbon.reports.table import TableRenderer
from cloudcarbon.reports.tokens import tokens_csv
from tests.conftest import DEFAULT_FACTORS, cur_row
from tests.reports.test_table_widths import column

REL = 1e-6
runner = CliRunner()
PROJECTS = config_from_mapping({"projects": {"rules": [{"tag": "user:project"}]}})


@pytest.fixture(scope="module")
def tok_factors() -> FactorSet:
    return load_factor_set("2026.12")


def _bedrock(
    usage_type: str, amount: float, unit: str, cost: str = "1.00", project: str = "bot"
) -> dict[str, Any]:
    return cur_row(usage_type, amount, cost, unit, product="AmazonBedrock", project=project)


def _by_model(result: Any) -> dict[str, dict[str, Any]]:
    return {r["model"]: r for r in result.ai["tokens"].iter_rows(named=True)}


def test_handworked_bedrock_rows(cur_file: Callable[..., Path], tok_factors: FactorSet) -> None:
    f = cur_file(
        [
            # 2,000 packs of 1,000 output tokens = 2,000,000 output tokens
            _bedrock("USE1-Llama3-1-8B-Instruct-output-tokens", 2000, "1K tokens"),
            # 5,000,000 input tokens: no energy of their own centrally, 0.25 x an output token at the high end
            _bedrock("USE1-Llama3-1-8B-Instruct-input-tokens", 5000, "1K tokens"),
            _bedrock("USE1-Claude3.5Sonnet-cache-read-input-token-count", 1000, "tokens"),
            cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large", project="web"),
        ]
    )
    result = estimate([f], "2026-10", factor_set=tok_factors, config=PROJECTS)
    models = _by_model(result)
    llama = models["Llama3-1-8B-Instruct"]
    assert (llama["provider"], llama["project"], llama["model_class"], llama["params_basis"]) == (
        "aws",
        "bot",
        "dense-8b",
        "published",
    )
    assert llama["output_tokens"] == 2_000_000 and llama["input_tokens"] == 5_000_000
    # energy = 2,000,000 x 0.267566958 J x 1.135 / 3.6e6 = 0.168715832 kWh
    assert llama["energy_kwh"] == pytest.approx(0.168715832, rel=REL)
    # CO2e = 0.168715832 kWh x 0.418 kg/kWh = 0.070523218 kg
    assert llama["co2e_kg"] == pytest.approx(0.070523218, rel=REL)
    # low: 0.267566958 / 4 J, input tokens 0, grid -10 %: 0.042178958 kWh x 0.418 x 0.9 = 0.015867724 kg
    assert llama["co2e_kg_low"] == pytest.approx(0.015867724, rel=REL)
    # high: (2e6 + 5e6 x 0.25) x 0.267566958 x 3 J x 1.135 / 3.6e6 = 0.822489680 kWh, x 0.418 x 1.1
    assert llama["energy_kwh_high"] == pytest.approx(0.822489680, rel=REL)
    assert llama["co2e_kg_high"] == pytest.approx(0.378180755, rel=REL)
    # embodied = 2e6 x 6.497591e-9 = 0.012995182 kg
    assert llama["embodied_co2e_kg"] == pytest.approx(0.012995182, rel=REL)
    # kgCO2e per million tokens (any direction): (0.070523218 + 0.012995182) / 7 = 0.011931200
    assert llama["kgco2e_per_mtok"] == pytest.approx((0.070523218 + 0.012995182) / 7, rel=REL)
    sonnet = models["Claude3.5Sonnet"]
    assert sonnet["cached_input_tokens"] == 1000 and sonnet["output_tokens"] == 0
    assert sonnet["model_class"] == "est-moe-440b" and sonnet["params_basis"] == "estimate"
    assert sonnet["co2e_kg"] == 0 and sonnet["co2e_kg_high"] > 0  # cached tokens only in the high end
    # SCI for AI, consumer side, per token: (E x I + M) / R over the project's token rows
    sci = {
        (r["project"], r["boundary"], r["functional_unit"]): r for r in result.ai["sci"].iter_rows(named=True)
    }
    bot = sci[("bot", "consumer", "token")]
    assert bot["units"] == 7_001_000
    total = llama["co2e_kg"] + llama["embodied_co2e_kg"] + sonnet["co2e_kg"] + sonnet["embodied_co2e_kg"]
    assert bot["sci_kg_per_unit"] == pytest.approx(total / 7_001_000, rel=REL)
    assert ("web", "consumer", "token") not in sci  # no token rows, no per-token score
    # the estimate itself still carries the Bedrock rows, by the cost-ratio fallback
    assert result.coverage["fallback_cost"][0] > 0


def test_per_token_factors_agree_with_ml_energy(tok_factors: FactorSet) -> None:
    energy = {r["model_class"]: r for r in tok_factors.table("token_energy").iter_rows(named=True)}
    # hand-worked EcoLogits figure (module docstring) for the 8B class
    assert energy["dense-8b"]["j_per_output_token"] == pytest.approx(0.267566958, rel=1e-8)
    # ML.ENERGY Leaderboard v3.0 (vLLM, H100, batch 64): about 0.12 J per output token for Llama 3.1 8B
    # and 0.56 J for Llama 3.1 70B (https://ml.energy/blog/measurement/energy/
    # llm-inference-energy-a-longitudinal-analysis): both inside the stated band
    for cls, measured in (("dense-8b", 0.12), ("dense-70b", 0.56)):
        r = energy[cls]
        assert r["j_per_output_token_low"] <= measured <= r["j_per_output_token_high"], cls
        # the band is wide but not arbitrary: the measured value is within 4x of the central figure
        assert r["j_per_output_token"] / 4 <= measured <= r["j_per_output_token"] * 4, cls
        assert r["params_basis"] == "published"
    # 70B: 4 GPUs (1.2 x 70.55 x 2 = 169 GB -> 3, rounded up to a power of two); EcoLogits: 1.980595 J
    assert energy["dense-70b"]["gpus"] == 4
    assert energy["dense-70b"]["j_per_output_token"] == pytest.approx(1.980595298, rel=1e-8)
    for r in energy.values():
        assert r["j_per_output_token_low"] < r["j_per_output_token"] < r["j_per_output_token_high"]
        assert r["input_token_ratio"] <= r["input_token_ratio_high"]
    # proprietary models: estimates, said so, with a band from their active-parameter range
    assert energy["est-moe-440b"]["params_basis"] == "estimate"
    assert energy["est-moe-440b"]["active_params_b_low"] < energy["est-moe-440b"]["active_params_b_high"]
    for table in ("token_energy", "token_models", "token_rules", "token_units"):
        df = tok_factors.table(table)
        assert df.height > 0
        assert df["source"].str.len_chars().min() > 10 and df["licence"].str.len_chars().min() > 2


def _gcp_file(path: Path, rows: list[tuple[str, float, str, str]]) -> Path:
    lines = []
    for i, (sku, amount, unit, project) in enumerate(rows):
        lines.append(
            {
                "billing_account_id": "01A2B3-C4D5E6-F70819",
                "service": {"id": "C7E2-9256-1C43", "description": "Vertex AI"},
                "sku": {"id": f"SKU-{i}", "description": sku},
                "usage_start_time": "2026-10-01 00:00:00 UTC",
                "usage_end_time": "2026-10-02 00:00:00 UTC",
                "project": {"id": project, "name": project, "labels": []},
                "labels": [],
                "system_labels": [],
                "location": {"location": "us-central1", "country": "US", "region": "us-central1"},
                "cost": 1.0,
                "currency": "USD",
                "usage": {"amount": amount, "unit": unit},
                "credits": [],
                "invoice": {"month": "202610"},
                "cost_type": "regular",
            }
        )
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    return path


_AZ_COLUMNS = [
    "BillingAccountId", "BillingAccountName", "BillingPeriodStartDate", "BillingPeriodEndDate",
    "SubscriptionId", "SubscriptionName", "Date", "Product", "MeterId", "ServiceFamily", "MeterCategory",
    "MeterSubCategory", "MeterRegion", "MeterName", "Quantity", "EffectivePrice", "Cost", "UnitPrice",
    "BillingCurrency", "ResourceLocation", "ConsumedService", "ResourceId", "AdditionalInfo", "Tags",
    "UnitOfMeasure", "ResourceGroup", "ReservationName", "ChargeType", "Frequency", "PublisherType",
    "PricingModel",
]  # fmt: skip


def _azure_file(path: Path, rows: list[tuple[str, float, str]], tags: str = "") -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=_AZ_COLUMNS)
        w.writeheader()
        for i, (meter, qty, unit) in enumerate(rows):
            w.writerow(
                {
                    "BillingAccountId": "8611537",
                    "BillingAccountName": "Contoso",
                    "BillingPeriodStartDate": "10/01/2026",
                    "BillingPeriodEndDate": "10/31/2026",
                    "SubscriptionId": "1caaa5a3-2b66-438e-8ab4-bce37d518c5d",
                    "SubscriptionName": "Contoso AI",
                    "Date": "10/01/2026",
                    "Product": f"Azure OpenAI - {meter}",
                    "MeterId": f"00000000-0000-4000-8000-{i:012d}",
                    "ServiceFamily": "AI + Machine Learning",
                    "MeterCategory": "Cognitive Services",
                    "MeterSubCategory": "Azure OpenAI",
                    "MeterRegion": "US East",
                    "MeterName": meter,
                    "Quantity": f"{qty:g}",
                    "EffectivePrice": "0",
                    "Cost": "1.00",
                    "UnitPrice": "0",
                    "BillingCurrency": "USD",
                    "ResourceLocation": "eastus",
                    "ConsumedService": "Microsoft.CognitiveServices",
                    "ResourceId": "/subscriptions/x/resourceGroups/rg-bot/providers/Microsoft.Foo/a",
                    "AdditionalInfo": "",
                    "Tags": tags,
                    "UnitOfMeasure": unit,
                    "ResourceGroup": "rg-bot",
                    "ReservationName": "",
                    "ChargeType": "Usage",
                    "Frequency": "UsageBased",
                    "PublisherType": "Azure",
                    "PricingModel": "OnDemand",
                }
            )
    return path


def _directions(result: Any) -> dict[str, tuple[float, float, float]]:
    return {
        r["model"]: (r["input_tokens"], r["output_tokens"], r["cached_input_tokens"])
        for r in result.ai["tokens"].iter_rows(named=True)
    }


def test_vertex_ai_rows(tmp_path: Path, tok_factors: FactorSet) -> None:
    f = _gcp_file(
        tmp_path / "gcp.jsonl",
        [
            ("Gemini 2.0 Flash Text Input - Predictions", 5_000_000, "count", "search"),
            ("Gemini 2.0 Flash Text Output - Predictions", 1_200_000, "count", "search"),
            ("Gemini 2.0 Flash Cached Text Input - Predictions", 300_000, "count", "search"),
            # characters at about 4 per token: 1,000,000 characters = 250,000 tokens
            ("Gemini 2.5 Pro Input Characters", 1_000_000, "count", "search"),
            ("N2 Instance Core running in Americas", 3600, "seconds", "search"),
        ],
    )
    result = estimate([f"gcp:{f}"], "2026-10", factor_set=tok_factors)
    got = _directions(result)
    assert got == {"Gemini 2.0 Flash": (5_000_000, 1_200_000, 300_000), "Gemini 2.5 Pro": (250_000, 0, 0)}
    classes = {r["model"]: r["model_class"] for r in result.ai["tokens"].iter_rows(named=True)}
    assert classes == {"Gemini 2.0 Flash": "est-moe-440b", "Gemini 2.5 Pro": "est-moe-2000b"}


def test_azure_openai_rows(tmp_path: Path, tok_factors: FactorSet) -> None:
    f = _azure_file(
        tmp_path / "azure.csv",
        [
            ("gpt-4o-0806 Inp glbl Tokens", 2400, "1K Tokens"),  # 2,400 x 1,000 = 2,400,000
            ("gpt-4o-0806 cached Inp glbl Tokens", 800, "1K Tokens"),  # 800,000 cached
            ("gpt-4o-0806 Outp glbl Tokens", 600, "1K Tokens"),  # 600,000 output
            ("gpt-4o-mini-0718 Outp glbl Tokens", 3, "1M Tokens"),  # 3 x 1,000,000
            ("gpt 4o mini 0718 Input regional Tokens", 1.5, "1M Tokens"),
        ],
    )
    result = estimate([f"azure:{f}"], "2026-10", factor_set=tok_factors)
    got = _directions(result)
    assert got == {
        "gpt-4o-0806": (2_400_000, 600_000, 800_000),
        "gpt-4o-mini-0718": (0, 3_000_000, 0),
        "gpt 4o mini 0718": (1_500_000, 0, 0),
    }
    classes = {r["model"]: r["model_class"] for r in result.ai["tokens"].iter_rows(named=True)}
    assert classes["gpt-4o-0806"] == "est-moe-440b" and classes["gpt 4o mini 0718"] == "est-dense-8-28b"
    # Azure PUE 1.185; gpt-4o-mini: 3e6 output tokens x 0.303859204 J (token_energy.csv est-dense-8-28b)
    mini = next(r for r in result.ai["tokens"].iter_rows(named=True) if r["model"] == "gpt-4o-mini-0718")
    assert mini["energy_kwh"] == pytest.approx(3e6 * 0.3038592038 * 1.185 / 3.6e6, rel=REL)


HOSTILE = "=1+1<script>alert(1)</script>\x1b[31mé"


def test_hostile_model_names_and_unknown_units(cur_file: Callable[..., Path], tok_factors: FactorSet) -> None:
    f = cur_file(
        [
            _bedrock(f"USE1-{HOSTILE}-output-tokens", 1000, "tokens", project="=cmd|' /C calc'!A0"),
            _bedrock("USE1-Llama3-1-8B-Instruct-output-tokens", 7, "bushels"),  # unit not known
            _bedrock("USE1--output-tokens", 5, "tokens"),  # no model name: not a token row
        ]
    )
    result = estimate([f], "2026-10", factor_set=tok_factors, config=PROJECTS)
    (row,) = result.ai["tokens"].iter_rows(named=True)
    assert row["model"] == HOSTILE  # exactly as billed
    assert row["model_status"] == "unknown_model" and row["model_class"] == "unknown"
    assert row["co2e_kg_low"] < row["co2e_kg"] < row["co2e_kg_high"]
    (unknown,) = result.ai["tokens_unrecognised"].iter_rows(named=True)
    assert (unknown["unit"], unknown["rows"]) == ("bushels", 1)
    # JSON keeps the text exactly; CSV neutralises formulas and shows controls; the table shows no escape
    doc = to_json_dict(result)
    assert doc["ai"]["tokens"][0]["model"] == HOSTILE
    text = tokens_csv(result)
    parsed = list(csv.DictReader(text.splitlines()))
    assert parsed[0]["model"].startswith("'=1+1<script>") and "\\x1b" in parsed[0]["model"]
    assert parsed[0]["project"] == "'=cmd|' /C calc'!A0"
    assert "\x1b" not in text
    table = TableRenderer().render(result)
    tokens_part = table[table.index("Model-API tokens") :]
    # the model column (the third) holds the name escaped, folded onto as many lines as it needs
    assert "\x1b" not in table and "\\x1b[31m" in column(tokens_part, 2)
    assert "unknown model (wide band)" in " ".join(column(tokens_part, 9).split()) or (
        "parameters" in table.split("Not shown at this width:")[-1]
    )
    assert "bushels" in table


def test_older_set_has_no_token_lens(cur_file: Callable[..., Path], factors: FactorSet) -> None:
    f = cur_file([_bedrock("USE1-Llama3-1-8B-Instruct-output-tokens", 2000, "1K tokens")])
    result = estimate([f], "2026-10", factor_set=factors)  # 2026.11: no token tables
    assert "tokens" not in result.ai
    assert "sci" not in result.ai or result.ai["sci"].filter(pl.col("functional_unit") == "token").height == 0


def test_provider_units_file(tmp_path: Path) -> None:
    from cloudcarbon.tokens import read_provider_units

    good = tmp_path / "units.csv"
    good.write_text(
        "project,month,unit,quantity\ntrain,2026-10,billion_parameters,7\ntrain,2026-09,flop,1e21\n",
        encoding="utf-8",
    )
    df = read_provider_units(str(good), "2026-10")
    assert df.to_dicts() == [{"project": "train", "unit": "billion_parameters", "units": 7.0}]
    bad = tmp_path / "bad.csv"
    bad.write_text("project,month,unit,quantity\ntrain,2026-10,parameters,7\n", encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"row 1, column 'unit': 'parameters' is not one of billion_parameters"
    ):
        read_provider_units(str(bad), "2026-10")
    bad.write_text("project,month,unit,quantity\ntrain,2026-10,flop,-1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"row 1, column 'quantity': '-1' is not a positive number"):
        read_provider_units(str(bad), "2026-10")
    cfg = config_from_mapping({"ai": {"provider_units": str(good)}})
    assert cfg.ai.provider_units == str(good)


def test_demo_month_shows_token_figures(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    res = runner.invoke(app, ["demo", "--out", str(out), "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["factor_set"]["version"] == DEFAULT_FACTORS and not doc["factor_set"]["user_made"]
    tokens = {(t["provider"], t["model"]): t for t in doc["ai"]["tokens"]}
    # the demo's generators (scripts/synth/clouds.py), 31 days of October:
    # Vertex AI: 5,000,000 input and 1,200,000 output tokens a day
    gemini = tokens[("gcp", "Gemini 2.0 Flash")]
    assert (gemini["input_tokens"], gemini["output_tokens"]) == (155_000_000, 37_200_000)
    # Azure OpenAI: 2,400 / 800 / 600 packs of 1K tokens a day (input / cached input / output)
    gpt = tokens[("azure", "gpt-4o-0806")]
    assert (gpt["input_tokens"], gpt["cached_input_tokens"], gpt["output_tokens"]) == (
        74_400_000,
        24_800_000,
        18_600_000,
    )
    # gpt-4o (est-moe-440b, 8.938709678 J per output token), Azure PUE 1.185:
    # 18,600,000 x 8.938709678 x 1.185 / 3.6e6 = 54.726737 kWh
    assert gpt["energy_kwh"] == pytest.approx(18_600_000 * 8.938709678 * 1.185 / 3.6e6, rel=REL)
    sci = {(s["project"], s["boundary"]): s for s in doc["ai"]["sci"]}
    assert sci[("support-bot", "consumer")]["functional_unit"] == "token"
    assert sci[("support-bot", "consumer")]["units"] == 74_400_000 + 24_800_000 + 18_600_000
    # provider side: vision-train's training emissions per billion parameters (demo provider_units.csv)
    train = sci[("vision-train", "provider")]
    assert train["functional_unit"] == "billion parameters" and train["units"] == 0.3
    assert train["sci_kg_per_unit"] == pytest.approx((train["operational_kg"] + train["embodied_kg"]) / 0.3)
    tok_csv = tmp_path / "tokens.csv"
    cfg = out / "cloudcarbon.toml"
    from cloudcarbon._demo import demo_sources

    args = ["estimate", "-m", "2026-10", "-c", str(cfg), "--no-record"]
    for s in demo_sources(out, "2026-10"):
        args += ["-s", s]
    res = runner.invoke(app, [*args, "--tokens", str(tok_csv)])
    assert res.exit_code == 0, res.output
    assert "Model-API tokens" in res.output and "SCI for AI" in res.output
    rows = list(csv.DictReader(tok_csv.read_text(encoding="utf-8").splitlines()))
    assert {r["model"] for r in rows} == {"Gemini 2.0 Flash", "gpt-4o-0806"}
    res = runner.invoke(app, [*args, "--tokens", str(tmp_path / "tokens.txt")])
    assert res.exit_code == 2 and "--tokens writes a .csv file" in res.output


def test_sci_units_without_usage_render(
    cur_file: Callable[..., Path], tmp_path: Path, tok_factors: FactorSet
) -> None:
    req = tmp_path / "requests.csv"
    req.write_text("project,month,requests\nghost,2026-10,1000\n", encoding="utf-8")
    units = tmp_path / "units.csv"
    units.write_text("project,month,unit,quantity\nghost-train,2026-10,flop,1e21\n", encoding="utf-8")
    cfg = config_from_mapping(
        {
            "projects": {"rules": [{"tag": "user:project"}]},
            "ai": {"requests": str(req), "provider_units": str(units), "functional_unit": "chat turn"},
        }
    )
    f = cur_file([_bedrock("USE1-Llama3-1-8B-Instruct-output-tokens", 2000, "1K tokens")])
    result = estimate([f], "2026-10", factor_set=tok_factors, config=cfg)
    sci = {(r["project"], r["boundary"]): r for r in result.ai["sci"].iter_rows(named=True)}
    # projects with units but no usage in the sources: no score (not zero)
    assert sci[("ghost", "consumer")]["functional_unit"] == "chat turn"
    assert sci[("ghost", "consumer")]["sci_kg_per_unit"] is None
    assert sci[("ghost-train", "provider")]["functional_unit"] == "FLOP"
    assert sci[("ghost-train", "provider")]["sci_kg_per_unit"] is None
    table = TableRenderer().render(result)
    assert "ghost: no usage in these sources for its chat turn count" in table
    assert "ghost-train: no usage in these sources for its FLOP count" in table
