"""Portal pages of declarations (operators). Thin: forms in, one service call, a message out."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_fsm import get_available_FIELD_transitions

from cuakhau.errors import page_errors
from cuakhau.security.documents import pdf_is_plain

from . import selectors, services, words
from .forms import (
    CargoFormSet,
    CargoLineForm,
    ContainerFormSet,
    DeclarationForm,
    DocumentForm,
    formset_rows,
)
from .models import CARGO_FIELDS, Declaration
from .panels import live_booking, panels_for

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _own(request: HttpRequest, pk: int) -> Declaration:
    """The caller's declaration (unknown or another company's: the 404 page; no company: 403)."""
    return selectors.declaration_for_owner(user=request.user, pk=pk)


@login_required
@require_GET
def declaration_list(request: HttpRequest) -> HttpResponse:
    selectors.operator_company(request.user)  # NotAllowed: the 403 page
    declarations = selectors.declarations_for_user(request.user).order_by("-created")[:200]
    return render(request, "declarations/list.html", {"declarations": declarations})


def _initial_rows(declaration: Declaration | None) -> tuple[list[dict], list[dict]]:
    if declaration is None:
        return [], []
    cargo = [
        {k: getattr(line, k) for k in CARGO_FIELDS if k in CargoLineForm.base_fields}
        for line in declaration.cargo_lines.all()
    ]
    boxes = [{"number": c.number, "size_ft": c.size_ft} for c in declaration.containers.all()]
    return cargo, boxes


def _edit(request: HttpRequest, declaration: Declaration | None) -> HttpResponse:
    company = selectors.operator_company(request.user)
    cargo_initial, box_initial = _initial_rows(declaration)
    header_initial = (
        {
            "vehicle": declaration.vehicle_id,
            "driver": declaration.driver_id,
            "gate": declaration.gate.code,
            "direction": declaration.direction,
            "planned_date": declaration.planned_date,
            "delivery_mode": declaration.delivery_mode,
            "temporary_import": declaration.temporary_import,
        }  # fmt: skip
        if declaration
        else {}
    )
    data = request.POST if request.method == "POST" else None
    form = DeclarationForm(data, company=company, initial=header_initial)
    cargo = CargoFormSet(data, prefix="cargo", initial=cargo_initial)
    containers = ContainerFormSet(data, prefix="containers", initial=box_initial)
    shown = page_errors(request, form)
    if data is not None and form.is_valid() and cargo.is_valid() and containers.is_valid():
        fields = dict(form.cleaned_data)
        with shown:
            if declaration is None:
                declaration = services.declaration_create(
                    actor=request.user,
                    cargo_lines=formset_rows(cargo),
                    containers=formset_rows(containers),
                    **fields,
                )
                messages.success(request, _("Draft %(number)s saved.") % {"number": declaration.number})
            else:
                services.declaration_update(
                    actor=request.user,
                    declaration=declaration,
                    cargo_lines=formset_rows(cargo),
                    containers=formset_rows(containers),
                    **fields,
                )
                messages.success(request, _("Declaration %(number)s saved.") % {"number": declaration.number})
            return redirect("declarations:detail", pk=declaration.pk)
    return render(
        request,
        "declarations/form.html",
        {"form": form, "cargo": cargo, "containers": containers, "declaration": declaration},
        status=shown.status,
    )


@login_required
def declaration_new(request: HttpRequest) -> HttpResponse:
    return _edit(request, None)


@login_required
def declaration_edit(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = _own(request, pk)
    if declaration.state not in selectors.EDITABLE_STATES:
        messages.error(request, _("Only a draft or a returned declaration can be edited."))
        return redirect("declarations:detail", pk=pk)
    return _edit(request, declaration)


@login_required
@require_GET
def declaration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = _own(request, pk)
    return render(
        request,
        "declarations/detail.html",
        {
            **status_context(request.user, declaration),
            "document_form": DocumentForm(),
            "panels": panels_for(request, declaration),
        },
    )


def status_context(user: Any, declaration: Declaration) -> dict[str, Any]:
    """What the live parts of the detail page show (declarations/live/), for the page and for
    `declaration_status`, which serves them alone every few seconds."""
    actions = selectors.declaration_actions(user, declaration)
    step = words.next_step(declaration, booking=live_booking(declaration))
    return {
        "declaration": declaration,
        "channel_text": words.channel_text(declaration),
        "zone": declaration.gate.timezone,  # times as written at the gate
        "reviews": [
            {
                "id": r.pk,
                "agency": r.agency,
                "agency_label": str(r.get_agency_display()),
                "state": r.state,
                "state_label": str(r.get_state_display()),
                "note": words.review_note_text(r),
            }
            for r in declaration.reviews.all()
        ],
        "actions": actions,
        "step": {
            "tone": step.tone,
            "happened": step.happened,
            "detail": step.detail,
            "next": step.next,
            # Buttons of the step the owner may really use now (copy and book are always theirs).
            "actions": [a for a in step.actions if a in actions or a in ("copy", "book", "ticket")],
        },
        # Still able to change (django-fsm offers a transition from its state): keep polling.
        "live": any(
            True for _t in get_available_FIELD_transitions(declaration, Declaration._meta.get_field("state"))
        ),
    }


@login_required
@require_POST
def declaration_copy(request: HttpRequest, pk: int) -> HttpResponse:
    """Copy a declaration into a new draft and open it for editing."""
    declaration = _own(request, pk)
    with page_errors(request):
        copy = services.declaration_copy(actor=request.user, declaration=declaration)
        messages.success(
            request,
            _("New draft %(new)s copied from %(old)s: check it, then submit it.")
            % {"new": copy.number, "old": declaration.number},
        )
        return redirect("declarations:edit", pk=copy.pk)
    return redirect("declarations:detail", pk=pk)


@login_required
@require_GET
@never_cache
def declaration_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The live parts of the detail page alone (declarations/live/_status.html), for htmx."""
    declaration = _own(request, pk)
    return render(request, "declarations/live/_status.html", status_context(request.user, declaration))


OWNER_ACTIONS: dict[str, tuple[Callable[..., Any], StrOrPromise]] = {
    "submit": (services.declaration_submit, gettext_lazy("Declaration %(number)s submitted.")),
    "resubmit": (services.declaration_resubmit, gettext_lazy("Declaration %(number)s submitted again.")),
    "cancel": (services.declaration_cancel, gettext_lazy("Declaration %(number)s cancelled.")),
}


@login_required
@require_POST
def declaration_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    declaration = _own(request, pk)
    if action not in OWNER_ACTIONS:
        raise Http404
    service, done = OWNER_ACTIONS[action]
    kwargs = {"note": request.POST.get("note", "")} if action == "cancel" else {}
    with page_errors(request):
        service(actor=request.user, declaration=declaration, **kwargs)
        messages.success(request, str(done) % {"number": declaration.number})
    return redirect("declarations:detail", pk=pk)


@login_required
@require_POST
def document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = _own(request, pk)
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(str(m) for errs in form.errors.values() for m in errs))
        return redirect("declarations:detail", pk=pk)
    with page_errors(request):
        services.document_add(
            actor=request.user,
            declaration=declaration,
            kind=form.cleaned_data["kind"],
            file=form.cleaned_data["file"],
        )
        messages.success(request, _("Document added."))
    return redirect("declarations:detail", pk=pk)


@login_required
@require_POST
def document_delete(request: HttpRequest, pk: int, doc_pk: int) -> HttpResponse:
    declaration = _own(request, pk)
    document = declaration.documents.filter(pk=doc_pk).first()
    if document is None:
        raise Http404
    with page_errors(request):
        services.document_remove(actor=request.user, document=document)
        messages.success(request, _("Document removed."))
    return redirect("declarations:detail", pk=pk)


@login_required
@require_GET
def document_download(request: HttpRequest, pk: int, doc_pk: int) -> FileResponse:
    """Owners and the officers who see the declaration; served with the type read at upload, as
    an attachment in a sandbox (docs/security.md): a document never runs on the app's origin.
    The officers' review page previews through `document_preview` instead."""
    declaration = selectors.declarations_for_user(request.user).filter(pk=pk).first()
    document = declaration.documents.filter(pk=doc_pk).first() if declaration else None
    if document is None:
        raise Http404
    response = FileResponse(document.file.open("rb"), content_type=document.content_type)
    response["Content-Disposition"] = f'attachment; filename="{document.file.name.rsplit("/", 1)[-1]}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


# The preview is framed by the admin's review page (same origin) and by nothing else.
_PREVIEW_SANDBOXED = "sandbox; default-src 'none'; frame-ancestors 'self'"
# Chromium shows no PDF in a sandboxed frame: a PDF that parses and has no JavaScript or launch
# action (`pdf_is_plain`, the upload check) is shown inline unsandboxed, with nothing it may load.
_PREVIEW_PDF = "default-src 'none'; frame-ancestors 'self'"


def document_preview(document: Any) -> HttpResponse:
    """A document inline for the officers' review page (the admin's preview URL, scoped there):
    images in a sandbox, plain PDFs unsandboxed, anything else a sentence instead."""
    with document.file.open("rb") as handle:
        data = handle.read()
    mime = document.content_type
    if mime.startswith("image/"):
        response = HttpResponse(data, content_type=mime)
        response["Content-Security-Policy"] = _PREVIEW_SANDBOXED
    elif mime == "application/pdf" and pdf_is_plain(data):
        response = HttpResponse(data, content_type=mime)
        response["Content-Security-Policy"] = _PREVIEW_PDF
    else:
        text = _("No preview of this document: open it with its link.")
        response = HttpResponse(text, content_type="text/plain; charset=utf-8")
        response["Content-Security-Policy"] = _PREVIEW_SANDBOXED
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Frame-Options"] = "SAMEORIGIN"
    response["Cache-Control"] = "private, no-store"
    return response
