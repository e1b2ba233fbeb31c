"""The manager's scenario form: the knobs of Params, in the manager's language."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from cuakhau.errors import DomainError

from .models import Scenario, ScenarioState
from .params import AGENCIES, ALL, DEFAULT_OFFICERS, DEFAULT_REVIEW_MINUTES, GATES, Params

AGENCY_LABELS = {
    "customs": _("Customs"),
    "border_guard": _("Border guard"),
    "quarantine": _("Quarantine"),
}


class ScenarioForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    gate = forms.ChoiceField(label=_("Gate"))
    days = forms.IntegerField(label=_("Days"), min_value=1, max_value=14, initial=1)
    trucks = forms.IntegerField(
        label=_("Trucks a day"), min_value=1, max_value=20000, required=False,
        help_text=_("Empty: a typical day of the gate"),
    )  # fmt: skip
    seed = forms.IntegerField(label=_("Seed"), initial=7, help_text=_("The same seed gives the same trucks"))
    start = forms.DateField(
        label=_("First day"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    partner_accepts = forms.IntegerField(
        label=_("Trucks a day the partner side accepts"), min_value=0, required=False,
        help_text=_("Empty: the usual figure"),
    )  # fmt: skip
    capacity_factor = forms.FloatField(
        label=_("Capacity factor"), min_value=0.1, max_value=10, initial=1.0,
        help_text=_("Booking capacity and lane release × this (1.2 = a fifth more)"),
    )  # fmt: skip
    no_show_rate = forms.FloatField(label=_("No-show rate"), min_value=0, max_value=1, initial=0.04)
    red_rate = forms.FloatField(label=_("Red channel sample rate"), min_value=0, max_value=1, initial=0.05)
    inspection_minutes = forms.FloatField(label=_("Physical inspection, minutes"), min_value=1, initial=45)
    fruit_peak = forms.BooleanField(label=_("Fruit export season"), required=False)
    baseline = forms.ModelChoiceField(
        label=_("Compare with"), queryset=Scenario.objects.none(), required=False
    )

    def __init__(self, *args: Any, gates: list[str], scenarios: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, Any]] = [(g, g) for g in GATES if g in gates]
        if set(GATES) <= set(gates):
            choices.append((ALL, _("All four gates")))
        cast(forms.ChoiceField, self.fields["gate"]).choices = choices
        cast(forms.ModelChoiceField, self.fields["baseline"]).queryset = scenarios.filter(
            state=ScenarioState.DONE
        )
        for agency in AGENCIES:
            self.fields[f"minutes_{agency}"] = forms.FloatField(
                label=_("%(agency)s: minutes per review") % {"agency": AGENCY_LABELS[agency]},
                min_value=1,
                initial=DEFAULT_REVIEW_MINUTES[agency],
            )
            self.fields[f"officers_{agency}"] = forms.IntegerField(
                label=_("%(agency)s: officers on duty") % {"agency": AGENCY_LABELS[agency]},
                min_value=1,
                max_value=100,
                initial=DEFAULT_OFFICERS[agency],
            )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        try:
            data["params"] = Params(
                gate=data["gate"],
                days=data["days"],
                trucks=data.get("trucks"),
                seed=data["seed"],
                start=data["start"].isoformat() if data.get("start") else None,
                partner_accepts=data.get("partner_accepts"),
                capacity_factor=data["capacity_factor"],
                review_minutes={a: data[f"minutes_{a}"] for a in AGENCIES},
                officers={a: data[f"officers_{a}"] for a in AGENCIES},
                no_show_rate=data["no_show_rate"],
                red_rate=data["red_rate"],
                inspection_minutes=data["inspection_minutes"],
                fruit_peak=data.get("fruit_peak", False),
            )
        except DomainError as exc:
            raise forms.ValidationError(str(exc.detail))
        baseline = data.get("baseline")
        if baseline is not None and baseline.gate != data["gate"]:
            self.add_error("baseline", _("Compare with a scenario of the same gate."))
        return data
