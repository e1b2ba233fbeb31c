"""factory_boy factories shared by every app's tests. App-specific ones live beside their tests."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth.models import Group, User
from django.utils import timezone

from cuakhau.accounts.roles import Role
from declarations.models import CargoLine, Declaration
from vehicles.models import Company, CompanyMember, Driver, Gate, StaffAssignment, Vehicle


def gate(code: str = "HUU_NGHI") -> Gate:
    return Gate.objects.get(code=code)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.vn")
    password = factory.PostGenerationMethodCall("set_password", "pass12345!")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))
        self.save()


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Công ty Vận tải {n}")
    tax_code = factory.Sequence(lambda n: f"{4900000000 + n:010d}")
    address = "Đồng Đăng, Cao Lộc, Lạng Sơn"
    phone = "0205 3851 234"


class DriverFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Driver

    company = factory.SubFactory(CompanyFactory)
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn {n}")
    nationality = "VN"
    id_number = factory.Sequence(lambda n: f"{20000000000 + n:012d}")
    phone = "0912345678"
    licence_number = factory.Sequence(lambda n: f"GPLX{n:08d}")


class VehicleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vehicle

    company = factory.SubFactory(CompanyFactory)
    plate = factory.Sequence(lambda n: f"12C-{n // 100:03d}.{n % 100:02d}")
    country = "VN"
    kind = "truck"
    max_gross_kg = 30000


class DeclarationFactory(factory.django.DjangoModelFactory):
    """A declaration; pass state=... to create it directly in a state (tests only)."""

    class Meta:
        model = Declaration

    company = factory.SubFactory(CompanyFactory)
    vehicle = factory.SubFactory(VehicleFactory, company=factory.SelfAttribute("..company"))
    driver = factory.SubFactory(DriverFactory, company=factory.SelfAttribute("..company"))
    gate = factory.LazyFunction(gate)
    direction = "export"
    planned_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=1))


class CargoLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CargoLine

    declaration = factory.SubFactory(DeclarationFactory)
    description = "Thanh long (dragon fruit)"
    hs_code = "08109050"
    quantity = 1000
    unit = "kg"
    gross_kg = 1100
    value = 1200
    origin = "VN"
    perishable = True


def operator_user(company: Company | None = None, **kwargs) -> User:  # type: ignore[no-untyped-def]
    company = company or CompanyFactory()
    user = UserFactory(role=Role.OPERATOR, **kwargs)
    CompanyMember.objects.create(user=user, company=company)
    return user


def staff_user(role: str, agency: str = "", gates: list[str] | None = None, **kwargs) -> User:  # type: ignore[no-untyped-def]
    user = UserFactory(role=role, is_staff=True, **kwargs)
    assignment = StaffAssignment.objects.create(user=user, agency=agency)
    assignment.gates.set(
        Gate.objects.filter(code__in=gates or ["HUU_NGHI", "TAN_THANH", "CHI_MA", "COC_NAM"])
    )
    return user
