"""Every page of the URL confs, for every role: what a person reads carries labels, never codes.

The visible text only (tags, scripts, styles and attribute values removed): an ISO or numeric
date, a 3-letter country code after "nationalité" or a snake_case identifier there is a code the
person was meant to read as words.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.conftest import client_for
from tests.page_walk import READERS, is_html_page, national_pages, tenant_pages

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]

RAW_CODES = {
    "ISO date": re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
    # Dates are written in words ("15 juin 1991"), never as figures a page mixes with words.
    "numeric date": re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b"),
    "country code": re.compile(r"nationalit\w*\s*:?\s*[A-Z]{3}\b", re.I),
    "snake_case identifier": re.compile(r"\b[a-z]+_[a-z_]+\b"),
}
# Text that looks like a code and is what the person must read as it is, each with its reason:
ALLOWED = [
    # E-mail addresses are written as they are (the test accounts' are `role.code@…`).
    re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"),
    # File names a person downloads or a document's "name" (extensions, no spaces by design).
    re.compile(r"\b[\w-]+\.(pdf|csv|ods|xlsx|json)\b"),
]


class _VisibleText(HTMLParser):
    # Not read, or shown as code on purpose: a `<code>` beside its label is the identifier an
    # operator or a DPO searches by (a legal parameter's key, an audit event's action).
    HIDDEN = {"script", "style", "template", "code"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def raw_codes(text: str) -> list[str]:
    for allowed in ALLOWED:
        text = allowed.sub(" ", text)
    return [
        f"{kind}: …{text[max(0, m.start() - 40) : m.end() + 40]}…"
        for kind, pattern in RAW_CODES.items()
        for m in pattern.finditer(text)
    ]


def test_the_walk_sees_codes_where_there_are_some() -> None:
    html = (
        "<p title='a_b'>née le 1991-06-15 — nationalité NGA</p><p>police_securite_publique</p>"
        "<p>séance du 12/03/2025</p>"
        "<script>var x_y = 1;</script><p>contact: dpo_x@test.fr, pv-2026.pdf</p>"
    )
    found = raw_codes(visible_text(html))
    assert [f.split(":")[0] for f in found] == [
        "ISO date",
        "numeric date",
        "country code",
        "snake_case identifier",
    ]


def test_no_page_shows_a_raw_code_nor_shares_its_title_for_any_role(release_2024: object) -> None:
    pages, _built = tenant_pages()
    pages += national_pages()
    read: dict[tuple[str | None, str | None], int] = {}
    found: list[str] = []
    titles: dict[tuple[str | None, str | None, str], str] = {}
    for role, code in READERS:
        client = client_for(role, code)
        for page in (p for p in pages if p.code == code):
            response = client.get(page.path)
            if not is_html_page(response):
                continue
            read[(role, code)] = read.get((role, code), 0) + 1
            html = response.content.decode()
            title = re.search(r"<title>(.*?)</title>", html, re.S)
            assert title, page.path
            if (other := titles.setdefault((role, code, title.group(1)), page.name)) != page.name:
                found.append(f"{role}@{code}: {page.name} and {other} share the title {title[1]}")
            for hit in raw_codes(visible_text(response.content.decode())):
                found.append(f"{role}@{code or 'national'} {page.path}: {hit}")
    # The walk reached each role's pages (a file, a session), not only refusals.
    assert read[("coordinator", "31")] >= 12, read
    assert read[("national_operator", None)] >= 8, read
    assert not found, "\n".join(found)
