"""Per-token energy of model-API charges (Amazon Bedrock, Vertex AI, Azure OpenAI): four tables.

Called by ``scripts/build_factors.py`` (``TABLES`` and ``tables(ref)``); reads nothing from ``ref``, only
the curated inputs in ``scripts/factor_inputs/``:

* ``token_energy.csv``: per model class (``token_model_classes.csv``: active and total parameters,
  published or estimated), the energy of one output token in joules (server energy, before the data
  centre's PUE) and the embodied emissions per million output tokens, each with a low and high end, and
  the share of an output token's energy an input or cached input token carries. Figures follow the
  EcoLogits LLM-inference model (genai-impact/ecologits, MPL-2.0; its coefficients, with their source, in
  ``token_energy_model.csv``), evaluated here::

      GPUs     = 2 ** ceil(log2(ceil(overhead x P_total x bits / 8 / gpu_memory_gb)))
      f_E(P)   = alpha x exp(beta x B) x P + gamma                   (Wh per output token, one GPU)
      f_L(P)   = l_alpha x P + l_beta x B + l_gamma                   (s per output token)
      E(P)     = GPUs x f_E(P) + f_L(P) / 3600 x server_kw x 1000 x GPUs / server_gpus / B   (Wh)
      M(P)     = f_L(P) x (GPUs / server_gpus x server_kg + GPUs x gpu_kg) / (lifespan_s x B)  (kg)

  Central at the class's central active-parameter count; low = ``band_low_ratio`` x the figure at the
  lowest count, high = ``band_high_ratio`` x the figure at the highest count.
* ``token_models.csv``: ordered rules, model id as billed (normalised) -> model class.
* ``token_rules.csv``: ordered rules recognising token rows per provider (named group ``model``,
  direction from the group ``dir`` or the rule).
* ``token_units.csv``: billed unit -> tokens per unit (characters at about four per token).
"""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path
from typing import Any

INPUTS = Path(__file__).resolve().parent / "factor_inputs"
DIRECTIONS = ("input", "output", "cached_input")


def _field(name: str, type_: str, description: str, unit: str | None = None) -> dict[str, str]:
    f = {"name": name, "type": type_}
    if unit:
        f["unit"] = unit
    f["description"] = description
    return f


SRC = _field("source", "string", "where the figure comes from (repository@commit:path, URL, document)")
LIC = _field("licence", "string", "licence of the figure (SPDX id where one exists)")

TABLES: dict[str, tuple[list[dict[str, str]], list[str]]] = {
    "token_energy.csv": (
        [
            _field("model_class", "string", "model class (token_models.model_class)"),
            _field("active_params_b", "number", "active parameters, central", "billion"),
            _field("active_params_b_low", "number", "active parameters, low end", "billion"),
            _field("active_params_b_high", "number", "active parameters, high end", "billion"),
            _field("total_params_b", "number", "total parameters (sets the GPUs the model needs)", "billion"),
            _field("params_basis", "string", "published (open weights) or estimate (not released)"),
            _field("gpus", "integer", "H100 80GB GPUs the model needs (EcoLogits rule)"),
            _field("j_per_output_token", "number", "server energy per output token, before PUE", "J"),
            _field("j_per_output_token_low", "number", "low end", "J"),
            _field("j_per_output_token_high", "number", "high end", "J"),
            _field("input_token_ratio", "number", "J per input token / J per output token, central"),
            _field("input_token_ratio_high", "number", "same, high end (low end 0)"),
            _field("cached_input_token_ratio", "number", "J per cached input token / J per output token"),
            _field("cached_input_token_ratio_high", "number", "same, high end (low end 0)"),
            _field("embodied_kg_per_mtok", "number", "embodied per million output tokens", "kgCO2e"),
            _field("embodied_kg_per_mtok_low", "number", "low end", "kgCO2e"),
            _field("embodied_kg_per_mtok_high", "number", "high end", "kgCO2e"),
            _field("note", "string", "note"),
            SRC,
            LIC,
        ],
        ["model_class"],
    ),
    "token_models.csv": (
        [
            _field("rule_id", "string", "rule id"),
            _field("priority", "integer", "lower wins"),
            _field("provider", "string", "aws / gcp / azure, or * for any"),
            _field(
                "model_regex",
                "string",
                "regex searched in the model id as billed, lower-cased, runs of other characters than "
                "a-z 0-9 turned into '-'",
            ),
            _field("model_class", "string", "a token_energy.model_class"),
            _field("note", "string", "note"),
            SRC,
            LIC,
        ],
        ["rule_id"],
    ),
    "token_rules.csv": (
        [
            _field("rule_id", "string", "rule id"),
            _field("priority", "integer", "lower wins (within a provider)"),
            _field("provider", "string", "aws / gcp / azure"),
            _field("service_regex", "string", "regex the service must match (blank: any)"),
            _field(
                "usage_type_regex",
                "string",
                "regex on the usage type / SKU / meter (as the connector writes it) with a named group "
                "'model' and, unless direction is set, a group 'dir'",
            ),
            _field("direction", "string", "input / output / cached_input, or blank: from the group 'dir'"),
            _field("note", "string", "note"),
            SRC,
            LIC,
        ],
        ["rule_id"],
    ),
    "token_units.csv": (
        [
            _field("unit", "string", "billed unit, lower-cased, spaces collapsed"),
            _field("tokens_per_unit", "number", "tokens per billed unit"),
            _field("measure", "string", "what the provider counts: tokens or characters"),
            _field("note", "string", "note"),
            SRC,
            LIC,
        ],
        ["unit"],
    ),
}


def _read(name: str) -> list[dict[str, str]]:
    with (INPUTS / name).open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for i, row in enumerate(rows, start=2):
        if None in row or any(v is None for v in row.values()):
            raise SystemExit(f"factor_inputs/{name}: line {i} has the wrong number of cells (quote commas)")
        if not (row.get("source") or "").strip() or not (row.get("licence") or "").strip():
            raise SystemExit(f"factor_inputs/{name}: line {i} lacks source or licence")
    return rows


def _g(x: float) -> str:
    """Ten significant digits: stable text, no float noise."""
    return f"{x:.10g}"


def _model(c: dict[str, float]) -> tuple[Any, Any, Any]:
    """Functions of the EcoLogits model: GPUs(P_total), energy Wh(P_active, GPUs), embodied kg(...)."""

    def gpus(total: float) -> int:
        need = math.ceil(c["memory_overhead"] * total * c["model_quantization_bits"] / 8 / c["gpu_memory_gb"])
        return int(2 ** math.ceil(math.log2(need)))

    b = c["batch_size"]

    def latency(p: float) -> float:
        return c["latency_alpha"] * p + c["latency_beta"] * b + c["latency_gamma"]

    def energy_wh(p: float, n: int) -> float:
        f_e = c["gpu_energy_alpha"] * math.exp(c["gpu_energy_beta"] * b) * p + c["gpu_energy_gamma"]
        server = latency(p) / 3600 * c["server_power_kw"] * 1000 * n / c["server_gpus"] / b
        return n * f_e + server

    def embodied_kg(p: float, n: int) -> float:
        hardware = n / c["server_gpus"] * c["server_embodied_kgco2e"] + n * c["gpu_embodied_kgco2e"]
        return latency(p) * hardware / (c["hardware_lifespan_hours"] * 3600 * b)

    return gpus, energy_wh, embodied_kg


def tables(ref: Path) -> dict[str, list[dict[str, Any]]]:
    """Rows of the four token tables (``ref`` is not read)."""
    del ref
    coef_rows = _read("token_energy_model.csv")
    c = {r["name"]: float(r["value"]) for r in coef_rows}
    gpus, energy_wh, embodied_kg = _model(c)
    cite = "EcoLogits, genai-impact/ecologits@2d0a1c76:ecologits/impacts/llm.py, MPL-2.0"
    energy = []
    for r in _read("token_model_classes.csv"):
        p, lo, hi, total = (
            float(r[k])
            for k in ("active_params_b", "active_params_b_low", "active_params_b_high", "total_params_b")
        )
        if not lo <= p <= hi:
            raise SystemExit(f"token_model_classes.csv: {r['model_class']}: central outside its range")
        n = gpus(total)
        j = energy_wh(p, n) * 3600
        energy.append(
            {
                "model_class": r["model_class"],
                "active_params_b": r["active_params_b"],
                "active_params_b_low": r["active_params_b_low"],
                "active_params_b_high": r["active_params_b_high"],
                "total_params_b": r["total_params_b"],
                "params_basis": r["params_basis"],
                "gpus": n,
                "j_per_output_token": _g(j),
                "j_per_output_token_low": _g(c["band_low_ratio"] * energy_wh(lo, n) * 3600),
                "j_per_output_token_high": _g(c["band_high_ratio"] * energy_wh(hi, n) * 3600),
                "input_token_ratio": _g(c["input_token_ratio"]),
                "input_token_ratio_high": _g(c["input_token_ratio_high"]),
                "cached_input_token_ratio": _g(c["input_token_ratio"]),
                "cached_input_token_ratio_high": _g(c["cached_input_token_ratio_high"]),
                "embodied_kg_per_mtok": _g(embodied_kg(p, n) * 1e6),
                "embodied_kg_per_mtok_low": _g(c["band_low_ratio"] * embodied_kg(lo, n) * 1e6),
                "embodied_kg_per_mtok_high": _g(c["band_high_ratio"] * embodied_kg(hi, n) * 1e6),
                "note": r["note"],
                "source": (
                    f"parameters: {r['source']}; per-token figures: EcoLogits LLM inference model "
                    f"evaluated by scripts/factors_tokens.py with the coefficients of "
                    f"scripts/factor_inputs/token_energy_model.csv ({cite}); bands and input-token "
                    "ratios: cloudcarbon assumptions in the same file (checked against ML.ENERGY "
                    "Leaderboard v3.0, Apache-2.0)"
                ),
                "licence": "MPL-2.0" if r["licence"] == "MPL-2.0" else "Apache-2.0 AND MPL-2.0",
            }
        )
    classes = {r["model_class"] for r in energy}
    models = _read("token_models.csv")
    for r in models:
        if r["model_class"] not in classes:
            raise SystemExit(f"token_models.csv: {r['rule_id']}: unknown model class {r['model_class']!r}")
        re.compile(r["model_regex"])
    rules = _read("token_rules.csv")
    for r in rules:
        rx = re.compile(r["usage_type_regex"])
        if "model" not in rx.groupindex:
            raise SystemExit(f"token_rules.csv: {r['rule_id']}: no group 'model'")
        if r["direction"] not in ("", *DIRECTIONS) or (not r["direction"] and "dir" not in rx.groupindex):
            raise SystemExit(f"token_rules.csv: {r['rule_id']}: no direction")
    units = _read("token_units.csv")
    for r in units:
        if r["measure"] not in ("tokens", "characters") or float(r["tokens_per_unit"]) <= 0:
            raise SystemExit(f"token_units.csv: {r['unit']}: bad measure or tokens_per_unit")
    return {
        "token_energy.csv": sorted(energy, key=lambda r: r["model_class"]),
        "token_models.csv": sorted(models, key=lambda r: (int(r["priority"]), r["rule_id"])),
        "token_rules.csv": sorted(rules, key=lambda r: (r["provider"], int(r["priority"]), r["rule_id"])),
        "token_units.csv": sorted(units, key=lambda r: r["unit"]),
    }
