"""Test helpers for pages: the structure accessibility checks need, parsed with the standard library.

Only tests import this module. `assert_accessible(response)` checks one <h1>, unique ids, a <label for> for every
control, a caption for every table and a scope on every header cell, and returns the parsed page.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser


class PageStructure(HTMLParser):
    """Headings, labelled controls, forms, tables, ids and rows marked changed."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.h1 = 0
        self.controls: list[dict] = []
        self.label_for: set[str] = set()
        self.ids: list[str] = []
        self.elements: dict[str, dict] = {}
        self.forms: list[dict] = []
        self.tables = 0
        self.captions = 0
        self.header_cells: list[dict] = []
        self.changed_rows = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
            self.elements[a["id"]] = {"tag": tag, **a}
        if tag == "h1":
            self.h1 += 1
        elif tag == "label" and a.get("for"):
            self.label_for.add(a["for"])
        elif tag == "form":
            self.forms.append(a)
        elif tag == "table":
            self.tables += 1
        elif tag == "caption":
            self.captions += 1
        elif tag == "th":
            self.header_cells.append(a)
        elif tag == "tr" and a.get("data-changed") == "true":
            self.changed_rows += 1
        if tag in {"input", "select", "textarea"} and a.get("type") not in {"hidden", "submit", "button"}:
            self.controls.append({"tag": tag, **a})


def assert_accessible(response) -> PageStructure:
    page = PageStructure(response.content.decode())
    assert page.h1 == 1, f"one <h1> per page, found {page.h1}"
    assert len(page.ids) == len(set(page.ids)), "ids are unique"
    for control in page.controls:
        assert control.get("id") in page.label_for, f"{control} has a <label for>"
    assert page.captions == page.tables, "every table has a caption"
    for cell in page.header_cells:
        assert cell.get("scope") in {"col", "row"}, "every header cell has a scope"
    return page


def text_of(response) -> str:
    """The page's text with tags removed and white space folded (<wbr> only lets long hashes wrap)."""
    html = response.content.decode().replace("<wbr>", "")
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
