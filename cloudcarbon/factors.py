"""Versioned factor sets: load, verify, and derive the lookup views the model joins with.

A factor set is a folder of CSV tables with a ``datapackage.json`` descriptor (see ``factors/README.md``).
Loading checks every file against the sha256 in the descriptor, so a statement can cite the set's
content hash and an auditor can check that the numbers behind it are the published ones.

The descriptor's hashes only prove the files match the descriptor, and whoever edits a file can re-hash
it. So the content hash of every released set is also fixed in this package (:data:`SHIPPED_SHA256`): a
set that carries a released version name must have exactly that content, and any other set is
*user-made* (:attr:`FactorSet.user_made`), which every output states next to the version.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import polars as pl

from cloudcarbon.exceptions import FactorSetError

__all__ = [
    "DEFAULT_GRID_BOUNDARY",
    "GRID_BOUNDARIES",
    "SHIPPED_SHA256",
    "FactorSet",
    "available_factor_sets",
    "factor_set_root",
    "load_factor_set",
    "method_document",
]

#: Content hash (:func:`content_sha256`) of every released factor set, by version. A released set is
#: never edited; a new release adds its line here (tests/hostile checks every shipped set is listed).
SHIPPED_SHA256: dict[str, str] = {
    "2026.11": "fd64c1c472d30b6704b8d06e8ab33c8413e07ba18d278b9afd870fdd1ceac657",
    "2026.12": "a6de65f164393e5584844f0fd690d716ec9a2589538454dac0f5549354aaf814",
    "2026.12.1": "81981e634323855eeba182bb7b3a9efaa30abecf5917e6d3026342ebf9f7438a",
}

#: Boundaries a grid factor can have (the ``boundary`` column of 2026.12.1 on): ``operational`` =
#: combustion / direct emissions of generation, as GHG Protocol scope 2 location-based figures are;
#: ``lifecycle`` = with upstream fuel supply and plant construction.
GRID_BOUNDARIES = ("operational", "lifecycle")
#: The boundary taken unless configured otherwise ([grid] boundary, --grid-boundary).
DEFAULT_GRID_BOUNDARY = "operational"

_TABLE_FILES = (
    "instances.csv",
    "cpu_power.csv",
    "accelerators.csv",
    "coefficients.csv",
    "pue.csv",
    "grid_intensity.csv",
    "grid_intensity_odbl.csv",
    "aws_usage_types.csv",
    "units.csv",
)
_RULE_COLUMNS = {
    "rule_id": pl.String(),
    "priority": pl.Int64(),
    "provider": pl.String(),
    "product_code": pl.String(),
    "usage_type_regex": pl.String(),
    "usage_class": pl.String(),
    "quantity_unit": pl.String(),
    "replication_factor": pl.Float64(),
    "exclusion_reason": pl.String(),
    "accelerator_model": pl.String(),
    "accelerators_per_unit": pl.Float64(),
}


def factor_set_root() -> Path:
    """Folder holding the shipped factor sets (inside the wheel, or the repo's ``factors/``)."""
    here = Path(__file__).resolve().parent
    packaged = here / "_factors"
    if packaged.is_dir():
        return packaged
    return here.parent / "factors"


def method_document() -> Path:
    """cloudcarbon's method document, which factor rows resting on its own assumptions cite
    (``docs/method.md`` of the source, shipped in the wheel as ``cloudcarbon/_docs/method.md``)."""
    here = Path(__file__).resolve().parent
    packaged = here / "_docs" / "method.md"
    return packaged if packaged.is_file() else here.parent / "docs" / "method.md"


def available_factor_sets(root: Path | None = None) -> list[str]:
    """Versions of the factor sets under ``root``, oldest first."""
    base = root or factor_set_root()
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if (p / "datapackage.json").is_file())


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def content_sha256(file_hashes: dict[str, str]) -> str:
    """The set's content hash: sha256 of ``"<sha256>  <path>\\n"`` lines sorted by path."""
    lines = "".join(f"{file_hashes[p]}  {p}\n" for p in sorted(file_hashes))
    return hashlib.sha256(lines.encode()).hexdigest()


@dataclass(frozen=True)
class FactorSet:
    """A verified factor set. Tables are read on first use and cached.

    Use :func:`load_factor_set` to get one.
    """

    path: Path
    version: str
    sha256: str
    descriptor: dict[str, Any] = field(repr=False)
    #: not a released set (its version is not in :data:`SHIPPED_SHA256`); outputs must say so
    user_made: bool = False

    @property
    def label(self) -> str:
        """The version as outputs show it: ``2026.11``, or ``acme-1 (user-made)``."""
        return f"{self.version} (user-made)" if self.user_made else self.version

    def has_table(self, name: str) -> bool:
        """Whether the set holds table ``name`` (newer sets add tables; e.g. ``water_wue`` from 2026.12.1)."""
        return name in self._tables

    def table(self, name: str) -> pl.DataFrame:
        """A table of the set by file stem (e.g. ``"instances"``), numbers typed per the descriptor."""
        return self._tables[name]

    @cached_property
    def _tables(self) -> dict[str, pl.DataFrame]:
        out: dict[str, pl.DataFrame] = {}
        for res in self.descriptor.get("resources", []):
            rel = res["path"]
            if not rel.endswith(".csv"):
                continue
            overrides: dict[str, pl.DataType] = {}
            for f in res.get("schema", {}).get("fields", []):
                t = f.get("type", "string")
                overrides[f["name"]] = (
                    pl.Float64() if t == "number" else pl.Int64() if t == "integer" else pl.String()
                )
            try:
                df = pl.read_csv(self.path / rel, schema_overrides=overrides, infer_schema=False)
            except (pl.exceptions.PolarsError, OSError) as exc:
                raise FactorSetError(f"factor set {self.version}: cannot read {rel}: {exc}") from exc
            out[Path(rel).stem] = df
        return out

    def coefficient(self, name: str) -> float:
        """A scalar from ``coefficients.csv``."""
        df = self.table("coefficients").filter(pl.col("name") == name)
        if df.height != 1:
            raise FactorSetError(
                f"factor set {self.version}: coefficient {name!r} is missing from coefficients.csv"
            )
        return float(df["value"][0])

    def grid_boundary_band_ratio(self) -> float:
        """Extra relative half-width of a grid factor of the other boundary (``boundary_substituted``):
        the set's ``grid_boundary_band_ratio``; sets without it never substitute a boundary and give
        ``grid_substitution_band_ratio``."""
        c = self.table("coefficients")
        if c.filter(pl.col("name") == "grid_boundary_band_ratio").height == 1:
            return self.coefficient("grid_boundary_band_ratio")
        return self.coefficient("grid_substitution_band_ratio")

    def usage_rules(self) -> pl.DataFrame:
        """All ``<provider>_usage_types`` tables as one frame with a ``provider`` column."""
        frames = []
        for name in sorted(self._tables):
            if not name.endswith("_usage_types"):
                continue
            df = self._tables[name].with_columns(pl.lit(name.removesuffix("_usage_types")).alias("provider"))
            frames.append(
                df.select(
                    [
                        (pl.col(c) if c in df.columns else pl.lit(None)).cast(t).alias(c)
                        for c, t in _RULE_COLUMNS.items()
                    ]
                )
            )
        return pl.concat(frames).sort("provider", "priority")

    def units(self) -> pl.DataFrame:
        """Billing unit text -> canonical unit and multiplier."""
        return self.table("units").select("unit", "canonical_unit", "multiplier")

    def family_power(self) -> pl.DataFrame:
        """Per (provider, family): mean CPU watts per vCPU and embodied kgCO2e per host vCPU.

        Used for per-resource rows that name a machine series (GCP ``N2 Instance Core``) but no size.
        """
        ip = self.instance_power()
        return (
            ip.group_by("provider", "family")
            .agg(
                pl.col("cpu_min_w_per_vcpu").mean().alias("fam_cpu_min_w_per_vcpu"),
                pl.col("cpu_max_w_per_vcpu").mean().alias("fam_cpu_max_w_per_vcpu"),
                (pl.col("embodied_host_kgco2e") / pl.col("host_vcpu"))
                .mean()
                .alias("fam_embodied_kgco2e_per_host_vcpu"),
                (pl.col("cpu_factor_status") == "provider_average").any().alias("_fam_avg"),
            )
            .with_columns(
                pl.when(pl.col("_fam_avg"))
                .then(pl.lit("provider_average"))
                .otherwise(pl.lit("family"))
                .alias("fam_cpu_factor_status")
            )
            .drop("_fam_avg")
            .sort("provider", "family")
        )

    def instance_power(self) -> pl.DataFrame:
        """Per (provider, instance type): the inputs of the instance power and embodied model.

        CPU min/max watts per vCPU are the mean over the instance's listed microarchitectures; an
        instance whose microarchitecture has no row falls back to the provider's ``*`` row and is
        marked ``cpu_factor_status = provider_average``.
        """
        return self._instance_power

    @cached_property
    def _instance_power(self) -> pl.DataFrame:
        inst = self.table("instances")
        cpu = self.table("cpu_power")
        acc = self.table("accelerators")
        exploded = (
            inst.select("provider", "instance_type", "cpu_microarchitectures")
            .with_columns(pl.col("cpu_microarchitectures").fill_null("").str.split(";"))
            .explode("cpu_microarchitectures")
            .with_columns(pl.col("cpu_microarchitectures").str.strip_chars())
            .rename({"cpu_microarchitectures": "microarchitecture"})
            .join(
                cpu.select("provider", "microarchitecture", "min_w_per_vcpu", "max_w_per_vcpu"),
                on=["provider", "microarchitecture"],
                how="left",
            )
            .group_by("provider", "instance_type")
            .agg(
                pl.col("min_w_per_vcpu").mean().alias("cpu_min_w_per_vcpu"),
                pl.col("max_w_per_vcpu").mean().alias("cpu_max_w_per_vcpu"),
                pl.col("min_w_per_vcpu").is_null().any().alias("_cpu_missing"),
            )
        )
        fallback = cpu.filter(pl.col("microarchitecture") == "*").select(
            "provider",
            pl.col("min_w_per_vcpu").alias("_fb_min"),
            pl.col("max_w_per_vcpu").alias("_fb_max"),
        )
        exploded = exploded.join(fallback, on="provider", how="left").select(
            "provider",
            "instance_type",
            pl.when(pl.col("_cpu_missing"))
            .then(pl.col("_fb_min"))
            .otherwise(pl.col("cpu_min_w_per_vcpu"))
            .alias("cpu_min_w_per_vcpu"),
            pl.when(pl.col("_cpu_missing"))
            .then(pl.col("_fb_max"))
            .otherwise(pl.col("cpu_max_w_per_vcpu"))
            .alias("cpu_max_w_per_vcpu"),
            pl.when(pl.col("_cpu_missing"))
            .then(pl.lit("provider_average"))
            .otherwise(pl.lit("exact"))
            .alias("cpu_factor_status"),
        )
        accs = acc.select(
            pl.col("model").alias("accelerator_model"),
            pl.col("idle_w").alias("accelerator_idle_w"),
            pl.col("tdp_w").alias("accelerator_tdp_w"),
            pl.col("band_ratio").alias("accelerator_band_ratio"),
            pl.col("embodied_kgco2e").alias("accelerator_embodied_kgco2e"),
        )
        return (
            inst.select(
                "provider",
                "instance_type",
                "family",
                pl.col("vcpu").cast(pl.Float64),
                "memory_gb",
                pl.col("host_vcpu").cast(pl.Float64),
                "burstable_baseline",
                "accelerator_model",
                pl.col("accelerator_count").fill_null(0.0),
                "embodied_host_kgco2e",
            )
            .join(exploded, on=["provider", "instance_type"], how="left")
            .join(accs, on="accelerator_model", how="left")
            .with_columns(
                pl.col("accelerator_idle_w").fill_null(0.0),
                pl.col("accelerator_tdp_w").fill_null(0.0),
                pl.col("accelerator_band_ratio").fill_null(0.0),
                pl.col("accelerator_embodied_kgco2e").fill_null(0.0),
            )
            .sort("provider", "instance_type")
        )

    def provider_cpu_average(self) -> pl.DataFrame:
        """Per provider: the ``*`` CPU watts and the mean embodied kgCO2e per host vCPU."""
        cpu = self.table("cpu_power").filter(pl.col("microarchitecture") == "*")
        emb = (
            self.table("instances")
            .group_by("provider")
            .agg(
                (pl.col("embodied_host_kgco2e") / pl.col("host_vcpu"))
                .mean()
                .alias("embodied_kgco2e_per_host_vcpu")
            )
        )
        return cpu.select(
            "provider",
            pl.col("min_w_per_vcpu").alias("avg_cpu_min_w_per_vcpu"),
            pl.col("max_w_per_vcpu").alias("avg_cpu_max_w_per_vcpu"),
        ).join(emb, on="provider", how="left")

    def pue(self) -> pl.DataFrame:
        """PUE per (provider, region) with a ``*`` row per provider."""
        return self.table("pue").select("provider", "region", "pue")

    @property
    def grid_boundaries(self) -> bool:
        """The set declares each grid row's ``boundary`` (operational / lifecycle; 2026.12.1 on).

        Older sets do not, and keep their original selection (``boundary`` is then ignored)."""
        return "boundary" in self.table("grid_intensity").columns

    def _check_boundaries(self) -> None:
        """Every grid row of a set that declares boundaries names one (a blank or unknown value would let
        a factor of either boundary through unflagged)."""
        for name in ("grid_intensity", "grid_intensity_odbl"):
            if name not in self._tables:
                continue
            t = self.table(name).with_row_index("_line", offset=2)  # line 1 is the header
            if "boundary" not in t.columns:
                raise FactorSetError(
                    f"factor set {self.label}: {name}.csv has no boundary column while grid_intensity.csv "
                    "has one; give every grid row a boundary (operational or lifecycle)"
                )
            bad = t.filter(~pl.col("boundary").is_in(GRID_BOUNDARIES) | pl.col("boundary").is_null())
            if bad.height:
                line, value = bad["_line"][0], bad["boundary"][0]
                raise FactorSetError(
                    f"factor set {self.label}: {name}.csv line {line}, column boundary: {value!r} is not "
                    f"one of {', '.join(GRID_BOUNDARIES)}; correct the row and rebuild the set"
                )

    def grid(self, year: int, datasets: Sequence[str], boundary: str | None = None) -> pl.DataFrame:
        """Resolve one grid intensity per (provider, region) for a usage year.

        Among the allowed datasets, the usage year's value wins; failing that the latest earlier year
        (``grid_status = year_substituted``); failing that the earliest later year (also substituted).
        Dataset order breaks ties. ``region = *`` rows (provider means) are resolved the same way.

        In a set that declares boundaries (:attr:`grid_boundaries`), only rows of the chosen
        ``boundary`` (default :data:`DEFAULT_GRID_BOUNDARY`) compete first, by the order above; a region
        with none of them takes a row of the other boundary by the same order, flagged
        ``grid_status = boundary_substituted``. Boundaries are never mixed silently. ``grid_boundary``
        names the boundary of the row taken (null for older sets).
        """
        allowed = list(datasets)
        frames = [self.table("grid_intensity")]
        if "grid_intensity_odbl" in self._tables:
            frames.append(self.table("grid_intensity_odbl"))
        declared = self.grid_boundaries
        chosen = boundary or DEFAULT_GRID_BOUNDARY
        if chosen not in GRID_BOUNDARIES:
            raise FactorSetError(f"grid boundary {chosen!r} is not one of {', '.join(GRID_BOUNDARIES)}")
        if declared:
            self._check_boundaries()
        cols = ["provider", "region", "year", "g_co2e_per_kwh", "dataset"]
        g = pl.concat(
            [
                f.select(*cols, pl.col("boundary") if declared else pl.lit(None, pl.String).alias("boundary"))
                for f in frames
            ]
        ).filter(pl.col("dataset").is_in(allowed))
        rank = {d: i for i, d in enumerate(allowed)}
        g = g.with_columns(
            pl.col("dataset").replace_strict(rank, return_dtype=pl.Int64).alias("_rank"),
            (pl.col("boundary") != chosen).fill_null(False).cast(pl.Int64).alias("_bclass"),
            pl.when(pl.col("year") == year)
            .then(0)
            .when(pl.col("year") < year)
            .then(1)
            .otherwise(2)
            .alias("_yclass"),
            (pl.col("year") - year).abs().alias("_ydist"),
        )
        return (
            g.sort("_bclass", "_yclass", "_ydist", "_rank")
            .group_by("provider", "region", maintain_order=True)
            .first()
            .select(
                "provider",
                "region",
                "g_co2e_per_kwh",
                pl.col("year").alias("grid_year"),
                pl.col("dataset").alias("grid_dataset"),
                pl.when(pl.col("_bclass") == 1)
                .then(pl.lit("boundary_substituted"))
                .when(pl.col("_yclass") == 0)
                .then(pl.lit("exact"))
                .otherwise(pl.lit("year_substituted"))
                .alias("grid_status"),
                pl.col("boundary").alias("grid_boundary"),
            )
            .sort("provider", "region")
        )


def load_factor_set(version: str | None = None, *, root: str | Path | None = None) -> FactorSet:
    """Load and verify a factor set.

    Parameters
    ----------
    version
        Folder name such as ``"2026.11"``; ``None`` takes the newest shipped set. A path to a factor-set
        folder is accepted too.
    root
        Folder holding factor sets; defaults to the shipped ones.

    Raises
    ------
    FactorSetError
        No such set, a file is missing, or a file's sha256 differs from the descriptor.
    """
    if version is not None and (Path(version) / "datapackage.json").is_file():
        path = Path(version)
    else:
        base = Path(root) if root is not None else factor_set_root()
        versions = available_factor_sets(base)
        if not versions:
            raise FactorSetError(f"no factor sets found under {base}; reinstall cloudcarbon")
        chosen = version or versions[-1]
        if chosen not in versions:
            raise FactorSetError(f"factor set {chosen!r} not found; available: {', '.join(versions)}")
        path = base / chosen
    try:
        descriptor = json.loads((path / "datapackage.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise FactorSetError(f"{path}/datapackage.json is unreadable: {exc}") from exc
    hashes: dict[str, str] = {}
    for res in descriptor.get("resources", []):
        rel = res["path"]
        f = path / rel
        if not f.is_file():
            raise FactorSetError(f"factor set {path.name}: {rel} is missing")
        actual = _sha256(f)
        if actual != res.get("sha256"):
            raise FactorSetError(
                f"factor set {path.name}: {rel} has sha256 {actual[:12]}..., the descriptor says "
                f"{str(res.get('sha256'))[:12]}...; a released set must not be edited "
                "(rebuild it with scripts/build_factors.py under a new version)"
            )
        hashes[rel] = actual
    expected = descriptor.get("content_sha256")
    actual_set = content_sha256(hashes)
    if expected != actual_set:
        raise FactorSetError(
            f"factor set {path.name}: content hash {actual_set[:12]}... differs from the descriptor's"
        )
    names = {Path(r).name for r in hashes}
    missing = [t for t in _TABLE_FILES if t not in names and t != "grid_intensity_odbl.csv"]
    if missing:
        raise FactorSetError(f"factor set {path.name}: missing table(s) {', '.join(missing)}")
    version_name = str(descriptor.get("version", path.name))
    pinned = SHIPPED_SHA256.get(version_name)
    if pinned is not None and pinned != actual_set:
        raise FactorSetError(
            f"factor set at {path} calls itself {version_name}, a released version, but its content hash "
            f"is {actual_set[:12]}..., not the released {pinned[:12]}...; an edited set must carry its own "
            'version name (set "version" in its datapackage.json, e.g. '
            f'"{version_name}-custom.1") and is then reported as user-made'
        )
    return FactorSet(
        path=path,
        version=version_name,
        sha256=actual_set,
        descriptor=descriptor,
        user_made=pinned is None,
    )
