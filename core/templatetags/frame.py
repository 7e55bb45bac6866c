"""``{% once "name" vary… %}…{% endonce %}``: parts of the page frame rendered once per process.

The header menu and the footer are the same HTML for every visitor in the same situation
(logged in or not, on which page, in which language): rendering them on every request
(URL reversing, translations, a few dozen nodes) cost about as much as a bare view. The
block is rendered the first time for each combination of its ``vary`` values and the
language, then served from this process's memory. A CSRF token inside the block (the
logout form) is put back fresh on every request.

Only for HTML that depends on code, templates, settings and the ``vary`` values: never
put anything personal inside (the user's name, their contracts, messages).
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.template.base import FilterExpression, Parser, Token
from django.template.context import Context
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from core.kept import ProcessStore

register = template.Library()

_PLACEHOLDER = "\x00csrf-token\x00"
# Bounded: a guard against a vary value that is not the small set it should be. Cleared
# when settings change (tests); a deploy starts new processes.
_kept = ProcessStore("core.frame", max_items=2000)


def clear() -> None:
    """Forget every kept block."""
    _kept.clear()


class OnceNode(template.Node):
    def __init__(self, nodelist: template.NodeList, vary: list[FilterExpression]) -> None:
        self.nodelist = nodelist
        self.vary = vary

    def render(self, context: Context) -> SafeString:
        if settings.DEBUG:  # templates change while developing
            return self.nodelist.render(context)
        key = (id(self), get_language(), *(v.resolve(context) for v in self.vary))
        parts: list[str] | None = _kept.get(key)
        if parts is None:
            with context.push(csrf_token=_PLACEHOLDER):
                html = self.nodelist.render(context)
            parts = str(html).split(_PLACEHOLDER)
            _kept.set(key, parts)
        if len(parts) == 1:
            return mark_safe(parts[0])
        # This request's token, escaped as {% csrf_token %} would have written it.
        return mark_safe(escape(str(context.get("csrf_token", ""))).join(parts))


@register.tag
def once(parser: Parser, token: Token) -> OnceNode:
    """``{% once "footer" %}`` or ``{% once "nav" user.is_authenticated view_name %}``."""
    bits = token.split_contents()[1:]
    if not bits:
        raise template.TemplateSyntaxError("{% once %} needs a name")
    nodelist = parser.parse(("endonce",))
    parser.delete_first_token()
    return OnceNode(nodelist, [parser.compile_filter(bit) for bit in bits])
