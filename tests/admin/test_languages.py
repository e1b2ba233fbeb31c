"""Every admin page a role can open reads in its language: no English left in vi or zh pages.

The walk: for each role (customs officer, gate manager, gate staff, superuser) and each of
Vietnamese and Chinese, the admin home, every app page, every changelist, the add form where
they may add, and the change page of the first row. A piece of visible text is "left in
English" when it is made only of English words of the message catalogues (ours and Django's
msgids) — that is how an untranslated string, a field without a translatable name ("Channel
reason") or an automatic plural ("Lái xes") shows. Data (plates, codes, names, numbers) is
never a sentence of catalogue words.
"""

from __future__ import annotations

import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import django
import pytest
from django.conf import settings
from django.contrib import admin
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from cuakhau.accounts.roles import Agency, Role

pytestmark = pytest.mark.django_db

# Role groups are named by their code (the code the system looks them up by): data, like a
# gate's code. Their labels are what the users list shows.
ROLE_CODES = {str(role) for role in Role.values}
# Words that read the same in every language of the product (names, units, standards).
SAME_IN_EVERY_LANGUAGE = {"hs", "vnd", "usd", "iso", "ft", "kg", "id"}
_PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|\{\w*\}|<[^>]*>")
_NUMBER = re.compile(r"[\d.,:/%]+")
_WORD = re.compile(r"[^\W\d_]+(?:'[a-z]+)?", re.UNICODE)


def _catalogue_words(path: Path, keyword: str) -> set[str]:
    """Words of every `msgid` (or `msgstr`) of a .po file, lower case."""
    words: set[str] = set()
    inside = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):  # comments and obsolete entries (#~) are no text of the catalogue
            inside = False
            continue
        if line.startswith(("msgid", "msgstr")):
            inside = line.startswith(keyword)  # msgid also covers msgid_plural
        if inside and '"' in line and not line.startswith('"Content-'):
            text = _PLACEHOLDER.sub(" ", line.split('"', 1)[-1])
            words.update(w.lower() for w in _WORD.findall(text))
    return words


@cache
def english_vocabulary(language: str) -> frozenset[str]:
    """Every word of the English msgids of the catalogues the admin uses, except the words our
    translators kept in `language` on purpose (a loanword such as "container", "VietQR")."""
    root = Path(django.__file__).parent
    ours = Path(settings.BASE_DIR) / "locale"
    sources = [
        ours / "en" / "LC_MESSAGES" / "django.po",
        root / "conf" / "locale" / "en" / "LC_MESSAGES" / "django.po",
    ]
    sources += list((root / "contrib").glob("*/locale/en/LC_MESSAGES/django.po"))
    english = set().union(*(_catalogue_words(path, "msgid") for path in sources))
    kept = _catalogue_words(ours / translation.to_locale(language) / "LC_MESSAGES" / "django.po", "msgstr")
    return frozenset(english - kept - SAME_IN_EVERY_LANGUAGE)


class _VisibleText(HTMLParser):
    """Text nodes and the attributes people read (title, placeholder, aria-label, alt).

    A subtree marked with another `lang` (a language's own name in the switcher) is skipped.
    """

    SKIP = {"script", "style", "textarea", "svg"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}

    def __init__(self, language: str) -> None:
        super().__init__()
        self.language = language
        self.stack: list[tuple[str, bool]] = []
        self.texts: list[str] = []

    def _hidden(self) -> bool:
        return any(skip for _tag, skip in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        other_lang = bool(values.get("lang")) and tag != "html" and values["lang"] != self.language
        # Django writes the alt text of its yes/no icons as the Python value, in no language.
        boolean_icon = tag == "img" and "/admin/img/icon-" in (values.get("src") or "")
        if not self._hidden() and not other_lang and not boolean_icon:
            for name in ("title", "placeholder", "aria-label", "alt"):
                if values.get(name):
                    self.texts.append(values[name] or "")
            if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
                self.texts.append(values["value"] or "")
        if tag not in self.VOID:
            self.stack.append((tag, tag in self.SKIP or other_lang))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self._hidden() and data.strip():
            self.texts.append(data.strip())


def english_left(html: str, language: str) -> list[str]:
    vocabulary = english_vocabulary(language)
    parser = _VisibleText(language)
    parser.feed(html)
    left = []
    for text in parser.texts:
        tokens = text.split()
        words = [t.strip(".,:;!?()[]«»\"'…›‹/|*+—–-").lower() for t in tokens]
        words = [w for w in words if w and not _NUMBER.fullmatch(w)]  # "0 minutes" is English
        if text in ROLE_CODES or text.removeprefix("› ") in ROLE_CODES:
            continue
        if not words or any(not w.isascii() or not w.isalpha() for w in words):
            continue  # not a sentence of plain ASCII words: data, codes or translated text
        if any(w in SAME_IN_EVERY_LANGUAGE for w in words) and len(words) == 1:
            continue
        if all(w in vocabulary for w in words) and (len(words) > 1 or len(words[0]) > 3):
            left.append(text)
    return sorted(set(left))


# --- the pages ---------------------------------------------------------------------------------
def _users() -> dict[str, object]:
    from django.contrib.auth.models import User

    return {
        "customs": User.objects.get(username="demo-customs"),
        "gate_manager": User.objects.get(username="demo-manager"),
        "gate_staff": User.objects.get(username="demo-gate-staff"),
        "superuser": User.objects.get(username="demo-admin"),
    }


def admin_pages(user) -> list[str]:  # type: ignore[no-untyped-def]
    """The admin home, and for every model this user may view: its app, list, add form (when
    they may add) and first row."""
    request = RequestFactory().get("/admin/")
    request.user = user
    pages = ["/admin/"]
    for model, model_admin in admin.site._registry.items():
        if not model_admin.has_view_permission(request):
            continue
        opts = model._meta
        app = reverse("admin:app_list", args=[opts.app_label])
        if app not in pages:
            pages.append(app)
        pages.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        if model_admin.has_add_permission(request):
            pages.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
        first = model_admin.get_queryset(request).order_by("pk").first()
        if first is not None:
            try:
                pages.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk]))
            except NoReverseMatch:
                pass
    return pages


@pytest.mark.parametrize("language", ["vi", "zh-hans"])
@pytest.mark.parametrize("role", ["customs", "gate_manager", "gate_staff", "superuser"])
def test_every_admin_page_a_role_opens_has_no_english_left(client, demo, role, language):
    user = _users()[role]
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    found: dict[str, list[str]] = {}
    pages = admin_pages(user)
    assert len(pages) > 3
    for url in pages:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, (url, response.status_code)
        left = english_left(response.content.decode(), language)
        if left:
            found[url] = left
    assert found == {}


def test_the_detector_finds_an_english_field_name_and_ignores_data():
    html = (
        '<html lang="vi"><body><th>Channel reason</th><td>29C-123.45</td><td>Hữu Nghị</td>'
        '<td>TK0000012</td><option lang="en">English</option><p>Tờ khai</p></body></html>'
    )
    assert english_left(html, "vi") == ["Channel reason"]
    assert english_left("<td>0\xa0minutes</td><td>12:05</td>", "vi") == ["0\xa0minutes"]
    assert english_left('<p>Approve</p><p title="Show counts">3</p>', "zh-hans") == ["Approve", "Show counts"]


def test_the_role_users_exist_for_the_walk(demo):
    users = _users()
    assert users["customs"].staff_assignment.agency == Agency.CUSTOMS
    assert users["gate_manager"].groups.filter(name=Role.GATE_MANAGER).exists()
