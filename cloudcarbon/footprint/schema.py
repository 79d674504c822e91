"""The declared schema of a provider footprint table (one row per provider record, in kgCO2e).

Every reader (``cloudcarbon.footprint.<provider>``) and every pull of a provider's carbon figures
produces exactly these columns in this order, so reconciliation never looks at a provider's own
column names.

* ``provider``: ``aws``, ``gcp`` or ``azure``.
* ``billing_period``: the month the emissions belong to, ``YYYY-MM``.
* ``account_id``: the project a figure belongs to as the billing data names it: AWS usage account,
  GCP project id, Azure subscription id. Null where the provider gives no account (the AWS console
  CSV download).
* ``billing_account_id``: AWS payer account, GCP billing account id; null for Azure.
* ``region``: the provider's region code as the billing data writes it (``us-east-1``,
  ``europe-west1``, ``eastus``); null for global/unallocated figures.
* ``location_label``: the provider's own location text as written (``US East (N. Virginia)``,
  ``Global``), kept for display.
* ``service``: the provider's service as written (AWS ``product_code`` such as ``AmazonEC2``, GCP
  ``service.description``, Azure service/category name).
* ``location_kgco2e`` / ``market_kgco2e``: the published totals (all the scopes the provider
  includes), converted to kg (AWS publishes metric tonnes).
* ``scope1_kgco2e``, ``scope2_location_kgco2e``, ``scope2_market_kgco2e``, ``scope3_kgco2e``: the
  scope split where published (null where not; AWS's scope-3 figure is its location-based variant).
* ``model_version``: the provider's methodology version (AWS ``model_version``, GCP
  ``carbon_model_version``, Azure report version or null).
* ``source``: the file (or ``pull:<provider>``) the row came from; ``source_row``: 1-based data row.
* ``resource_id``: the resource a figure belongs to where the provider goes down to resources (Azure
  ``resourceId``); null elsewhere. Added with the readers (additive).
* ``refreshed_at``: when the provider last computed the figure, as written (AWS
  ``last_refresh_timestamp``); null where not given. A restated delivery of the same key keeps the
  latest. Added with the readers (additive).
"""

from __future__ import annotations

import polars as pl

__all__ = ["FOOTPRINT_KEY", "PROVIDER_FOOTPRINT", "empty_footprint"]

PROVIDER_FOOTPRINT: dict[str, pl.DataType] = {
    "provider": pl.String(),
    "billing_period": pl.String(),
    "account_id": pl.String(),
    "billing_account_id": pl.String(),
    "region": pl.String(),
    "location_label": pl.String(),
    "service": pl.String(),
    "location_kgco2e": pl.Float64(),
    "market_kgco2e": pl.Float64(),
    "scope1_kgco2e": pl.Float64(),
    "scope2_location_kgco2e": pl.Float64(),
    "scope2_market_kgco2e": pl.Float64(),
    "scope3_kgco2e": pl.Float64(),
    "model_version": pl.String(),
    "source": pl.String(),
    "source_row": pl.Int64(),
    "resource_id": pl.String(),
    "refreshed_at": pl.String(),
}

#: The grain reconciliation compares at: one provider figure per key.
FOOTPRINT_KEY: tuple[str, ...] = ("provider", "billing_period", "account_id", "region", "service")


def empty_footprint() -> pl.DataFrame:
    """A footprint table with no rows (the declared columns and types)."""
    return pl.DataFrame(schema=PROVIDER_FOOTPRINT)
