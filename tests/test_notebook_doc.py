"""docs/notebook.md cannot rot: every ```python block runs, in order, in one namespace, in a temp dir."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

DOC = Path(__file__).resolve().parent.parent / "docs" / "notebook.md"
README = Path(__file__).resolve().parent.parent / "README.md"

_BLOCK = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)


def python_blocks(text: str) -> list[str]:
    """The bodies of the ```python fenced blocks of a markdown text, in order."""
    return _BLOCK.findall(text)


def test_block_extraction() -> None:
    text = "intro\n```python\na = 1\n```\nprose\n```bash\nls\n```\n```python\nb = a + 1\n```\n"
    assert python_blocks(text) == ["a = 1\n", "b = a + 1\n"]


@pytest.mark.slow  # three estimates of the demo month: seconds each
def test_every_block_of_the_notebook_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    blocks = python_blocks(DOC.read_text(encoding="utf-8"))
    code = "\n".join(blocks)
    # the walkthrough covers what the issue asks for
    for needle in (
        "demo_sources",
        "estimate(",
        ".lines",
        ".totals",
        "coverage",
        "detail=True",
        "group_by",
        "pl.col",
        "to_pandas",
    ):
        assert needle in code, needle
    ns: dict[str, Any] = {"__name__": "__notebook__"}
    for i, block in enumerate(blocks):
        try:
            exec(compile(block, f"{DOC.name}[block {i + 1}]", "exec"), ns)
        except Exception as exc:  # name the block that broke
            raise AssertionError(f"block {i + 1} of {DOC.name} failed: {exc!r}\n{block}") from exc
    # the blocks wrote the demo data where they were told, in the temp dir
    assert (tmp_path / "demo-data" / "cloudcarbon.toml").is_file()
    # the walkthrough's figures are the ones the library computed, not text pasted into the doc
    result = ns["result"]
    assert ns["as_dict"] == result.totals.row(0, named=True)
    assert set(ns["per_provider"]["provider"].to_list()) == set(result.lines["provider"].to_list())


def test_readme_points_at_the_notebook() -> None:
    readme = README.read_text(encoding="utf-8")
    assert "docs/notebook.md" in readme
