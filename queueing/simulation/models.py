"""A kept scenario: what a manager asked, how the run went, what it found.

The run itself lives and dies in a database of its own (rundb.py); the live database keeps only
this row, with the report as JSON, so scenarios can be listed and compared later.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from cuakhau.transitions.permissions import by_system


class ScenarioState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


S = ScenarioState


class Scenario(ConcurrentTransitionMixin, models.Model):
    name = models.CharField(_("name"), max_length=120)
    gate = models.CharField(_("gate"), max_length=20, help_text=_("A gate code, or ALL"))
    params = models.JSONField(_("parameters"), default=dict)
    baseline = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="variants",
        verbose_name=_("compared with"),
    )
    state = FSMField(_("state"), default=S.QUEUED, choices=S.choices, protected=True, max_length=10)
    progress = models.FloatField(_("progress"), default=0.0)
    progress_text = models.CharField(_("progress note"), max_length=80, blank=True)
    results = models.JSONField(_("results"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("scenario")

    def __str__(self) -> str:
        return f"{self.name} ({self.gate})"

    @property
    def elapsed_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None

    @transition(field=state, source=S.QUEUED, target=S.RUNNING, permission=by_system)
    def start(self) -> None:
        self.started_at = timezone.now()

    @transition(field=state, source=S.RUNNING, target=S.DONE, permission=by_system)
    def finish(self, *, results: dict) -> None:
        self.results = results
        self.progress = 1.0
        self.finished_at = timezone.now()

    @transition(field=state, source=[S.QUEUED, S.RUNNING], target=S.FAILED, permission=by_system)
    def fail(self, *, error: str) -> None:
        self.error = error
        self.finished_at = timezone.now()
