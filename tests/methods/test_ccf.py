"""``--method ccf`` under the method contract."""

from __future__ import annotations

from typing import Any

from cloudcarbon.config import Config
from cloudcarbon.factors import FactorSet
from tests.methods.contract import MethodContract


class TestCcfMethod(MethodContract):
    method = "ccf"

    def expected_assumptions(self, config: Config, factors: FactorSet) -> dict[str, Any]:
        # CCF fixes utilisation at AVG_CPU_UTILIZATION_2020 = 50 % for every provider
        # (CCF:packages/{aws,gcp,azure}/src/domain/*FootprintEstimationConstants.ts); configuration does
        # not change it, and its unknown-usage estimate has no band
        return {
            "cpu_utilisation": {"aws": 0.5, "gcp": 0.5, "azure": 0.5},
            "fallback_band": [1.0, 1.0],
            "fallback_basis": (
                "CCF unknown usage: billed cost (AWS) or usage amount (GCP, Azure), not clipped"
            ),
        }
