"""`{% kept %}…{% endkept %}`: markup rendered once per process and reused.

For the parts of every page that read nothing of the request, the person or the page: the DSFR's
style sheets, icons and display-settings dialog (a dozen static URLs and three sub-templates on
every page otherwise). What it encloses must not read the context: it would be frozen with the
first page's. Templates are kept for the life of the process by the cached loader, and so is
each tag's output; the interface speaks French only (settings.LANGUAGES), so one rendering serves
every request.
"""

from __future__ import annotations

from django import template
from django.template.base import Node, NodeList, Parser, Token
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


class KeptNode(Node):
    def __init__(self, nodelist: NodeList) -> None:
        self.nodelist = nodelist
        self.output: SafeString | None = None

    def render(self, context: template.Context) -> SafeString:
        if self.output is None:
            # Rendered without the page's variables (context.new() keeps only the template and
            # its settings), so that nothing of a request is kept.
            self.output = mark_safe(self.nodelist.render(context.new()))  # noqa: S308
        return self.output


@register.tag
def kept(parser: Parser, token: Token) -> KeptNode:
    nodelist = parser.parse(("endkept",))
    parser.delete_first_token()
    return KeptNode(nodelist)
