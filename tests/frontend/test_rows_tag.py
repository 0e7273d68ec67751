"""frontend/templatetags/rows.py: a list's rows built in Python, every value escaped, the same
markup as the template loop it replaces."""

from __future__ import annotations

import html
import re

from django.template import Context, Template
from hypothesis import given
from hypothesis import strategies as st

TAG = Template("{% load rows %}{% dossier_rows rows deciding %}")
# The loop the tag replaces, as list.html wrote it (whitespace aside).
LOOP = Template(
    "{% for row in rows %}"
    '<tr><td><a href="{{ row.url }}">{{ row.pseudonym }}</a></td><td>{{ row.request }}</td>'
    '<td><p class="fr-badge fr-badge--sm{% if row.tone %} fr-badge--{{ row.tone }}{% endif %}"'
    " data-tone=\"{{ row.tone|default:'closed' }}\">{{ row.state_label }}</p></td>"
    "<td>{{ row.deposited }}</td><td>{{ row.days }}</td><td>{{ row.session }}</td>"
    "{% if deciding %}<td>{{ row.avis }}</td>{% endif %}</tr>\n"
    '{% empty %}<tr><td colspan="{% if deciding %}7{% else %}6{% endif %}">Aucun dossier.</td>'
    "</tr>{% endfor %}"
)

KEYS = ("url", "pseudonym", "request", "state_label", "deposited", "days", "session", "avis")
rows = st.lists(
    st.fixed_dictionaries(
        {
            **{key: st.text(max_size=20) for key in KEYS},
            "tone": st.sampled_from(["", "info", "warning", "success", "error"]),
        }
    ),
    max_size=4,
)


@given(rows=rows, deciding=st.booleans())
def test_the_tag_prints_what_the_template_loop_printed(
    rows: list[dict[str, str]], deciding: bool
) -> None:
    context = {"rows": rows, "deciding": deciding}
    assert TAG.render(Context(context)) == LOOP.render(Context(context))


@given(text=st.text(min_size=1, max_size=30))
def test_every_value_is_escaped(text: str) -> None:
    row = dict.fromkeys(KEYS, text) | {"tone": "info"}
    markup = TAG.render(Context({"rows": [row], "deciding": True}))
    # Only the row's own tags: nothing a value carried became markup.
    assert re.findall(r"<(/?\w+)", markup) == re.findall(
        r"<(/?\w+)",
        TAG.render(
            Context({"rows": [dict.fromkeys(KEYS, "x") | {"tone": "info"}], "deciding": True})
        ),
    )
    assert html.unescape(markup).count(text) >= len(KEYS)


def test_an_empty_list_says_so_across_its_columns() -> None:
    assert 'colspan="7">Aucun dossier.' in TAG.render(Context({"rows": [], "deciding": True}))
    assert 'colspan="6">Aucun dossier.' in TAG.render(Context({"rows": [], "deciding": False}))
