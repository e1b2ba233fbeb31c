"""Strings of Django's admin and auth pages that Django's own Vietnamese (and some Chinese)
catalogues lack. Listed here so that `makemessages` puts them in our catalogue, whose
translations win (LOCALE_PATHS come first): officers see no English in the admin.

Nothing imports this module; it exists for the catalogue. Keep the msgids exactly as Django
writes them (`tests/admin/test_languages.py` finds any that is missing).
"""

from django.utils.translation import gettext_noop, ngettext_lazy

DJANGO_ADMIN_STRINGS = [
    gettext_noop("Select this object for an action - {}"),
    gettext_noop("Breadcrumbs"),
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
    gettext_noop("Error:"),
    gettext_noop("Set password"),
    gettext_noop("This action will <strong>enable</strong> password-based authentication for this user."),
    gettext_noop("Disable password-based authentication"),
    gettext_noop("Enable password-based authentication"),
    gettext_noop("Skip to main content"),
    gettext_noop("Hide counts"),
    gettext_noop("Show counts"),
    gettext_noop("Toggle theme (current theme: auto)"),
    gettext_noop("Toggle theme (current theme: light)"),
    gettext_noop("Toggle theme (current theme: dark)"),
    gettext_noop("Added:"),
    gettext_noop("Changed:"),
    gettext_noop("Deleted:"),
    gettext_noop("Forgotten your login credentials?"),
    gettext_noop("Toggle navigation"),
    gettext_noop("Sidebar"),
    gettext_noop("Filter navigation items"),
    gettext_noop("View selected %(model)s"),
    gettext_noop("In case you’ve forgotten, you are:"),
    gettext_noop("Select all objects on this page for an action"),
    # django.contrib.auth
    gettext_noop("Conflicting form data submitted. Please try again."),
    gettext_noop("Password-based authentication was disabled."),
    gettext_noop("Set password: %s"),
    gettext_noop("Reset password"),
    gettext_noop(
        "Whether the user will be able to authenticate using a password or not. If disabled, they "
        "may still be able to authenticate using other backends, such as Single Sign-On or LDAP."
    ),
    gettext_noop("Password-based authentication"),
    gettext_noop("Enabled"),
    gettext_noop("Disabled"),
    gettext_noop("Raw passwords are not stored, so there is no way to see the user’s password."),
    gettext_noop("Enable password-based authentication for this user by setting a password."),
]
DJANGO_ADMIN_PLURALS = [
    ngettext_lazy("entry", "entries"),
    # django.utils.timesince (the queue's "waiting" and "late"): missing in Django's Vietnamese
    ngettext_lazy("%(num)d year", "%(num)d years", "num"),
    ngettext_lazy("%(num)d month", "%(num)d months", "num"),
    ngettext_lazy("%(num)d week", "%(num)d weeks", "num"),
    ngettext_lazy("%(num)d day", "%(num)d days", "num"),
    ngettext_lazy("%(num)d hour", "%(num)d hours", "num"),
    ngettext_lazy("%(num)d minute", "%(num)d minutes", "num"),
]
