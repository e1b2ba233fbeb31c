"""Portal pages of the registries: sign-up, home, company, drivers, vehicles, profile, language.

Thin on purpose: each page reads through the selectors (scoped to the caller's company, so
another company's row is a 404) and writes through one service, whose field errors are put back
on the form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import check_for_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from cuakhau.accounts.models import profile_for
from cuakhau.errors import page_errors

from . import selectors, services
from .forms import CompanyForm, DriverForm, ProfileForm, SignUpForm, VehicleForm
from .models import Company
from .plates import canonical_plate
from .portal import company_required, is_officer, sections_for, work_home

PAGE_SIZE = 50

StrOrPromise = str | Promise


operator_required = company_required(
    gettext_lazy("Register your company first to manage drivers and vehicles.")
)


def _remember_language(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE or 365 * 24 * 3600,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


# --- Sign-up, home, language, profile ------------------------------------------------------


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("portal-home")
    form = SignUpForm(request.POST or None, initial={"language": translation.get_language()})
    shown = page_errors(request, form, rename={"password": "password1"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with shown:
            user = services.company_sign_up(
                username=data["username"],
                password=data["password1"],
                email=data["email"],
                company_name=data["company_name"],
                tax_code=data["tax_code"],
                address=data["address"],
                phone=data["phone"],
                language=data["language"],
            )
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! Your company is registered."))
            response = redirect("portal-home")
            _remember_language(response, data["language"])
            return response
    return render(request, "registration/signup.html", {"form": form}, status=shown.status)


@login_required
def portal_home(request: HttpRequest) -> HttpResponse:
    company = selectors.company_for_user(request.user)
    if company is None and is_officer(request.user):
        # Officers work in the admin's queue: send them there, not to a menu of operators' pages.
        # Gate staff and managers stay: the home lists their kiosks, boards and dashboard.
        return redirect(work_home(request.user).url)
    context: dict[str, Any] = {"company": company, "sections": sections_for(request)}
    if company is not None:
        context["driver_count"] = company.drivers.count()
        context["vehicle_count"] = company.vehicles.count()
    return render(request, "portal/home.html", context)


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Django's ``set_language`` (cookie or session), and the profile of a signed-in user.

    The profile is what notifications are written in, so an e-mail or SMS follows the language
    the user last chose on screen.
    """
    response = set_language(request)
    language = request.POST.get("language", "")
    if (
        request.user.is_authenticated
        and check_for_language(language)
        and language in dict(settings.LANGUAGES)
    ):
        services.profile_update(user=request.user, language=language)
    return response


@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    """Language and notification channels of the signed-in user (operators and staff alike)."""
    profile = profile_for(request.user)
    initial = {
        "language": profile.language,
        "phone": profile.phone,
        "notify_email": profile.notify_email,
        "notify_sms": profile.notify_sms,
    }
    form = ProfileForm(request.POST or None, initial=initial)
    shown = page_errors(request, form)
    if request.method == "POST" and form.is_valid():
        with shown:
            services.profile_update(user=request.user, **form.cleaned_data)
            translation.activate(form.cleaned_data["language"])
            messages.success(request, _("Your settings are saved."))
            response = redirect("portal-profile")
            _remember_language(response, form.cleaned_data["language"])
            return response
    return render(request, "portal/profile.html", {"form": form, "profile": profile}, status=shown.status)


# --- Company -------------------------------------------------------------------------------


@login_required
def company_edit(request: HttpRequest) -> HttpResponse:
    """Edit the caller's company, or register one when a signed-in user has none yet."""
    company = selectors.company_for_user(request.user)
    initial = {f: getattr(company, f) for f in services.COMPANY_FIELDS} if company else None
    form = CompanyForm(request.POST or None, initial=initial)
    shown = page_errors(request, form)
    if request.method == "POST" and form.is_valid():
        with shown:
            if company is None:
                services.company_create_for_user(user=request.user, data=form.cleaned_data)
                messages.success(request, _("Your company is registered."))
            else:
                services.company_update(company=company, data=form.cleaned_data)
                messages.success(request, _("Company details saved."))
            return redirect("portal-home")
        if company is not None:
            company.refresh_from_db()  # the service normalised fields in memory before refusing
    context = {"form": form, "company": company}
    return render(request, "portal/company_form.html", context, status=shown.status)


# --- Drivers and vehicles ------------------------------------------------------------------


@dataclass(frozen=True)
class _Registry:
    """What differs between the driver pages and the vehicle pages; the pages are shared.

    Rows are read through the registry's selector (another company's row is a 404) and written
    through its services, whose field errors are put back on the form.
    """

    name: str  # the template context key of the row being edited
    form: type[forms.Form]
    fields: tuple[str, ...]  # what the form edits, for its initial values
    rows: Callable[[Any], QuerySet[Any]]
    create: Callable[..., Any]  # (company=..., **cleaned_data)
    update: Callable[[Any, dict[str, Any]], Any]
    delete: Callable[[Any], None]
    label: Callable[[Any], dict[str, str]]  # the parameters of the messages below
    added: StrOrPromise
    saved: StrOrPromise
    deleted: StrOrPromise
    question: StrOrPromise
    template: str
    list_url: str


DRIVERS = _Registry(
    name="driver",
    form=DriverForm,
    fields=services.DRIVER_FIELDS,
    rows=selectors.drivers_for_user,
    create=services.driver_create,
    update=lambda driver, data: services.driver_update(driver=driver, data=data),
    delete=lambda driver: services.driver_delete(driver=driver),
    label=lambda driver: {"name": driver.full_name},
    added=gettext_lazy("Driver %(name)s added."),
    saved=gettext_lazy("Driver %(name)s saved."),
    deleted=gettext_lazy("Driver %(name)s deleted."),
    question=gettext_lazy("Delete this driver?"),
    template="vehicles/driver_form.html",
    list_url="portal-drivers",
)

VEHICLES = _Registry(
    name="vehicle",
    form=VehicleForm,
    fields=services.VEHICLE_FIELDS,
    rows=selectors.vehicles_for_user,
    create=services.vehicle_create,
    update=lambda vehicle, data: services.vehicle_update(vehicle=vehicle, data=data),
    delete=lambda vehicle: services.vehicle_delete(vehicle=vehicle),
    label=lambda vehicle: {"plate": vehicle.plate},
    added=gettext_lazy("Vehicle %(plate)s added."),
    saved=gettext_lazy("Vehicle %(plate)s saved."),
    deleted=gettext_lazy("Vehicle %(plate)s deleted."),
    question=gettext_lazy("Delete this vehicle?"),
    template="vehicles/vehicle_form.html",
    list_url="portal-vehicles",
)


def _form_page(
    request: HttpRequest, registry: _Registry, company: Company, pk: int | None = None
) -> HttpResponse:
    """Add a row to the company's registry (no ``pk``) or edit one of its rows."""
    row = get_object_or_404(registry.rows(request.user), pk=pk) if pk is not None else None
    initial = {f: getattr(row, f) for f in registry.fields} if row is not None else None
    form = registry.form(request.POST or None, initial=initial)
    shown = page_errors(request, form)
    if request.method == "POST" and form.is_valid():
        with shown:
            if row is None:
                saved = registry.create(company=company, **form.cleaned_data)
            else:
                saved = registry.update(row, form.cleaned_data)
            done = registry.added if row is None else registry.saved
            messages.success(request, done % registry.label(saved))
            return redirect(registry.list_url)
        if row is not None:
            row.refresh_from_db()  # the service normalised fields in memory before refusing
    return render(request, registry.template, {"form": form, registry.name: row}, status=shown.status)


def _delete_page(request: HttpRequest, registry: _Registry, pk: int) -> HttpResponse:
    """Ask, then delete; a row that declarations refer to stays, with the service's reason."""
    row = get_object_or_404(registry.rows(request.user), pk=pk)
    if request.method != "POST":
        context = {"object": row, "question": registry.question, "back": registry.list_url}
        return render(request, "vehicles/confirm_delete.html", context)
    with page_errors(request):
        registry.delete(row)
        messages.success(request, registry.deleted % registry.label(row))
    return redirect(registry.list_url)


@operator_required
def driver_list(request: HttpRequest, company: Company) -> HttpResponse:
    drivers = selectors.drivers_for_user(request.user)
    page = Paginator(drivers, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "vehicles/driver_list.html", {"company": company, "page": page})


@operator_required
def driver_create(request: HttpRequest, company: Company) -> HttpResponse:
    return _form_page(request, DRIVERS, company)


@operator_required
def driver_edit(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    return _form_page(request, DRIVERS, company, pk)


@operator_required
def driver_delete(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    return _delete_page(request, DRIVERS, pk)


@operator_required
def vehicle_list(request: HttpRequest, company: Company) -> HttpResponse:
    vehicles = selectors.vehicles_for_user(request.user)
    query = request.GET.get("q", "").strip()
    if query:
        vehicles = vehicles.filter(plate_canonical__contains=canonical_plate(query))
    page = Paginator(vehicles, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "vehicles/vehicle_list.html", {"company": company, "page": page, "q": query})


@operator_required
def vehicle_create(request: HttpRequest, company: Company) -> HttpResponse:
    return _form_page(request, VEHICLES, company)


@operator_required
def vehicle_edit(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    return _form_page(request, VEHICLES, company, pk)


@operator_required
def vehicle_delete(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    return _delete_page(request, VEHICLES, pk)
