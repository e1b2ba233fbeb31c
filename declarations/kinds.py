"""The kinds a declarant or a manager picks from: documents and routing rules.

A floor below the models: the check of a rule's value (`declarations.rule_values`) reads them,
and the models use it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    INVOICE = "invoice", _("Commercial invoice")
    PACKING_LIST = "packing_list", _("Packing list")
    PHYTOSANITARY = "phytosanitary", _("Phytosanitary certificate")
    HEALTH = "health", _("Health certificate")
    ORIGIN = "origin", _("Certificate of origin (C/O)")
    OTHER = "other", _("Other")


class RuleKind(models.TextChoices):
    QUARANTINE_CHAPTERS = "quarantine_chapters", _("Quarantine HS chapters (replaces the default)")
    QUARANTINE_PREFIXES = "quarantine_prefixes", _("Quarantine HS prefixes (added)")
    RED_PREFIXES = "red_prefixes", _("Red channel: HS prefixes")
    YELLOW_PREFIXES = "yellow_prefixes", _("Yellow channel: HS prefixes")
    FIRST_DECLARATION_YELLOW = "first_declaration_yellow", _("Yellow channel: first declaration of a company")
    SAMPLE_RED = "sample_red", _("Red channel: random sample rate")
    REQUIRED_DOCUMENT = "required_document", _("Required document before submit")
