"""{% load fees %}: the fee panel of a declaration and VND amounts.

{% load fees %}{% fee_panel declaration %}   → templates/fees/_fee_panel.html
{{ amount|vnd }}                              → "1.000.000 VND"
{{ amount|vnd_digits }}                       → "1.000.000" (text that writes "VND" itself)
"""

from __future__ import annotations

from typing import Any

from django import template

from cuakhau import money
from declarations.fees.selectors import fee_panel_context

register = template.Library()


@register.filter
def vnd(amount: Any) -> str:
    try:
        return money.vnd(int(amount))
    except (TypeError, ValueError):
        return ""


@register.filter
def vnd_digits(amount: Any) -> str:
    try:
        return money.vnd_digits(int(amount))
    except (TypeError, ValueError):
        return ""


@register.inclusion_tag("fees/_fee_panel.html", takes_context=True)
def fee_panel(context: template.Context, declaration: Any) -> dict[str, Any]:
    return {**fee_panel_context(declaration), "request": context.get("request")}
