"""{% load fees %}: the fee panel of a declaration and VND amounts.

{% load fees %}{% fee_panel declaration %}   → templates/fees/_fee_panel.html
{{ amount|vnd }}                              → "1.000.000 VND"
"""

from __future__ import annotations

from typing import Any

from django import template

from declarations.fees.selectors import fee_panel_context

register = template.Library()


@register.filter
def vnd(amount: Any) -> str:
    try:
        value = int(amount)
    except (TypeError, ValueError):
        return ""
    return f"{value:,}".replace(",", ".") + " VND"


@register.inclusion_tag("fees/_fee_panel.html", takes_context=True)
def fee_panel(context: template.Context, declaration: Any) -> dict[str, Any]:
    return {**fee_panel_context(declaration), "request": context.get("request")}
