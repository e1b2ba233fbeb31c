"""What an uploaded document may not carry: images of absurd dimensions (a 30000×30000 PNG of
874 KB decompresses to gigabytes), PDFs with JavaScript or launch actions. The type itself is
read from the bytes by the upload service; this looks inside."""

from __future__ import annotations

import io
import logging
import re
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

logger = logging.getLogger(__name__)

# Names that run something when a PDF is opened or clicked.
_ACTIVE_NAMES = {"/JS", "/JavaScript", "/Launch"}
_ACTIVE_RAW = re.compile(rb"/(JS|JavaScript|Launch)(?![A-Za-z])")
MAX_PDF_OBJECTS = 50_000  # walking a document's objects stops here (refused: not a form)


def document_problem(data: bytes, mime: str) -> str:
    """'' when the document may be stored, else why not (for the person uploading it)."""
    if mime in ("image/png", "image/jpeg"):
        return _image_problem(data)
    if mime == "application/pdf":
        return _pdf_problem(data)
    return ""


def _image_problem(data: bytes) -> str:
    try:
        with Image.open(io.BytesIO(data)) as image:  # reads the header only, decodes nothing
            width, height = image.size
    except Image.DecompressionBombError:  # Pillow's own limit, far above ours
        return _("The image is too large in pixels; scan it at most %(max)d megapixels.") % {
            "max": settings.DOCUMENT_MAX_PIXELS // 1_000_000
        }
    except Exception:
        # Nothing here decodes it; it is served as an attachment in a sandbox (views).
        logger.warning("stored an image Pillow cannot read (%d bytes)", len(data))
        return ""
    if width * height > settings.DOCUMENT_MAX_PIXELS:
        return _("The image is %(w)d×%(h)d pixels; scan it at most %(max)d megapixels.") % {
            "w": width,
            "h": height,
            "max": settings.DOCUMENT_MAX_PIXELS // 1_000_000,
        }
    return ""


def _pdf_problem(data: bytes) -> str:
    active = _pdf_active(data)
    if active is None:
        # The raw scan found no script name; a PDF too broken to parse is stored, flagged in the
        # log, and only ever served as an attachment in a sandbox (views), never previewed.
        logger.warning("stored a PDF the parser cannot read (%d bytes)", len(data))
        return ""
    return (
        _("The PDF contains JavaScript or an action that starts a program; print it to a plain PDF.")
        if active
        else ""
    )


def pdf_is_plain(data: bytes) -> bool:
    """A PDF that parses and carries no JavaScript or launch action: the only kind shown inline
    without a sandbox (the officers' preview, docs/security.md)."""
    return _pdf_active(data) is False


def _pdf_active(data: bytes) -> bool | None:
    """True: JavaScript or a launch action; False: none; None: the parser cannot read it."""
    if _ACTIVE_RAW.search(data):
        return True
    try:
        return _has_active_content(PdfReader(io.BytesIO(data), strict=False).trailer)
    except Exception:
        return None


def _has_active_content(root: Any) -> bool:
    """Walk every object reachable from the trailer (compressed object streams included, names
    decoded by the parser, so `/J#61vaScript` is found too)."""
    seen: set[tuple[int, int]] = set()
    stack = [root]
    walked = 0
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            item = item.get_object()
        walked += 1
        if walked > MAX_PDF_OBJECTS:
            return True
        if isinstance(item, DictionaryObject):
            if _ACTIVE_NAMES & set(item.keys()) or item.get("/S") in _ACTIVE_NAMES:
                return True
            stack.extend(item.values())
        elif isinstance(item, ArrayObject):
            stack.extend(item)
    return False
