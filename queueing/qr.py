"""The ticket's QR code: it encodes exactly the ticket text (ASCII), nothing else."""

from __future__ import annotations

import qrcode
import qrcode.image.svg


def _code(text: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=4)
    code.add_data(text.encode("ascii"))
    code.make(fit=True)
    return code


def qr_matrix(text: str) -> list[list[bool]]:
    """The modules of the ticket's QR code, quiet zone included (the ticket image draws these)."""
    return _code(text).get_matrix()


def qr_svg(text: str) -> str:
    """Inline SVG for the printable ticket page (sharp at any print size)."""
    image = _code(text).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode")
