"""Demo data for `make run`: fictional people, real structure. Idempotent.

Three fully staffed départements (31, 75, 13), two associations, one of them approved in two
départements, so that the switcher and the approval scope can be tried at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from parcours.accounts.mfa import mfa_required_for, totp_device_of, totp_enrol_demo, totp_secret
from parcours.accounts.models import Role, User
from parcours.accounts.services import membership_grant, user_create
from parcours.associations.models import Association
from parcours.audit.services import audit_record
from parcours.departements.models import Tenant
from parcours.departements.provisioning import tenant_provision
from parcours.referentiel.models import Departement
from tenants.agrements.models import Agrement, AgrementStatus

DEMO_DEPARTEMENTS = ("31", "75", "13")


@dataclass(frozen=True)
class DemoLogin:
    email: str
    what: str
    # The key of the account's authenticator (base32), for the roles that need a second
    # factor: printed so that a person or an API client computes the codes (no bypass).
    totp_secret: str = ""


def _second_factors(logins: list[DemoLogin]) -> list[DemoLogin]:
    """Enrol every demo account whose role needs a second factor, as an agent would be."""
    enrolled = []
    for user in User.objects.filter(email__endswith=".test").order_by("pk"):
        if mfa_required_for(user=user):
            totp_enrol_demo(user=user)
    for login in logins:
        device = totp_device_of(user=User.objects.get(email=login.email))
        secret = totp_secret(device) if device is not None else ""
        enrolled.append(DemoLogin(login.email, login.what, totp_secret=secret))
    return enrolled


def _user(email: str, first: str, last: str) -> User:
    existing = User.objects.filter(email=email).first()
    if existing:
        return existing
    return user_create(
        email=email,
        first_name=first,
        last_name=last,
        password=settings.PARCOURS_DEMO_PASSWORD,
        actor_id=None,
    )


def _association(
    *, name: str, rna: str, siret: str, head_office: str, declared: dt.date
) -> Association:
    association, _ = Association.objects.get_or_create(
        rna=rna,
        defaults={
            "name": name,
            "siret": siret,
            "head_office_departement": Departement.objects.get(code=head_office),
            "declared_on": declared,
            "contact_email": f"contact@{rna.lower()}.test",
        },
    )
    return association


def _approve(*, tenant: Tenant, association: Association, since: dt.date) -> None:
    with schema_context(tenant.schema_name), transaction.atomic():
        if Agrement.objects.filter(association=association).exists():
            return
        agrement = Agrement.objects.create(
            association=association,
            status=AgrementStatus.APPROVED,
            requested_on=since - relativedelta(months=3),
            valid_from=since,
            valid_until=since + relativedelta(years=3),
            arrete_reference=f"Arrêté préfectoral {tenant.code}-{since:%Y}-{association.pk:03d}",
        )
        audit_record(
            action="agrement.recorded",
            object_type="agrement",
            object_id=agrement.pk,
            data={"association_id": association.pk, "source": "demo"},
        )


def demo_seed() -> list[DemoLogin]:
    logins: list[DemoLogin] = []
    tenants = {code: tenant_provision(code=code).tenant for code in DEMO_DEPARTEMENTS}
    with schema_context("public"):
        operator = _user("operateur@parcours.test", "Odile", "Opératrice")
        membership_grant(user=operator, role=Role.NATIONAL_OPERATOR, tenant=None, actor_id=None)
        logins.append(DemoLogin(operator.email, "opératrice nationale (console nationale)"))
        analyst = _user("analyste@parcours.test", "Anselme", "Analyste")
        membership_grant(user=analyst, role=Role.NATIONAL_ANALYST, tenant=None, actor_id=None)
        logins.append(DemoLogin(analyst.email, "analyste national (statistiques)"))

        today = timezone.localdate()
        nid = _association(
            name="Issue de Secours (démo)",
            rna="W313000001",
            siret="11111111100011",
            head_office="31",
            declared=dt.date(2009, 3, 2),
        )
        passerelles = _association(
            name="Passerelles Île-de-France (démo)",
            rna="W751000002",
            siret="22222222200022",
            head_office="75",
            declared=dt.date(2012, 6, 18),
        )
        ariane = _association(
            name="Le Fil d'Ariane (démo)",
            rna="W313000003",
            siret="33333333300033",
            head_office="31",
            declared=dt.date(2015, 9, 7),
        )
        approvals = {"31": [nid, ariane], "13": [nid], "75": [passerelles]}

        for code, tenant in tenants.items():
            people = [
                (
                    f"coordination.{code}@parcours.test",
                    "Claire",
                    f"Coordinatrice {code}",
                    Role.COORDINATOR,
                ),
                (f"prefet.{code}@parcours.test", "Pierre", f"Préfet {code}", Role.PREFET),
                (f"dpo.{code}@parcours.test", "Dominique", f"DPO {code}", Role.DPO),
                (f"membre.police.{code}@parcours.test", "Paul", f"Police {code}", Role.MEMBER),
                (f"membre.ddets.{code}@parcours.test", "Dalila", f"DDETS {code}", Role.MEMBER),
                (f"membre.medecin.{code}@parcours.test", "Mehdi", f"Médecin {code}", Role.MEMBER),
            ]
            for email, first, last, role in people:
                user = _user(email, first, last)
                membership_grant(user=user, role=role, tenant=tenant, actor_id=None)
            logins.append(
                DemoLogin(
                    f"coordination.{code}@parcours.test", f"coordination (DDFE) {tenant.name}"
                )
            )
            logins.append(DemoLogin(f"prefet.{code}@parcours.test", f"préfet {tenant.name}"))
            for association in approvals[code]:
                _approve(
                    tenant=tenant, association=association, since=today - relativedelta(months=8)
                )

        worker = _user("intervenante@issue-de-secours.test", "Inès", "Intervenante")
        for code in ("31", "13"):
            membership_grant(
                user=worker,
                role=Role.ASSOCIATION_WORKER,
                tenant=tenants[code],
                association=nid,
                actor_id=None,
            )
        logins.append(DemoLogin(worker.email, "association Issue de Secours, agréée en 31 et 13"))
        worker75 = _user("intervenant@passerelles.test", "Ivan", "Intervenant")
        membership_grant(
            user=worker75,
            role=Role.ASSOCIATION_WORKER,
            tenant=tenants["75"],
            association=passerelles,
            actor_id=None,
        )
        logins.append(DemoLogin(worker75.email, "association Passerelles, agréée à Paris"))
        ariane_worker = _user("intervenante@fil-ariane.test", "Armelle", "Intervenante")
        membership_grant(
            user=ariane_worker,
            role=Role.ASSOCIATION_WORKER,
            tenant=tenants["31"],
            association=ariane,
            actor_id=None,
        )
        logins.append(DemoLogin(ariane_worker.email, "association Le Fil d'Ariane, agréée en 31"))
        logins.append(DemoLogin("membre.police.31@parcours.test", "membre de la commission (31)"))
        logins.append(
            DemoLogin("dpo.31@parcours.test", "déléguée à la protection des données (31)")
        )
    from infra.dev.seeding.demo_casework import ARIANE_NAMES, demo_commission, demo_files

    for code, worker_email in (("31", worker.email), ("13", worker.email), ("75", worker75.email)):
        stages = demo_files(tenant=tenants[code], worker_email=worker_email)
        if code == "31":
            stages |= demo_files(
                tenant=tenants[code], worker_email=ariane_worker.email, names=ARIANE_NAMES
            )
        demo_commission(tenant=tenants[code], stages=stages)
    with schema_context("public"):
        return _second_factors(logins)
