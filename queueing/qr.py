"""The ticket's QR code: it encodes exactly the ticket text (ASCII); drawn by `cuakhau.qr`."""

from cuakhau.qr import qr_png, qr_svg

__all__ = ["qr_png", "qr_svg"]
