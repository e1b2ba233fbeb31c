"""The booking ticket as an image (ticket.png, for a phone screen) and a PDF (A6, for print).

One drawing at A6 proportions, 105 × 148 mm: the gate, the plate, the QR code, the slot day and
time, the yard entry window, the direction, the declaration number and what the ticket says about
crossing now. The QR code encodes exactly the booking's ticket text (cuakhau/qr.py), pasted
with whole pixels per module so any reader decodes it from the screen or the paper.

Fonts: DejaVu Sans (Debian `fonts-dejavu-core`, Vietnamese diacritics) and, for Chinese text,
WenQuanYi Micro Hei (`fonts-wqy-microhei`); the Makefile installs both. Without them Pillow's
own font is used (readable, without some diacritics).
"""

from __future__ import annotations

import io
from functools import lru_cache
from typing import TYPE_CHECKING

from django.http import HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont

from cuakhau.qr import qr_matrix

from .selectors import TicketFacts, ticket_facts

if TYPE_CHECKING:
    from .models import Booking

A6_MM = (105, 148)
PRINT_DPI = 300
SANS = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
]
SANS_BOLD = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
]
MONO = ["/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"]
CJK = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
]
NOTICE_COLOURS = {"cleared": "#1b873f", "closed": "#c62828"}  # anything else: amber


@lru_cache(maxsize=64)
def _font(kind: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    paths = {"sans": SANS, "bold": SANS_BOLD, "mono": MONO, "cjk": CJK}[kind]
    for path in paths:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def _font_for(text: str, kind: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Chinese characters (a gate's Chinese name, a Guangxi plate 桂A·12345) need a CJK font."""
    if any(ord(ch) >= 0x2E80 for ch in text):
        return _font("cjk", size)
    return _font(kind, size)


def _fit(
    draw: ImageDraw.ImageDraw, text: str, kind: str, size: int, width: int
) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The largest font up to `size` in which `text` fits in `width` pixels."""
    while True:
        font = _font_for(text, kind, size)
        if draw.textlength(text, font=font) <= width or size <= 10:
            return font
        size -= 2


def _wrap(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: int
) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def draw_ticket(facts: TicketFacts, *, width: int) -> tuple[Image.Image, tuple[int, int, int]]:
    """The ticket at `width` pixels (A6 proportions). Returns (image, (qr_left, qr_top, module))."""
    height = round(width * A6_MM[1] / A6_MM[0])
    unit = width / 1000  # layout in thousandths of the width
    margin = round(50 * unit)
    inner = width - 2 * margin
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    y = margin

    def line(text: str, kind: str, size: float, *, fill: str = "#1d2630", gap: float = 12) -> None:
        nonlocal y
        font = _fit(draw, text, kind, round(size * unit), inner)
        draw.text((width / 2, y), text, font=font, fill=fill, anchor="ma")
        y += round(font.size * 1.15 + gap * unit) if hasattr(font, "size") else round((size + gap) * unit)

    line(facts.gate, "bold", 52, fill="#0b4f8a")
    line(f"{facts.direction} · {facts.number}", "sans", 40)
    line(facts.plate, "bold", 130, gap=20)

    matrix = qr_matrix(facts.ticket)
    module = max(1, int(560 * unit) // len(matrix))
    side = module * len(matrix)
    left = (width - side) // 2
    qr = Image.new("1", (len(matrix), len(matrix)), 1)
    qr.putdata([0 if cell else 1 for row in matrix for cell in row])
    image.paste(qr.resize((side, side), Image.Resampling.NEAREST), (left, y))
    qr_box = (left, y, module)
    y += side + round(6 * unit)
    line(facts.ticket, "mono", 38, gap=18)

    line(facts.day, "bold", 66, gap=4)
    line(facts.time, "bold", 92, gap=10)
    line(_("Enter the yard: %(window)s") % {"window": facts.entry}, "sans", 38, gap=18)

    notice_font = _font_for(facts.notice.text, "bold", round(34 * unit))
    colour = NOTICE_COLOURS.get(facts.notice.code, "#8a5a00")
    for text in _wrap(draw, facts.notice.text, notice_font, inner):
        draw.text((width / 2, y), text, font=notice_font, fill=colour, anchor="ma")
        y += round(notice_font.size * 1.2) if hasattr(notice_font, "size") else round(40 * unit)
    footer = _("Valid only for this vehicle's plate.")
    footer_font = _fit(draw, footer, "sans", round(30 * unit), inner)
    draw.text((width / 2, height - margin), footer, font=footer_font, fill="#5d6b78", anchor="md")
    draw.rectangle([2, 2, width - 3, height - 3], outline="#d7dde3", width=max(1, round(3 * unit)))
    return image, qr_box


def ticket_png(facts: TicketFacts, *, width: int = 720) -> bytes:
    """The ticket for a phone screen (720 px wide by default)."""
    image, _box = draw_ticket(facts, width=width)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def ticket_pdf(facts: TicketFacts) -> bytes:
    """One A6 page at 300 dpi: it prints at 105 × 148 mm."""
    width = round(A6_MM[0] / 25.4 * PRINT_DPI)
    image, _box = draw_ticket(facts, width=width)
    buffer = io.BytesIO()
    image.save(buffer, format="PDF", resolution=PRINT_DPI, title=f"{facts.number} {facts.ticket}")
    return buffer.getvalue()


def ticket_response(booking: Booking, kind: str) -> HttpResponse:
    """The portal's and the API's answer for ticket.png / ticket.pdf of a booking."""
    facts = ticket_facts(booking)
    if kind == "pdf":
        response = HttpResponse(ticket_pdf(facts), content_type="application/pdf")
    else:
        response = HttpResponse(ticket_png(facts), content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="ticket-{booking.pk}.{kind}"'
    # The notice follows the declaration (waiting → cleared): a short private cache only.
    response["Cache-Control"] = "private, max-age=60"
    response["Content-Language"] = _language()
    return response


def _language() -> str:
    return get_language() or "vi"
