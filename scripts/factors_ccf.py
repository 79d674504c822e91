"""Cloud Carbon Footprint's own coefficients, shipped as ``ccf_*.csv`` for ``--method ccf``.

Loaded by ``scripts/build_factors.py`` (``TABLES`` + ``tables(ref)``). Every row is CCF's value as
its application code uses it (the reference folder's ``ccf/app_*.csv`` tables were read out of the
TypeScript at the commit below), defects included: the CCF-compatible method must reproduce CCF's
published figures, not correct them. Nothing here is read by the default method.

Licence: Apache-2.0 (CCF repository root LICENSE); each row cites repository@commit:path.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

APP_COMMIT = "b7a049c7d25c0022919ab9010199dd9e77aa4577"
APP = f"cloud-carbon-footprint/cloud-carbon-footprint@{APP_COMMIT}"
APACHE = "Apache-2.0"
PROVIDERS = {"AWS": "aws", "GCP": "gcp", "Azure": "azure"}
CONST_FILE = {
    "aws": "packages/aws/src/domain/AwsFootprintEstimationConstants.ts",
    "gcp": "packages/gcp/src/domain/GcpFootprintEstimationConstants.ts",
    "azure": "packages/azure/src/domain/AzureFootprintEstimationConstants.ts",
}
CLASS_FILE = {
    "aws": "packages/aws/src/lib/CostAndUsageTypes.ts",
    "gcp": "packages/gcp/src/lib/BillingExportTypes.ts",
    "azure": "packages/azure/src/lib/ConsumptionTypes.ts",
}
REPLICATION_FILE = {
    "aws": "packages/aws/src/lib/ReplicationFactors.ts",
    "gcp": "packages/gcp/src/lib/ReplicationFactors.ts",
    "azure": "packages/azure/src/lib/ReplicationFactors.ts",
}


def field(name: str, type_: str, description: str, unit: str | None = None) -> dict[str, str]:
    """A Table Schema field, shaped like ``build_factors.field``."""
    f = {"name": name, "type": type_}
    if unit:
        f["unit"] = unit
    f["description"] = description
    return f


SRC = field("source", "string", "repository@commit:path of the CCF code the value is read from")
LIC = field("licence", "string", "licence of the figure (SPDX id)")
PROV = field("provider", "string", "aws / gcp / azure (or * for CCF core constants)")

TABLES: dict[str, tuple[list[dict[str, str]], list[str]]] = {
    "ccf_processors.csv": (
        [
            PROV,
            field("processor", "string", "CCF COMPUTE_PROCESSOR_TYPES value (CPU microarchitecture or GPU)"),
            field("kind", "string", "CPU or GPU"),
            field("min_watts", "number", "CCF MIN_WATTS_BY_COMPUTE_PROCESSOR", "W per vCPU (CPU) or per GPU"),
            field("max_watts", "number", "CCF MAX_WATTS_BY_COMPUTE_PROCESSOR", "W per vCPU (CPU) or per GPU"),
            field(
                "memory_gb_per_chip",
                "number",
                "CCF MEMORY_BY_COMPUTE_PROCESSOR (blank: none)",
                "GB per physical chip",
            ),
            SRC,
            LIC,
        ],
        ["provider", "processor"],
    ),
    "ccf_constants.csv": (
        [
            PROV,
            field("name", "string", "CCF constant name"),
            field("value", "number", "numeric value (blank when the constant is text)"),
            field("text", "string", "text value (enums, formulas)"),
            field("unit", "string", "unit of value"),
            SRC,
            LIC,
        ],
        ["provider", "name"],
    ),
    "ccf_pue.csv": (
        [
            PROV,
            field("region", "string", "region; * = provider PUE_AVG"),
            field("pue", "number", "PUE"),
            SRC,
            LIC,
        ],
        ["provider", "region"],
    ),
    "ccf_grid.csv": (
        [
            PROV,
            field("region", "string", "region as CCF keys it; Unknown = CCF's fallback row"),
            field("g_co2e_per_kwh", "number", "CCF emissions factor (t/kWh x 1e6)", "gCO2e/kWh"),
            field("us_nerc_region", "string", "NERC region whose factor CCF uses (US regions)"),
            SRC,
            LIC,
        ],
        ["provider", "region"],
    ),
    "ccf_aws_redshift_instances.csv": (
        [
            field("instance_type", "string", "Redshift node type"),
            field("family", "string", "node family"),
            field("vcpus", "number", "REDSHIFT_INSTANCE_TYPES vCPUs", "vCPU"),
            field("memory_gb", "number", "REDSHIFT_INSTANCE_TYPES memory", "GB"),
            SRC,
            LIC,
        ],
        ["instance_type"],
    ),
    "ccf_aws_instances.csv": (
        [
            field("instance_type", "string", "EC2 instance type (CCF key after prefix stripping)"),
            field("family", "string", "instance family"),
            field("source_table", "string", "CCF table the row is read from"),
            field("vcpus", "number", "vCPUs", "vCPU"),
            field("memory_gb", "number", "memory", "GB"),
            field("embodied_tco2e", "number", "CCF scope-3 emissions of the whole host", "tCO2e"),
            field(
                "cpu_processors",
                "string",
                "';'-separated CCF processors (INSTANCE_TYPE_COMPUTE_PROCESSOR_MAPPING)",
            ),
            field("gpu_count", "number", "GPU_INSTANCES_TYPES count", "GPU"),
            field("gpu_processors", "string", "INSTANCE_TYPE_GPU_PROCESSOR_MAPPING"),
            field("burstable_baseline_pct", "number", "BURSTABLE_INSTANCE_BASELINE_UTILIZATION", "percent"),
            field("family_largest_vcpus", "number", "vCPUs of the family's last (largest) entry", "vCPU"),
            field("family_largest_memory_gb", "number", "memory of the family's last entry", "GB"),
            SRC,
            LIC,
        ],
        ["instance_type"],
    ),
    "ccf_gcp_machine_types.csv": (
        [
            field("machine_type", "string", "GCP machine type"),
            field("family", "string", "machine family key CCF looks the type up under"),
            field("source_table", "string", "CCF table"),
            field("vcpus", "number", "vCPUs", "vCPU"),
            field("embodied_tco2e", "number", "CCF scope-3 emissions of the whole host", "tCO2e"),
            field(
                "cpu_processors_effective",
                "string",
                "processors CCF's code resolves (first two characters: n2d/c2d as Intel, CCF's defect)",
            ),
            field("cpu_processors_by_series_key", "string", "processors the series table states"),
            field("family_largest_vcpus", "number", "vCPUs of the family's last entry", "vCPU"),
            SRC,
            LIC,
        ],
        ["source_table", "machine_type"],
    ),
    "ccf_gcp_series_processors.csv": (
        [
            field(
                "series_key",
                "string",
                "INSTANCE_TYPE_COMPUTE_PROCESSOR_MAPPING key (2-char prefix or shared core)",
            ),
            field("cpu_processors", "string", "';'-separated CCF processors"),
            SRC,
            LIC,
        ],
        ["series_key"],
    ),
    "ccf_gpu_models.csv": (
        [
            PROV,
            field("gpu_processor", "string", "GPU_MACHINE_TYPES entry (GCP: averaged when no SKU matches)"),
            SRC,
            LIC,
        ],
        ["provider", "gpu_processor"],
    ),
    "ccf_azure_vm_sizes.csv": (
        [
            field("vm_size", "string", "Azure meter name as CCF keys it (e.g. D2s v3)"),
            field("series", "string", "meter sub-category / series name"),
            field("source_table", "string", "CCF table"),
            field("vcpus", "number", "vCPUs", "vCPU"),
            field("memory_gb", "number", "memory", "GB"),
            field("embodied_tco2e", "number", "CCF scope-3 emissions of the whole host", "tCO2e"),
            field("cpu_processors", "string", "';'-separated CCF processors"),
            field("gpu_count", "number", "GPUs", "GPU"),
            field("gpu_processors", "string", "GPU processors"),
            field(
                "series_largest_vcpus", "number", "vCPUs of the series' last entry (constrained: platform)"
            ),
            field("series_largest_memory_gb", "number", "memory of the series' last entry", "GB"),
            SRC,
            LIC,
        ],
        ["source_table", "series", "vm_size"],
    ),
    "ccf_azure_size_lookups.csv": (
        [
            field("table", "string", "CCF lookup table"),
            field("key", "string", "disk / cache / registry tier"),
            field("value", "number", "GB"),
            field("unit", "string", "unit"),
            SRC,
            LIC,
        ],
        ["table", "key"],
    ),
    "ccf_replication.csv": (
        [
            PROV,
            field("service", "string", "CCF service key (* = any other service)"),
            field("order", "integer", "first matching rule of the service wins"),
            field("contains_any", "string", "';'-separated substrings of the usage type (blank = always)"),
            field(
                "and_contains_any", "string", "';'-separated substrings that must also occur (blank = none)"
            ),
            field("factor_name", "string", "CCF REPLICATION_FACTORS name"),
            field("value", "number", "replication factor", "copies"),
            SRC,
            LIC,
        ],
        ["provider", "service", "order"],
    ),
    "ccf_classification.csv": (
        [
            PROV,
            field("list", "string", "CCF list name"),
            field("value", "string", "list entry"),
            field("category", "string", "what a match means"),
            field("match", "string", "how CCF matches it"),
            SRC,
            LIC,
        ],
        ["provider", "list", "value"],
    ),
}

# Replication rules of packages/{aws,gcp,azure}/src/lib/ReplicationFactors.ts, transcribed from the
# reference table app_replication_rules.csv into substring tests (first match per service wins).
_RULES: list[tuple[str, str, int, str, str, str]] = [
    (
        "aws",
        "AmazonS3",
        1,
        "TimedStorage-ZIA;EarlyDelete-ZIA;TimedStorage-RRS",
        "",
        "S3_ONE_ZONE_REDUCED_REDUNDANCY",
    ),
    ("aws", "AmazonS3", 2, "TimedStorage;EarlyDelete", "", "S3"),
    ("aws", "AmazonS3", 3, "", "", "DEFAULT"),
    ("aws", "AmazonEC2", 1, "VolumeUsage", "", "EC2_EBS_VOLUME"),
    ("aws", "AmazonEC2", 2, "SnapshotUsage", "", "EC2_EBS_SNAPSHOT"),
    ("aws", "AmazonEC2", 3, "", "", "DEFAULT"),
    ("aws", "AmazonEFS", 1, "ZIA", "", "EFS_ONE_ZONE"),
    ("aws", "AmazonEFS", 2, "", "", "EFS"),
    ("aws", "AmazonRDS", 1, "BackupUsage", "", "RDS_BACKUP"),
    ("aws", "AmazonRDS", 2, "Aurora", "", "RDS_AURORA"),
    ("aws", "AmazonRDS", 3, "Multi-AZ", "", "RDS_MULTI_AZ"),
    ("aws", "AmazonRDS", 4, "", "", "DEFAULT"),
    ("aws", "AmazonDocDB", 1, "BackupUsage", "", "DOCUMENT_DB_BACKUP"),
    ("aws", "AmazonDocDB", 2, "", "", "DOCUMENT_DB_STORAGE"),
    ("aws", "AmazonDynamoDB", 1, "", "", "DYNAMO_DB"),
    ("aws", "AmazonECR", 1, "TimedStorage", "", "ECR_STORAGE"),
    ("aws", "AmazonECR", 2, "", "", "DEFAULT"),
    ("aws", "AmazonElastiCache", 1, "BackupUsage", "", "DOCUMENT_ELASTICACHE_BACKUP"),
    ("aws", "AmazonElastiCache", 2, "", "", "DEFAULT"),
    ("aws", "AmazonSimpleDB", 1, "TimedStorage", "", "SIMPLE_DB"),
    ("aws", "AmazonSimpleDB", 2, "", "", "DEFAULT"),
    ("aws", "*", 1, "", "", "DEFAULT"),
    ("gcp", "Cloud Storage", 1, "Dual-region", "", "CLOUD_STORAGE_DUAL_REGION"),
    ("gcp", "Cloud Storage", 2, "Multi-region", "", "CLOUD_STORAGE_MULTI_REGION"),
    ("gcp", "Cloud Storage", 3, "", "", "CLOUD_STORAGE_SINGLE_REGION"),
    ("gcp", "Compute Engine", 1, "Regional", "", "COMPUTE_ENGINE_REGIONAL_DISKS"),
    ("gcp", "Compute Engine", 2, "Snapshot;Image", "", "CLOUD_STORAGE_SINGLE_REGION"),
    ("gcp", "Compute Engine", 3, "", "", "DEFAULT"),
    ("gcp", "Cloud Filestore", 1, "", "", "CLOUD_FILESTORE"),
    ("gcp", "Cloud SQL", 1, "Regional - Standard storage;HA", "", "CLOUD_SQL_HIGH_AVAILABILITY"),
    ("gcp", "Cloud SQL", 2, "", "", "DEFAULT"),
    ("gcp", "Cloud Memorystore for Redis", 1, "Standard", "", "CLOUD_MEMORY_STORE_REDIS"),
    ("gcp", "Cloud Memorystore for Redis", 2, "", "", "DEFAULT"),
    ("gcp", "Cloud Spanner", 1, "Regional", "", "CLOUD_SPANNER_SINGLE_REGION"),
    ("gcp", "Cloud Spanner", 2, "Multi-Region", "", "CLOUD_SPANNER_MULTI_REGION"),
    ("gcp", "Cloud Spanner", 3, "", "", "DEFAULT"),
    ("gcp", "Kubernetes Engine", 1, "Clusters", "Regional;Autopilot", "KUBERNETES_ENGINE"),
    ("gcp", "Kubernetes Engine", 2, "", "", "DEFAULT"),
    ("gcp", "Cloud Composer", 1, "Storage;storage", "", "CLOUD_STORAGE_SINGLE_REGION"),
    ("gcp", "Cloud Composer", 2, "", "", "DEFAULT"),
    ("gcp", "*", 1, "", "", "DEFAULT"),
    ("azure", "Storage", 1, "LRS", "", "STORAGE_LRS"),
    ("azure", "Storage", 2, "GZRS", "", "STORAGE_GZRS"),
    ("azure", "Storage", 3, "ZRS", "", "STORAGE_ZRS"),
    ("azure", "Storage", 4, "GRS", "", "STORAGE_GRS"),
    ("azure", "Storage", 5, "Disks", "", "STORAGE_DISKS"),
    ("azure", "Storage", 6, "", "", "DEFAULT"),
    ("azure", "Azure Database for MySQL", 1, "", "", "DATABASE_MYSQL"),
    ("azure", "Azure Cosmos DB", 1, "Data Stored", "", "COSMOS_DB"),
    ("azure", "Azure Cosmos DB", 2, "", "", "DEFAULT"),
    ("azure", "SQL Database", 1, "Data Stored;vCore", "", "SQL_DB"),
    ("azure", "SQL Database", 2, "", "", "DEFAULT"),
    ("azure", "Redis Cache", 1, "", "", "REDIS_CACHE"),
    ("azure", "*", 1, "", "", "DEFAULT"),
]


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _num(text: str | None) -> float | None:
    text = (text or "").strip()
    return float(text) if text else None


def _src(path: str) -> str:
    return f"{APP}:{path}"


def _largest(rows: list[dict[str, str]], key: str) -> dict[str, dict[str, str]]:
    """The last row of each group in source order: CCF takes ``Object.values(family).at(-1)``."""
    last: dict[str, dict[str, str]] = {}
    for r in rows:
        last[r[key]] = r
    return last


def tables(ref: Path) -> dict[str, list[dict[str, Any]]]:
    ccf = ref / "ccf"
    out: dict[str, list[dict[str, Any]]] = {}

    out["ccf_processors.csv"] = [
        {
            "provider": PROVIDERS[r["provider"]],
            "processor": r["processor"],
            "kind": r["kind"],
            "min_watts": float(r["min_watts"]),
            "max_watts": float(r["max_watts"]),
            "memory_gb_per_chip": _num(r["memory_gb_per_physical_chip"]),
            "source": _src(CONST_FILE[PROVIDERS[r["provider"]]]),
            "licence": APACHE,
        }
        for r in _read(ccf / "app_processor_min_max_watts.csv")
    ]

    consts: list[dict[str, Any]] = []
    for r in _read(ccf / "app_provider_constants.csv"):
        p = PROVIDERS[r["provider"]]
        value = _num(r["value"]) if r["unit"] != "enum" else None
        consts.append(
            {
                "provider": p,
                "name": r["constant"],
                "value": value,
                "text": r["value"] if value is None else "",
                "unit": r["unit"],
                "source": _src(CONST_FILE[p]),
                "licence": APACHE,
            }
        )
    for r in _read(ccf / "app_misc_constants.csv"):
        scope = r["scope"]
        p = PROVIDERS.get(scope, "*")
        try:
            value: float | None = float(r["value"])
            text = ""
        except ValueError:
            value, text = None, r["value"]
        consts.append(
            {
                "provider": p,
                "name": r["constant"],
                "value": value,
                "text": text,
                "unit": r["unit"],
                "source": _src(r["source_path"]) + f" ({r['meaning']})",
                "licence": APACHE,
            }
        )
    out["ccf_constants.csv"] = consts

    out["ccf_pue.csv"] = [
        {
            "provider": PROVIDERS[r["provider"]],
            "region": r["region"],
            "pue": float(r["pue"]),
            "source": _src(CONST_FILE[PROVIDERS[r["provider"]]]) + f" ({r['kind']})",
            "licence": APACHE,
        }
        for r in _read(ccf / "app_pue.csv")
    ]

    grid = []
    for r in _read(ccf / "app_grid_emission_factors.csv"):
        # GCP: the plain grid variant is CCF's default (GCP_USE_CARBON_FREE_ENERGY_PERCENTAGE unset)
        if r["variant"] not in ("default", "default_grid"):
            continue
        p = PROVIDERS[r["provider"]]
        path = CONST_FILE[p]
        if r["us_nerc_region"]:
            path += " + packages/core/src/FootprintEstimationConstants.ts (US_NERC_REGIONS_EMISSIONS_FACTORS)"
        grid.append(
            {
                "provider": p,
                "region": r["region"],
                "g_co2e_per_kwh": float(r["tco2e_per_kwh"]) * 1e6,
                "us_nerc_region": r["us_nerc_region"],
                "source": _src(path),
                "licence": APACHE,
            }
        )
    out["ccf_grid.csv"] = grid

    # AWS instance types: size tables plus processor-only mapping entries
    types_path = "packages/aws/src/lib/AWSInstanceTypes.ts"
    inst = _read(ccf / "app_aws_instance_types.csv")
    # REDSHIFT_INSTANCE_TYPES is a table of its own in CCF (vCPU of Redshift rows without product_vcpu,
    # memory after EC2_INSTANCE_TYPES); dc2/ds2/ra3 rows of EC2_INSTANCE_TYPES (with their embodied) stay
    redshift_name = "REDSHIFT_INSTANCE_TYPES"
    ec2_like = [r for r in inst if r["source_table"] != redshift_name]
    redshift = [r for r in inst if r["source_table"] == redshift_name]
    largest = _largest(ec2_like, "family")
    rs_largest = _largest(redshift, "family")
    aws: dict[str, dict[str, Any]] = {}
    ec2_keys = {r["instance_type"] for r in ec2_like}
    for r in ec2_like + [r for r in redshift if r["instance_type"] not in ec2_keys]:
        big = largest.get(r["family"]) or rs_largest[r["family"]]
        aws[r["instance_type"]] = {
            "instance_type": r["instance_type"],
            "family": r["family"],
            "source_table": r["source_table"],
            "vcpus": _num(r["vcpus"]),
            "memory_gb": _num(r["memory_gb"]),
            "embodied_tco2e": _num(r["embodied_tco2e"]),
            "cpu_processors": r["cpu_processors"],
            "gpu_count": _num(r["gpu_count"]),
            "gpu_processors": r["gpu_processors"],
            "burstable_baseline_pct": _num(r["burstable_baseline_pct"]),
            "family_largest_vcpus": _num(big["vcpus"]),
            "family_largest_memory_gb": _num(big["memory_gb"]),
            "source": _src(types_path) + f" ({r['source_table']})",
            "licence": APACHE,
        }
    for r in _read(ccf / "app_aws_instance_processor_mapping.csv"):
        if r["instance_type"] in aws:
            aws[r["instance_type"]]["cpu_processors"] = r["cpu_processors"]
            continue
        aws[r["instance_type"]] = {
            "instance_type": r["instance_type"],
            "family": r["instance_type"].split(".")[0],
            "source_table": "INSTANCE_TYPE_COMPUTE_PROCESSOR_MAPPING",
            "cpu_processors": r["cpu_processors"],
            "source": _src(types_path) + " (INSTANCE_TYPE_COMPUTE_PROCESSOR_MAPPING)",
            "licence": APACHE,
        }
    for r in _read(ccf / "app_aws_gpu_instances.csv"):
        row = aws.setdefault(
            r["instance_type"],
            {
                "instance_type": r["instance_type"],
                "family": r["instance_type"].split(".")[0],
                "source_table": "GPU_INSTANCES_TYPES",
                "source": _src(types_path) + " (GPU_INSTANCES_TYPES)",
                "licence": APACHE,
            },
        )
        row["gpu_count"] = float(r["gpu_count"])
        row["gpu_processors"] = r["gpu_processors"]
    out["ccf_aws_instances.csv"] = sorted(aws.values(), key=lambda r: r["instance_type"])
    out["ccf_aws_redshift_instances.csv"] = sorted(
        (
            {
                "instance_type": r["instance_type"],
                "family": r["family"],
                "vcpus": _num(r["vcpus"]),
                "memory_gb": _num(r["memory_gb"]),
                "source": _src(types_path) + f" ({redshift_name})",
                "licence": APACHE,
            }
            for r in redshift
        ),
        key=lambda r: r["instance_type"],
    )

    machine_path = "packages/gcp/src/lib/MachineTypes.ts"
    gcp = _read(ccf / "app_gcp_machine_types.csv")
    glargest = _largest(gcp, "family")
    out["ccf_gcp_machine_types.csv"] = sorted(
        (
            {
                "machine_type": r["machine_type"],
                "family": r["family"],
                "source_table": r["source_table"],
                "vcpus": _num(r["vcpus"]),
                "embodied_tco2e": _num(r["embodied_tco2e"]),
                "cpu_processors_effective": r["cpu_processors_effective"],
                "cpu_processors_by_series_key": r["cpu_processors_by_series_key"],
                "family_largest_vcpus": _num(glargest[r["family"]]["vcpus"]),
                "source": _src(machine_path) + f" ({r['source_table']})",
                "licence": APACHE,
            }
            for r in gcp
        ),
        key=lambda r: (r["source_table"], r["machine_type"]),
    )
    out["ccf_gcp_series_processors.csv"] = [
        {
            "series_key": r["series_key"],
            "cpu_processors": r["cpu_processors"],
            "source": _src(machine_path) + " (INSTANCE_TYPE_COMPUTE_PROCESSOR_MAPPING)",
            "licence": APACHE,
        }
        for r in _read(ccf / "app_gcp_series_processors.csv")
    ]
    out["ccf_gpu_models.csv"] = [
        {
            "provider": "gcp",
            "gpu_processor": r["gpu_processor"],
            "source": _src(machine_path) + " (GPU_MACHINE_TYPES)",
            "licence": APACHE,
        }
        for r in _read(ccf / "app_gcp_gpu_models.csv")
    ]

    vm_path = "packages/azure/src/lib/VirtualMachineTypes.ts"
    vms = _read(ccf / "app_azure_vm_sizes.csv")
    series_rows = [r for r in vms if r["source_table"] == "VIRTUAL_MACHINE_TYPE_SERIES_MAPPING"]
    slargest = _largest(series_rows, "series")
    azure = []
    for r in vms:
        big = slargest.get(r["series"]) if r["series"] else None
        constrained = r["source_table"] == "VIRTUAL_MACHINE_TYPE_CONSTRAINED_VCPU_CAPABLE_MAPPING"
        azure.append(
            {
                "vm_size": r["vm_size"],
                "series": r["series"],
                "source_table": r["source_table"],
                "vcpus": _num(r["vcpus"]),
                "memory_gb": _num(r["memory_gb"]),
                "embodied_tco2e": _num(r["embodied_tco2e"]),
                "cpu_processors": r["cpu_processors"],
                "gpu_count": _num(r["gpu_count"]),
                "gpu_processors": r["gpu_processors"],
                # constrained-vCPU sizes carry their platform vCPU as the "largest" (CCF [2])
                "series_largest_vcpus": _num(r["platform_vcpus"])
                if constrained
                else (_num(big["vcpus"]) if big else None),
                "series_largest_memory_gb": _num(big["memory_gb"]) if big else None,
                "source": _src(vm_path) + f" ({r['source_table']})",
                "licence": APACHE,
            }
        )
    out["ccf_azure_vm_sizes.csv"] = azure
    out["ccf_azure_size_lookups.csv"] = [
        {
            "table": r["table"],
            "key": r["key"],
            "value": float(r["value"]),
            "unit": r["unit"],
            "source": _src(CLASS_FILE["azure"]),
            "licence": APACHE,
        }
        for r in _read(ccf / "app_azure_size_lookups.csv")
    ]

    factor_values = {
        (PROVIDERS[r["provider"]], r["factor_name"]): float(r["value"])
        for r in _read(ccf / "app_replication_factor_values.csv")
    }
    out["ccf_replication.csv"] = [
        {
            "provider": p,
            "service": svc,
            "order": order,
            "contains_any": any_,
            "and_contains_any": and_,
            "factor_name": name,
            "value": factor_values[(p, name)],
            "source": _src(REPLICATION_FILE[p]) + " + " + _src(CONST_FILE[p]) + " (REPLICATION_FACTORS)",
            "licence": APACHE,
        }
        for p, svc, order, any_, and_, name in _RULES
    ]

    seen: set[tuple[str, str, str]] = set()
    classes = []
    for r in _read(ccf / "app_usage_classification_lists.csv"):
        p = PROVIDERS[r["provider"]]
        key = (p, r["list"], r["value"])
        if key in seen:
            continue
        seen.add(key)
        classes.append(
            {
                "provider": p,
                "list": r["list"],
                "value": r["value"],
                "category": r["category"],
                "match": r["match"],
                "source": _src(CLASS_FILE[p]),
                "licence": APACHE,
            }
        )
    out["ccf_classification.csv"] = classes
    return out
