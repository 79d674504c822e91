"""Inventory CSV: a ragged row is an error naming the row (csv.DictReader used to drop or pad it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudcarbon.exceptions import CloudCarbonWarning, SourceError
from tests.hostile._build import run


@pytest.mark.parametrize(
    ("line", "found"),
    [("bad,4,true,DE,extra", 5), ("bad,4", 2)],
)
def test_ragged_inventory_row(tmp_path: Path, line: str, found: int) -> None:
    f = tmp_path / "servers.csv"
    f.write_text(f"name,vcpus,always_on,location\nok,4,true,DE\n{line}\n", encoding="utf-8")
    with pytest.raises(SourceError) as exc:
        run([f"inventory:{f}"])
    assert str(f) in str(exc.value) and f"row 2 has {found} fields where the header has 4" in str(exc.value)


def test_inventory_file_twice_is_read_once(tmp_path: Path) -> None:
    f = tmp_path / "servers.csv"
    f.write_text("name,vcpus,always_on,location\nok,4,true,DE\n", encoding="utf-8")
    with pytest.warns(CloudCarbonWarning, match="read once"):
        r = run([f"inventory:{f}", f"inventory:{f}"])
    # one server, not two (inventory rows carry no cost: counted by rows)
    assert int(r.coverage["rows"].sum()) == 1
