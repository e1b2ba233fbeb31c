"""QR codes: the booking ticket, a declaration's number on its printout. ASCII text only (readers garble other encodings)."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg


def qr_png(text: str, *, box_size: int = 10) -> bytes:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=4)
    qr.add_data(text.encode("ascii"))
    qr.make(fit=True)
    buffer = io.BytesIO()
    qr.make_image().save(buffer, format="PNG")
    return buffer.getvalue()


def qr_svg(text: str) -> str:
    """Inline SVG for the printable ticket page (sharp at any print size)."""
    image = qrcode.make(text.encode("ascii"), image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    return image.to_string(encoding="unicode")
