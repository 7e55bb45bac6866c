"""``{% contract_figures %}…{% endcontract_figures %}``: the part of a contract page kept in
the cache (see ``contracts.fragments``).

With a ``figures`` Fragment in the context, the block is taken from the cache, or rendered
with the data its loader returns and then kept; without one it renders as usual.
"""

from __future__ import annotations

from django import template
from django.template.base import Parser, Token
from django.template.context import Context
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


class ContractFiguresNode(template.Node):
    def __init__(self, nodelist: template.NodeList) -> None:
        self.nodelist = nodelist

    def render(self, context: Context) -> SafeString:
        fragment = context.get("figures")
        if fragment is None:
            return self.nodelist.render(context)
        html = fragment.get()
        if html is None:
            with context.push(**fragment.load()):
                html = self.nodelist.render(context)
            fragment.keep(str(html))
        # HTML this node rendered from the templates (autoescaped), or kept from such a render.
        return mark_safe(html)


@register.tag
def contract_figures(parser: Parser, token: Token) -> ContractFiguresNode:
    nodelist = parser.parse(("endcontract_figures",))
    parser.delete_first_token()
    return ContractFiguresNode(nodelist)
