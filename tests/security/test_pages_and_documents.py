"""Content-Security-Policy and Permissions-Policy on every page, no inline script in any template,
documents served as sandboxed attachments, absurd images and scripted PDFs refused, API docs
off by a setting."""

from __future__ import annotations

import importlib
import io
import re
import struct
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import clear_url_caches
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from cuakhau.accounts.roles import Agency, Role
from declarations import services
from tests import factories
from tests.declarations.conftest import new_draft

ROOT = Path(__file__).resolve().parents[2]


def _png(width: int, height: int) -> bytes:
    """A PNG whose header says width×height (Pillow reads only the header)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 16))
        + chunk(b"IEND", b"")
    )


def _pdf(*, script: bool = False, obfuscate: bool = False) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    if script:
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")}
        )
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    if obfuscate:  # names written with #hex escapes: no plain "/JavaScript" in the bytes
        data = data.replace(b"/JavaScript", b"/J#61vaScript").replace(b"/JS ", b"/J#53 ")
    return data


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/accounts/login/", "/portal/", "/admin/login/", "/healthz", "/board/HUU_NGHI/"]
)
def test_every_page_has_a_strict_script_policy_and_a_permissions_policy(client, url):
    response = client.get(url, follow=False)

    policy = response["Content-Security-Policy"]
    script = re.search(r"script-src ([^;]*)", policy).group(1)
    assert script.split() == ["'self'"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy
    # Geolocation only for our own pages (the "I am driving" page), nowhere framed or embedded.
    assert "geolocation=(self)" in response["Permissions-Policy"]
    assert "microphone=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_the_api_answers_with_the_policy_too(api_client, owner):
    api_client.force_authenticate(owner)
    assert "script-src 'self'" in api_client.get("/api/v1/drivers/")["Content-Security-Policy"]


def test_no_template_has_an_inline_script_handler_or_javascript_url():
    found = []
    for path in [*ROOT.glob("templates/**/*.html"), *ROOT.glob("*/templates/**/*.html")]:
        text = path.read_text()
        for pattern in (r"<script(?![^>]*\bsrc=)[^>]*>", r"\son[a-z]+\s*=", r"javascript:"):
            found += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in re.finditer(pattern, text, re.I)]
    assert not found


# --- documents -------------------------------------------------------------------------------
@pytest.fixture
def draft(db, owner):  # type: ignore[no-untyped-def]
    return new_draft(owner)


def _upload(owner, draft, data: bytes, name: str):  # type: ignore[no-untyped-def]
    return services.document_add(
        actor=owner, declaration=draft, kind="invoice", file=SimpleUploadedFile(name, data)
    )


def test_an_image_of_absurd_dimensions_is_refused(owner, draft):
    with pytest.raises(ValidationError) as caught:
        _upload(owner, draft, _png(30000, 30000), "scan.png")

    assert "megapixels" in str(caught.value)
    assert not draft.documents.exists()


def test_an_image_just_over_the_pixel_limit_is_refused_and_a_normal_scan_is_kept(owner, draft, settings):
    settings.DOCUMENT_MAX_PIXELS = 2480 * 3508  # an A4 page at 300 dpi
    with pytest.raises(ValidationError):
        _upload(owner, draft, _png(2480, 3509), "big.png")

    assert _upload(owner, draft, _png(2480, 3508), "a4.png").content_type == "image/png"


@pytest.mark.parametrize("obfuscate", [False, True])
def test_a_pdf_with_javascript_is_refused(owner, draft, obfuscate):
    with pytest.raises(ValidationError) as caught:
        _upload(owner, draft, _pdf(script=True, obfuscate=obfuscate), "invoice.pdf")

    assert "JavaScript" in str(caught.value)
    assert not draft.documents.exists()


def test_a_plain_pdf_is_kept(owner, draft):
    assert _upload(owner, draft, _pdf(), "invoice.pdf").content_type == "application/pdf"


def test_a_document_is_served_as_an_attachment_in_a_sandbox(client, owner, draft):
    document = _upload(owner, draft, _pdf(), "invoice.pdf")
    client.force_login(owner)

    response = client.get(f"/portal/declarations/{draft.pk}/documents/{document.pk}/")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert response["X-Content-Type-Options"] == "nosniff"


def _preview(client, declaration, document):  # type: ignore[no-untyped-def]
    return client.get(f"/admin/declarations/declaration/{declaration.pk}/documents/{document.pk}/preview/")


@pytest.mark.django_db
def test_the_officers_preview_shows_an_image_inline_in_a_sandbox_framed_by_the_admin_only(
    client, owner, draft
):
    document = _upload(owner, draft, _png(40, 30), "scan.png")
    services.declaration_submit(actor=owner, declaration=draft)
    client.force_login(factories.staff_user(Role.CUSTOMS, Agency.CUSTOMS))

    response = _preview(client, draft, document)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == "inline"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'; frame-ancestors 'self'"
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == _png(40, 30)


@pytest.mark.django_db
def test_the_officers_preview_shows_a_plain_pdf_inline_without_a_sandbox_and_loading_nothing(
    client, owner, draft
):
    document = _upload(owner, draft, _pdf(), "invoice.pdf")
    services.declaration_submit(actor=owner, declaration=draft)
    client.force_login(factories.staff_user(Role.CUSTOMS, Agency.CUSTOMS))

    response = _preview(client, draft, document)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == "inline"
    # Chromium renders no PDF in a sandboxed frame; only a PDF without scripts gets here.
    assert response["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'self'"
    assert response["X-Frame-Options"] == "SAMEORIGIN"


@pytest.mark.django_db
def test_a_pdf_the_parser_cannot_read_is_never_shown_unsandboxed(client, owner, draft):
    broken = b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\n" + b"\x00" * 64  # no xref, no trailer
    document = _upload(owner, draft, broken, "broken.pdf")
    services.declaration_submit(actor=owner, declaration=draft)
    client.force_login(factories.staff_user(Role.CUSTOMS, Agency.CUSTOMS))

    response = _preview(client, draft, document)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Security-Policy"].startswith("sandbox;")
    assert broken not in response.content


@pytest.mark.django_db
def test_the_preview_is_for_who_sees_the_declaration_in_the_admin(client, owner, draft):
    document = _upload(owner, draft, _pdf(), "invoice.pdf")
    services.declaration_submit(actor=owner, declaration=draft)

    client.force_login(factories.staff_user(Role.CUSTOMS, Agency.CUSTOMS, gates=["COC_NAM"]))
    far = _preview(client, draft, document).status_code
    client.force_login(owner)  # the operator downloads from the portal, not from the admin
    operator = _preview(client, draft, document).status_code

    assert far == 404
    assert operator == 302


# --- API docs ----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_api_docs_can_be_turned_off(client, settings):
    import cuakhau.urls

    settings.API_DOCS_ENABLED = False
    try:
        importlib.reload(cuakhau.urls)
        clear_url_caches()
        off = client.get("/api/docs/").status_code
    finally:
        settings.API_DOCS_ENABLED = True
        importlib.reload(cuakhau.urls)
        clear_url_caches()

    assert off == 404
    assert client.get("/api/docs/").status_code == 200


@pytest.mark.django_db
def test_the_admin_shows_documents_to_officers_only_through_the_sandboxed_view(client, owner, draft):
    document = _upload(owner, draft, _pdf(), "invoice.pdf")
    services.declaration_submit(actor=owner, declaration=draft)
    client.force_login(factories.staff_user(Role.CUSTOMS, Agency.CUSTOMS))

    response = client.get(f"/portal/declarations/{draft.pk}/documents/{document.pk}/")

    assert response.status_code == 200
    assert response["Content-Security-Policy"].startswith("sandbox")
