"""frontend/templatetags/options.py: a select's options built in Python, escaped."""

from __future__ import annotations

from django.template import Context, Template

TEMPLATE = Template(
    "{% load options %}<select>{% options choices selected exclude=out %}</select>"
    "<select>{% options choices other %}</select>"
)


def test_options_mark_the_selected_value_leave_one_out_and_escape() -> None:
    choices = [(1, "à Anne"), (2, 'à <b>"Ben"</b>'), (3, "à Chloé")]
    html = TEMPLATE.render(Context({"choices": choices, "selected": 2, "out": 3, "other": "3"}))
    first, second = html.split("</select>")[:2]
    assert first == (
        '<select><option value="1">à Anne</option>'
        '<option value="2" selected>à &lt;b&gt;&quot;Ben&quot;&lt;/b&gt;</option>'
    )
    # The same list in another select of the same page: its own selection, nothing left out.
    assert second.count("<option") == 3 and '<option value="3" selected>à Chloé' in second


def test_no_value_selected_when_none_is_given() -> None:
    html = Template("{% load options %}{% options choices %}").render(
        Context({"choices": [("present", "Présent")]})
    )
    assert html == '<option value="present">Présent</option>'
