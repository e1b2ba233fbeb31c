"""QR codes, drawn in one place: the booking ticket (its PNG image and printable page), a
declaration's number on its printout, the fee's VietQR payload. A ticket is ASCII text (QR
readers garble other encodings), so ASCII text is encoded as bytes, exactly as given."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg


def _code(text: str, *, box_size: int = 10) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=4)
    code.add_data(text.encode("ascii") if text.isascii() else text)
    code.make(fit=True)
    return code


def qr_matrix(text: str) -> list[list[bool]]:
    """The modules of the QR code, quiet zone included (the ticket image draws these)."""
    return _code(text).get_matrix()


def qr_png(text: str, *, box_size: int = 10) -> bytes:
    buffer = io.BytesIO()
    _code(text, box_size=box_size).make_image().save(buffer, format="PNG")
    return buffer.getvalue()


def qr_svg(text: str) -> str:
    """Inline SVG for printable pages (sharp at any print size)."""
    image = _code(text).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode")
