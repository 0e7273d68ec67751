"""frontend/templatetags/kept.py and layout.html: the DSFR page's fixed parts rendered once per
process, the same markup as django-dsfr renders them, nothing of a request kept."""

from __future__ import annotations

import pytest
from django.template import Context, Template

pytestmark = pytest.mark.django_db


def test_what_is_kept_is_rendered_once_and_never_reads_the_page() -> None:
    template = Template("{% load kept %}{% kept %}[{{ secret }}]{% endkept %}{{ secret }}")
    first = template.render(Context({"secret": "de la première page"}))
    second = template.render(Context({"secret": "autre"}))
    # A variable inside is never the page's: the first page's value cannot be served again.
    assert first == "[]de la première page"
    assert second == "[]autre"
    (node,) = [n for n in template.nodelist if type(n).__name__ == "KeptNode"]
    assert node.output == "[]"


@pytest.mark.usefixtures("base")
def test_the_layout_serves_django_dsfr_s_own_markup(login) -> None:  # type: ignore[no-untyped-def]
    """The style sheets, icons and display-settings dialog, as the DSFR tags render them now,
    are in the page, once, as are the scripts (rendered per request: they take the request's
    CSP nonce when the policy uses one)."""
    client = login("coordinator", "31")
    pages = [client.get("/accessibilite/").content.decode() for _ in range(2)]
    fixed = Template(
        "{% load dsfr_tags %}{% dsfr_css %}|{% dsfr_favicon %}|{% dsfr_theme_modale %}"
    )
    for part in fixed.render(Context()).split("|"):
        assert part.strip()
        for page in pages:
            assert page.count(part.strip()) == 1
    for page in pages:
        assert page.count('<script type="module"') == 1 and page.count("<script nomodule") == 1
