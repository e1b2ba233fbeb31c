"""Who may act on a declaration or a review: the predicates the transitions declare
(`permission=` in `declarations.models`) and the selectors and services check.

A floor below the models (it reads users, companies and gates only), so the models can name
these predicates without importing the selectors that read the models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cuakhau.accounts.roles import AGENCY_ROLE, Agency, Role, user_has_role
from vehicles.selectors import agency_for_user, company_for_user, gate_ids_for_user

if TYPE_CHECKING:
    from .models import AgencyReview, Declaration


def officer_agency(user: Any) -> str:
    """The agency of an officer (customs, border guard, quarantine); '' for anyone else."""
    agency = agency_for_user(user)
    if agency in Agency.values and user_has_role(user, AGENCY_ROLE[Agency(agency)]):
        return agency
    return ""


def is_owner(user: Any, declaration: Declaration) -> bool:
    company = company_for_user(user)
    return bool(company and user_has_role(user, Role.OPERATOR) and declaration.company_id == company.pk)


def may_decide(user: Any, review: AgencyReview, gate_id: int | None = None) -> bool:
    """An officer of the review's agency working at the declaration's gate."""
    agency = officer_agency(user)
    gate_id = gate_id if gate_id is not None else review.declaration.gate_id
    return bool(agency) and agency == review.agency and gate_id in gate_ids_for_user(user)
