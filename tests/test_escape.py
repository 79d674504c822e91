"""Escaping user text for CSV, terminals, HTML and markdown."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from cloudcarbon._escape import safe_csv_cell, safe_html, safe_markdown, safe_terminal, visible_controls


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("ml-team", "ml-team"),  # only the first character counts
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_safe_csv_cell(text: str, want: str) -> None:
    assert safe_csv_cell(text) == want


def test_visible_controls() -> None:
    assert visible_controls("a\x1b[31mb\x07") == "a\\x1b[31mb\\x07"
    assert visible_controls("x\x9by\x7f") == "x\\x9by\\x7f"  # C1 CSI and DEL
    assert visible_controls("l\u202eevil") == "l\\u202eevil"  # bidi override
    assert visible_controls("a\nb", keep="\n") == "a\nb"
    assert visible_controls("é ✓ 日本") == "é ✓ 日本"  # ordinary text is untouched


def printed(text: str) -> str:
    buf = io.StringIO()
    Console(file=buf, color_system=None, highlight=False, width=200).print(text, end="")
    return buf.getvalue()


def test_safe_terminal_prints_markup_and_escapes_literally() -> None:
    hostile = "[red]x[/red] ml[gpu] \x1b[2J\x1b]0;title\x07 end"
    out = printed(safe_terminal(hostile))
    # what the terminal receives: no ESC from the user text, the markup shown as written
    assert "\x1b[2J" not in out and "\x07" not in out
    assert out == "[red]x[/red] ml[gpu] \\x1b[2J\\x1b]0;title\\x07 end"
    # without escaping, rich would have eaten the markup
    assert "[red]" not in printed("[red]x[/red]")


def test_safe_html() -> None:
    assert safe_html("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert safe_html("a\"b'c&d") == "a&quot;b&#x27;c&amp;d"
    assert safe_html("x\x00y") == "x\\x00y"


def test_safe_markdown() -> None:
    assert safe_markdown("a|b") == "a\\|b"
    assert safe_markdown("`code`") == "\\`code\\`"
    assert safe_markdown("[x](http://e)") == "\\[x\\](http://e)"
    assert safe_markdown("# title") == "\\# title"
    assert safe_markdown("- item") == "\\- item"
    assert safe_markdown("12. item") == "12\\. item"
    assert safe_markdown("ml-team 2026.11 =x") == "ml-team 2026.11 =x"
    assert safe_markdown("2026.11 -x =y") == "2026.11 -x =y"  # not a list or heading: left alone
    assert safe_markdown("<b>&") == "\\<b\\>&amp;"
    assert safe_markdown("two\nlines") == "two\\x0alines"
    assert safe_markdown("ml_team*") == "ml\\_team\\*"


def test_escaping_and_statements_do_not_import_rich() -> None:
    import subprocess
    import sys

    code = (
        "import sys, cloudcarbon._escape, cloudcarbon.statements, cloudcarbon.compare; "
        "print(sorted(m for m in ('typer', 'rich', 'click') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
