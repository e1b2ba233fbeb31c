"""One service refusal, mapped the same way on a page and on the API: the same status and the
same words, in the reader's language (cuakhau/errors.py: `page_errors`, `DomainErrorMiddleware`,
`api_exception_handler`)."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.utils import translation

from cuakhau.errors import Conflict, NotAllowed, NotFound
from vehicles.models import Vehicle

pytestmark = pytest.mark.django_db

VI = "vi"


@pytest.fixture
def page(client):  # type: ignore[no-untyped-def]
    client.cookies["django_language"] = VI
    return client


@pytest.fixture
def api(api_client):  # type: ignore[no-untyped-def]
    api_client.cookies["django_language"] = VI
    return api_client


def _in(language: str, text: str) -> str:
    with translation.override(language):
        return str(translation.gettext(text))


def test_submitting_a_submitted_declaration_is_409_with_the_same_words_on_the_page_and_the_api(
    page, api, owner, company
):
    from tests.factories import DeclarationFactory

    declaration = DeclarationFactory(company=company, state="submitted")
    page.force_login(owner)
    api.force_authenticate(owner)

    answer = api.post(f"/api/v1/declarations/{declaration.pk}/submit/")
    assert answer.status_code == 409 == Conflict.status_code
    body = answer.json()
    assert body["code"] == "illegal_transition"

    response = page.post(f"/portal/declarations/{declaration.pk}/submit/")
    assert response.status_code == 302 and response["Location"] == f"/portal/declarations/{declaration.pk}/"
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert shown == [body["detail"]]
    # in the reader's language: the same refusal read in English has other words
    api.cookies["django_language"] = "en"
    assert api.post(f"/api/v1/declarations/{declaration.pk}/submit/").json()["detail"] != body["detail"]


def test_another_companys_declaration_is_404_with_the_same_words(page, api, other_owner, company):
    from tests.factories import DeclarationFactory

    declaration = DeclarationFactory(company=company, state="submitted")
    page.force_login(other_owner)
    api.force_authenticate(other_owner)

    answer = api.post(f"/api/v1/declarations/{declaration.pk}/submit/")
    assert (answer.status_code, answer.json()["code"]) == (404, NotFound.code)
    words = answer.json()["detail"]
    assert words == _in(VI, "No such declaration.") != _in("en", "No such declaration.")

    response = page.get(f"/portal/declarations/{declaration.pk}/")
    assert response.status_code == 404
    assert words in response.content.decode()


def test_a_signed_in_person_without_a_company_is_403_with_the_same_words(page, api, stranger):
    page.force_login(stranger)
    api.force_authenticate(stranger)

    answer = api.post("/api/v1/declarations/1/submit/")
    assert (answer.status_code, answer.json()["code"]) == (403, NotAllowed.code)
    words = answer.json()["detail"]
    assert words == _in(VI, "Only an operator of a company can do this.")

    response = page.get("/portal/declarations/")
    assert response.status_code == 403
    assert words in response.content.decode()


def test_a_taken_plate_keeps_the_form_and_what_was_typed_with_the_apis_status_and_words(
    page, api, owner, company
):
    from tests.factories import VehicleFactory

    VehicleFactory(company=company, plate="12C-123.45")
    page.force_login(owner)
    api.force_authenticate(owner)
    typed = {
        "plate": "12c 123 45",
        "country": "",
        "kind": "truck",
        "trailer_plate": "",
        "max_gross_kg": "31000",
    }

    answer = api.post("/api/v1/vehicles/", {"plate": typed["plate"], "kind": "truck"}, format="json")
    assert (answer.status_code, answer.json()["code"]) == (400, "invalid")
    words = answer.json()["detail"]["plate"]

    response = page.post("/portal/vehicles/new/", typed)
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["plate"] == words
    html = response.content.decode()
    assert 'value="12c 123 45"' in html and 'value="31000"' in html
    assert Vehicle.objects.filter(company=company).count() == 1


def test_a_refusal_escaping_a_page_gets_its_status_and_its_words(rf, owner):
    """A Conflict no view caught (none should): the refused page, 409, with the words."""
    from django.contrib.auth.models import AnonymousUser

    from cuakhau.errors import DomainErrorMiddleware

    request = rf.post("/portal/anything/")
    request.user = AnonymousUser()
    middleware = DomainErrorMiddleware(lambda r: None)
    response = middleware.process_exception(request, Conflict("The slot is full.", code="slot_full"))
    assert response.status_code == 409
    assert "The slot is full." in response.content.decode()
    with pytest.raises(Exception) as raised:
        middleware.process_exception(request, NotFound("No such slot."))
    assert type(raised.value).__name__ == "Http404"
    assert middleware.process_exception(request, ValueError("a bug")) is None
