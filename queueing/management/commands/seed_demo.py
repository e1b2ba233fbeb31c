"""`manage.py seed_demo`: demo gates, users (one per role), two companies with a driver and a vehicle.

Idempotent: run it as often as you like (`make run` runs it on every start); it creates what is
missing and resets the demo passwords to DEMO_PASSWORD. It lives in the top app because it wires
every floor: registries first, then (added by their owners) slots and declarations.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from cuakhau.accounts.models import Profile
from cuakhau.accounts.roles import Agency, Role
from queueing.demo import seed_declarations
from queueing.models import PartnerAcceptance
from queueing.services import slots_generate
from queueing.tracking.demo import seed_positions
from vehicles import services as registry
from vehicles.models import Company, CompanyMember, Driver, Gate, StaffAssignment, Vehicle
from vehicles.plates import canonical_plate
from vehicles.seeding import ensure_seeded_gates

GATE_CODES = ["HUU_NGHI", "TAN_THANH", "CHI_MA", "COC_NAM"]


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str | None  # None: superuser without a role group
    label: str
    agency: str = ""
    first_name: str = ""
    last_name: str = ""
    language: str = "vi"


USERS = [
    DemoUser(
        "demo-operator", Role.OPERATOR, "operator, Đồng Đăng Transport", first_name="Hùng", last_name="Nguyễn"
    ),
    DemoUser(
        "demo-operator-2",
        Role.OPERATOR,
        "operator, Quế Việt Logistics",
        first_name="Minh",
        last_name="Lưu",
        language="zh-hans",
    ),
    DemoUser("demo-customs", Role.CUSTOMS, "customs officer", Agency.CUSTOMS, "Lan", "Trần Thị"),
    DemoUser(
        "demo-border-guard",
        Role.BORDER_GUARD,
        "border guard officer",
        Agency.BORDER_GUARD,
        "Dũng",
        "Hoàng Văn",
    ),
    DemoUser("demo-quarantine", Role.QUARANTINE, "quarantine officer", Agency.QUARANTINE, "Hoa", "Lý Thị"),
    DemoUser("demo-gate-staff", Role.GATE_STAFF, "gate staff (kiosk)", first_name="Tuấn", last_name="Vi Văn"),
    DemoUser("demo-manager", Role.GATE_MANAGER, "gate manager", first_name="Thắng", last_name="Lương Văn"),
    DemoUser("demo-admin", None, "superuser", first_name="Quản trị", last_name=""),
]

# Two companies as they would register: tax codes of Lạng Sơn (49...), one driver and one vehicle
# each. The second runs a Guangxi truck (桂F is Chongzuo, the prefecture facing Hữu Nghị) driven
# by a Chinese driver with a passport.
COMPANIES: list[dict[str, Any]] = [
    {
        "operator": "demo-operator",
        "company": {
            "name": "Công ty TNHH Vận tải và Thương mại Đồng Đăng",
            "tax_code": "4900123456",
            "address": "Số 8 Lê Lợi, thị trấn Đồng Đăng, huyện Cao Lộc, Lạng Sơn",
            "phone": "0205 3851 234",
        },
        "driver": {
            "full_name": "Nguyễn Văn Hùng",
            "nationality": "VN",
            "id_number": "020090001234",
            "phone": "0912 345 678",
            "licence_number": "200123456789",
        },
        "vehicle": {
            "plate": "12C-123.45",
            "kind": "refrigerated",
            "trailer_plate": "12R-001.23",
            "max_gross_kg": 40000,
        },
    },
    {
        "operator": "demo-operator-2",
        "company": {
            "name": "Công ty TNHH Logistics Quế Việt",
            "tax_code": "4900654321",
            "address": "Khu cửa khẩu Tân Thanh, xã Tân Thanh, huyện Văn Lãng, Lạng Sơn",
            "phone": "0205 3880 678",
        },
        "driver": {
            "full_name": "黄志强 (Hoàng Chí Cường)",
            "nationality": "CN",
            "id_number": "EJ1234567",
            "phone": "+86 771 852 3456",
            "licence_number": "450100198803152314",
        },
        "vehicle": {"plate": "桂F·12345", "kind": "container_tractor", "max_gross_kg": 49000},
    },
]


class Command(BaseCommand):
    help = "Create (idempotently) the demo gates, users, companies, drivers and vehicles."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            seed_gates()
            seed_users()
            seed_registries()

        # ---- Higher floors add their demo data below (their owners edit this section) ----------
        seed_queueing()

        for line in seed_declarations():
            self.stdout.write(f"  demo: {line}")

        for line in seed_positions():
            self.stdout.write(f"  demo: {line}")
        # -------------------------------------------------------------------------------------

        self.print_logins()

    def print_logins(self) -> None:
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Logins (password {settings.DEMO_PASSWORD}):"))
        for user in USERS:
            self.stdout.write(f"  {user.username:<18} {user.label}")


def seed_gates() -> None:
    """The four gates (the migration seeds them; this restores any that were deleted)."""
    ensure_seeded_gates()


def seed_users() -> dict[str, User]:
    """One user per role; officers, gate staff and the manager work at all four gates."""
    gates = list(Gate.objects.filter(code__in=GATE_CODES))
    users = {}
    for spec in USERS:
        user, _created = User.objects.get_or_create(username=spec.username)
        user.first_name, user.last_name = spec.first_name, spec.last_name
        user.email = f"{spec.username}@cuakhau.local"
        user.is_superuser = spec.role is None
        user.is_staff = spec.role is None or spec.role != Role.OPERATOR
        user.set_password(settings.DEMO_PASSWORD)
        user.save()
        if spec.role is not None:
            user.groups.add(Group.objects.get(name=spec.role))
        if user.is_staff and not user.is_superuser:
            assignment, _created = StaffAssignment.objects.update_or_create(
                user=user, defaults={"agency": spec.agency}
            )
            assignment.gates.set(gates)
        Profile.objects.update_or_create(user=user, defaults={"language": spec.language})
        users[spec.username] = user
    return users


def seed_registries() -> list[Company]:
    """The two demo companies, their operators, a driver and a vehicle each (through the services)."""
    companies = []
    for spec in COMPANIES:
        data = spec["company"]
        company = Company.objects.filter(tax_code=data["tax_code"]).first()
        if company is None:
            company = Company(**data)
            registry.company_validate(company=company)
            company.save()
        CompanyMember.objects.update_or_create(
            user=User.objects.get(username=spec["operator"]), defaults={"company": company}
        )
        driver = spec["driver"]
        if not Driver.objects.filter(
            company=company, nationality=driver["nationality"], id_number=driver["id_number"]
        ).exists():
            registry.driver_create(company=company, **driver)
        vehicle = spec["vehicle"]
        if not Vehicle.objects.filter(plate_canonical=canonical_plate(vehicle["plate"])).exists():
            registry.vehicle_create(company=company, **vehicle)
        companies.append(company)
    return companies


# Trucks a day the partner side accepts (DOMAIN-FACTS.md): the figure a manager sets each day.
PARTNER_ACCEPTANCE = {"HUU_NGHI": 750, "TAN_THANH": 580, "CHI_MA": 230, "COC_NAM": 76}


def seed_queueing() -> None:
    """A week of slots from the capacity templates, and today's partner acceptance per gate."""
    slots_generate(days=7)
    for offset in range(2):
        day = timezone.localdate() + dt.timedelta(days=offset)
        for code, accepted in PARTNER_ACCEPTANCE.items():
            gate = Gate.objects.filter(code=code).first()
            if gate is not None:
                PartnerAcceptance.objects.get_or_create(gate=gate, date=day, defaults={"accepted": accepted})
