"""The method document: shipped, linked, complete, and what the newest factor set cites."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from typer.testing import CliRunner

from cloudcarbon.cli import app
from cloudcarbon.explain import CAUSES
from cloudcarbon.factors import SHIPPED_SHA256, factor_set_root, method_document

ROOT = Path(__file__).resolve().parents[2]


def _newest() -> Path:
    return factor_set_root() / max(SHIPPED_SHA256)


def test_method_document_is_the_repo_file_and_the_readme_links_it() -> None:
    assert method_document().resolve() == (ROOT / "docs" / "method.md").resolve()
    assert "[docs/method.md](docs/method.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_documented_ccf_difference_is_in_section_4() -> None:
    text = method_document().read_text(encoding="utf-8")
    section = text[text.index("## 4.") : text.index("## 5.")]
    missing = [code for code in CAUSES if code != "none" and f"`{code}`" not in section]
    assert missing == []


def test_sections_the_factor_rows_cite_exist() -> None:
    # factor rows cite "docs/method.md sections 1-2" and "section 4": each named section is a heading
    headings = set(re.findall(r"^## (\d+)\. ", method_document().read_text(encoding="utf-8"), re.M))
    cited: set[str] = set()
    for path in _newest().glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                for m in re.finditer(r"docs/method\.md sections? (\d)(?:-(\d))?", row.get("source", "")):
                    lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
                    cited |= {str(n) for n in range(lo, hi + 1)}
    assert cited and cited <= headings


def test_newest_set_cites_no_intermediate_file() -> None:
    # sources name public originals, never a compilation a user does not have
    bad = []
    for path in _newest().glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as fh:
            for i, row in enumerate(csv.DictReader(fh), 2):
                src = row.get("source", "")
                if re.search(r"\breference (accelerators|grid/)|\.\./shared|METHOD\.md", src):
                    bad.append(f"{path.name}:{i}")
    assert bad == []


def test_lookup_names_the_method_document() -> None:
    res = CliRunner().invoke(app, ["factors", "lookup", "pue", "aws"])
    assert res.exit_code == 0, res.output
    assert f"how these factors are used: {method_document()}" in res.output
