"""`{% open_data_url %}`: the open-data page, on the national host whatever host shows the link
(a département's host serves no open data: the national figures are published nationally)."""

from __future__ import annotations

from django import template

from frontend.context_processors import host_url, layout_links

register = template.Library()


@register.simple_tag(takes_context=True)
def open_data_url(context: template.Context) -> str:
    request = context.get("request")
    path = layout_links()["open_data"]
    if request is None or getattr(request, "tenant", None) is None:
        return path
    return host_url(request, None).rstrip("/") + path
