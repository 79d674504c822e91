"""Escaping user text (tags, project names, paths) for each output medium.

User data is shown exactly as written, but never interpreted: not as a spreadsheet formula, a
terminal control sequence, rich markup, HTML or markdown.
"""

from __future__ import annotations

import html
import re

__all__ = [
    "FORMULA_PREFIXES",
    "safe_csv_cell",
    "safe_html",
    "safe_markdown",
    "safe_terminal",
    "visible_controls",
]

#: First characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# C0 controls, DEL, C1 controls, and the Unicode bidirectional overrides/isolates (which reorder
# what is displayed, "trojan source").
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(m: re.Match[str]) -> str:
    c = ord(m.group())
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def visible_controls(text: str, keep: str = "") -> str:
    """Replace control characters (C0, DEL, C1, bidi overrides) by visible escapes such as ``\\x1b``.

    Characters in ``keep`` (e.g. ``"\\n"``) are left as they are. A backslash is not itself escaped,
    so the result is meant for display, not for parsing back.
    """
    return _CONTROLS.sub(lambda m: m.group() if m.group() in keep else _visible(m), text)


def safe_csv_cell(text: str) -> str:
    """A CSV cell that a spreadsheet will not evaluate.

    Following OWASP's CSV-injection guidance, text starting with ``=``, ``+``, ``-``, ``@``, a tab
    or a carriage return is prefixed with a single quote. Use it for user text only: a negative
    number written as a number must not go through it.
    """
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def safe_terminal(text: str) -> str:
    """Text safe to print on a terminal through rich.

    Control characters (so every ESC sequence, and newlines, tabs, carriage returns) become visible
    escapes like ``\\x1b``, and rich markup such as ``[red]`` is escaped so it prints literally.
    """
    from rich.markup import escape  # imported here: the library must not pull in rich on import

    return escape(visible_controls(text))


def safe_html(text: str) -> str:
    """Text for HTML or SVG (element content and quoted attribute values).

    ``& < > " '`` become entities; control characters (not allowed in XML, and invisible in HTML)
    become visible escapes like ``\\x1b``.
    """
    return html.escape(visible_controls(text), quote=True)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
# what makes a heading, list, quote or rule when it starts a line
_MD_LEADING = re.compile(r"^(?:[#+\-=]+|\d+[.)])(?=\s|$)")


def safe_markdown(text: str) -> str:
    """Text for a markdown paragraph or table cell: markup characters backslash-escaped.

    Pipes cannot end a table cell, backticks cannot open code, brackets cannot make links, ``<``
    cannot open HTML, a leading ``#``, ``-``, ``+``, ``=``, ``>`` or ``1.`` cannot start a block;
    control characters (newlines included, which would break a table row) become
    visible escapes.
    """
    escaped = _MD_SPECIAL.sub(r"\\\1", text)
    escaped = _MD_LEADING.sub(lambda m: m.group()[:-1] + "\\" + m.group()[-1], escaped)
    escaped = escaped.replace("&", "&amp;")
    return visible_controls(escaped)
