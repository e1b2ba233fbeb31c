"""Translations: Vietnamese by default, Chinese on request, and .po/.mo files that cannot break a page.

The .po files are parsed here by hand (no polib in the requirements) so the checks run anywhere.
"""

from __future__ import annotations

import ast
import gettext
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

import cuakhau.settings as project_settings

LOCALE = Path(settings.BASE_DIR) / "locale"
PO_FILES = sorted(LOCALE.glob("*/LC_MESSAGES/*.po"))
TRANSLATED = ("vi", "zh_Hans")  # English is the source language: its msgstr stay empty
PLACEHOLDER = re.compile(
    r"%\([A-Za-z_]\w*\)[-#0 +]*\d*(?:\.\d+)?[sdfir]|%[-#0 +]*\d*(?:\.\d+)?[sdfir]|\{[A-Za-z_]\w*\}"
)


def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file: msgid, msgid_plural, msgstr (list), flags; obsolete ones left out."""
    entries: list[dict] = []
    entry: dict = {}
    key = None

    def close() -> None:
        nonlocal entry
        if "msgid" in entry:
            entries.append(entry)
        entry = {}

    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        if line.startswith("#"):  # a comment starts the next entry; "#~" entries are obsolete
            if "msgid" in entry:
                close()
            key = None
            if line.startswith("#,"):
                entry.setdefault("flags", set()).update(f.strip() for f in line[2:].split(","))
            continue
        match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(\".*\")$", line)
        if match:
            key, text = match.group(1), ast.literal_eval(match.group(2))
            if key in ("msgid", "msgctxt") and "msgstr" in entry:
                close()
            if key.startswith("msgstr"):
                entry.setdefault("msgstr", []).append(text)
            else:
                entry[key] = text
        elif line.startswith('"'):
            text = ast.literal_eval(line)
            if key and key.startswith("msgstr"):
                entry["msgstr"][-1] += text
            elif key:
                entry[key] += text
        else:
            raise AssertionError(f"{path}: unreadable line {line!r}")
    close()
    return entries


def placeholders(text: str) -> Counter:
    return Counter(PLACEHOLDER.findall(text.replace("%%", "")))


def language_of(path: Path) -> str:
    return path.parent.parent.name


def test_the_locale_holds_vietnamese_english_and_chinese() -> None:
    assert {language_of(p) for p in PO_FILES} >= {"vi", "en", "zh_Hans"}


def test_the_login_page_is_vietnamese_by_default(client, db) -> None:  # type: ignore[no-untyped-def]
    # The project's own default, not one a fixture set; and a browser sending no preference.
    assert project_settings.LANGUAGE_CODE == "vi"
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="").content.decode()
    assert '<html lang="vi">' in page
    assert "Tên đăng nhập" in page and "Mật khẩu" in page
    assert "Username" not in page


def test_the_login_page_is_chinese_with_the_language_cookie(client, db) -> None:  # type: ignore[no-untyped-def]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="").content.decode()
    assert '<html lang="zh-hans">' in page
    assert "用户名" in page and "密码" in page


def test_a_chinese_phone_gets_chinese_without_choosing(client, db) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()
    assert "用户名" in page


def test_messages_from_python_code_follow_the_active_language() -> None:
    with translation.override("vi"):
        assert _("This slot is full.") == "Khung giờ này đã hết chỗ."
    with translation.override("zh-hans"):
        assert _("This slot is full.") == "此时段已满。"
    with translation.override("en"):
        assert _("This slot is full.") == "This slot is full."


@pytest.mark.parametrize("path", PO_FILES, ids=lambda p: language_of(p))
def test_every_po_file_compiles(path: Path, tmp_path: Path) -> None:
    if shutil.which("msgfmt"):
        result = subprocess.run(
            ["msgfmt", "--check", "-o", str(tmp_path / "out.mo"), str(path)], capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
    assert parse_po(path), f"{path} has no entries"


@pytest.mark.parametrize("path", PO_FILES, ids=lambda p: language_of(p))
def test_the_committed_mo_file_matches_its_po_file(path: Path) -> None:
    # The .mo files are committed so a machine without gettext serves translations: a .po edited
    # without compilemessages would silently show stale text.
    with path.with_suffix(".mo").open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)
    for entry in parse_po(path):
        if not entry["msgid"] or "fuzzy" in entry.get("flags", ()) or not all(entry["msgstr"]):
            continue
        if "msgid_plural" in entry:
            assert catalog.ngettext(entry["msgid"], entry["msgid_plural"], 1) == entry["msgstr"][0]
        else:
            assert catalog.gettext(entry["msgid"]) == entry["msgstr"][0], entry["msgid"]


@pytest.mark.parametrize("path", [p for p in PO_FILES if language_of(p) in TRANSLATED], ids=language_of)
def test_no_translation_drops_or_invents_a_placeholder(path: Path) -> None:
    wrong = []
    for entry in parse_po(path):
        for text in entry["msgstr"]:
            if entry["msgid"] and text and placeholders(text) != placeholders(entry["msgid"]):
                wrong.append((entry["msgid"], text))
    assert wrong == []


@pytest.mark.parametrize("path", [p for p in PO_FILES if language_of(p) in TRANSLATED], ids=language_of)
def test_every_string_is_translated_and_checked(path: Path) -> None:
    entries = [e for e in parse_po(path) if e["msgid"]]
    assert [e["msgid"] for e in entries if not all(e["msgstr"])] == []
    assert [e["msgid"] for e in entries if "fuzzy" in e.get("flags", ())] == []


@pytest.mark.parametrize("path", [p for p in PO_FILES if language_of(p) in TRANSLATED], ids=language_of)
def test_vietnamese_and_chinese_have_one_plural_form(path: Path) -> None:
    header = next(e for e in parse_po(path) if e["msgid"] == "")["msgstr"][0]
    assert "Plural-Forms: nplurals=1; plural=0;" in header
    assert all(len(e["msgstr"]) == 1 for e in parse_po(path) if "msgid_plural" in e)


def test_the_placeholder_check_catches_a_dropped_placeholder(tmp_path: Path) -> None:
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=1; plural=0;\\n"\n\n'
        '#, python-format\nmsgid "Vehicle %(plate)s saved."\nmsgstr "Đã lưu phương tiện."\n',
        encoding="utf-8",
    )
    (entry,) = [e for e in parse_po(po) if e["msgid"]]
    assert placeholders(entry["msgstr"][0]) != placeholders(entry["msgid"])
