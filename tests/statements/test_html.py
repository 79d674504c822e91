"""The HTML statement: one self-contained file, escaped user text, charts; checked in headless Chromium."""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

from cloudcarbon.statements import Statement, render_html
from tests.statements import chromium
from tests.statements.conftest import FORMULA, GPU, MARKUP, SCRIPT

SVG_NS = "{http://www.w3.org/2000/svg}"


class Parsed(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def count(self, tag: str) -> int:
        return sum(1 for t, _ in self.tags if t == tag)


def write(st: Statement, tmp_path: Path) -> Path:
    page = tmp_path / "statement.html"
    page.write_text(render_html(st), encoding="utf-8")
    return page


def test_self_contained_and_escaped(hostile: Statement) -> None:
    doc = render_html(hostile)
    p = Parsed(doc)
    assert p.count("script") == 0
    # nothing is fetched: no src/href attribute, no CSS url() or @import, and a CSP forbidding it
    assert not [(t, a) for t, a in p.tags if {"src", "href", "xlink:href", "srcset"} & set(a)]
    assert "url(" not in doc and "@import" not in doc
    csp = [a for t, a in p.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in (csp[0]["content"] or "")
    assert "@media print" in doc
    # user text shown exactly as written (as text), control characters as visible escapes
    text = "".join(p.text)
    for name in (SCRIPT, FORMULA, MARKUP, GPU, "ctl\\x1b[31m\\x07|`name`"):
        assert name in text
    assert "\x1b" not in doc and "\x07" not in doc
    # three charts, each a well-formed SVG document (escaping inside SVG is XML-valid)
    charts = re.findall(r"<svg .*?</svg>", doc, flags=re.S)
    assert len(charts) == 3
    trees = [ET.fromstring(c) for c in charts]
    titles = [t.findtext(f"{SVG_NS}title") for t in trees]
    assert titles == ["CO2e per project", "Variance bridge", "CO2e per month"]
    bars, waterfall, line = trees
    # bars: one label per project, with the full (escaped) name in its tooltip
    assert SCRIPT in [el.text for el in bars.iter(f"{SVG_NS}title")]
    # waterfall: baseline, the four non-zero steps (activity, mix, efficiency, grid), current
    assert len(waterfall.findall(f".//{SVG_NS}rect")) == 6
    assert len(line.findall(f".//{SVG_NS}path")) == 2  # one line per series


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_console_detector_catches_errors(tmp_path: Path) -> None:
    # the check used below can fail: a page with a failing script is caught
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><p>x</p><script>throw new Error("boom")</script>', encoding="utf-8")
    run = chromium.run(bad, tmp_path / "profile", "--dump-dom")
    assert any("Uncaught Error: boom" in ln for ln in run.console), run.stderr[-2000:]


def test_renders_in_headless_chromium(hostile: Statement, tmp_path: Path) -> None:
    page = write(hostile, tmp_path)
    profile = tmp_path / "profile"
    dom = chromium.run(page, profile, "--dump-dom")
    assert not dom.console, dom.console
    p = Parsed(dom.stdout)
    assert p.count("script") == 0
    assert p.count("svg") == 3
    assert p.count("rect") > 10 and p.count("path") >= 2 and p.count("circle") == 5
    text = "".join(p.text)
    assert f"Carbon statement 2026-03 – Org {MARKUP}" in text  # the page title, escaped name intact
    assert SCRIPT in text and FORMULA in text

    shot = chromium.artifacts(tmp_path) / "statement_hostile.png"
    run = chromium.run(page, profile, f"--screenshot={shot}", "--window-size=1200,2000")
    assert not run.console, run.console
    assert png_size(shot) == (1200, 2000)
    assert shot.stat().st_size > 50_000  # a drawn page, not a blank one (a blank 1200x2000 PNG is ~10 kB)


def test_prints_to_pdf(statement: Statement, tmp_path: Path) -> None:
    page = write(statement, tmp_path)
    pdf = chromium.artifacts(tmp_path) / "statement.pdf"
    run = chromium.run(page, tmp_path / "profile", f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    assert not run.console, run.console
    data = pdf.read_bytes()
    assert data[:5] == b"%PDF-"
    assert len(re.findall(rb"/Type\s*/Page\b", data)) >= 2  # the statement runs over several A4 pages
