"""Fixtures for case work: who acts, and a file brought to the point where it can be submitted."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterator

import pytest
from django.utils import timezone
from pypdf import PdfWriter

from parcours.accounts.models import Membership, Role, User
from parcours.accounts.permissions import Access
from parcours.db import connection
from parcours.departements.models import Tenant
from tenants.casework.models import Dossier, DossierKind, NeedsDomain
from tenants.casework.services import (
    association_avis_record,
    document_upload,
    dossier_create,
    evaluation_record,
    person_create,
    project_record,
)
from tests.conftest import People


def pdf_of(*, padding: int = 0) -> bytes:
    """A real one-page PDF (pieces are refused unless they parse), `padding` bytes larger."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if padding:
        writer.add_metadata({"/Padding": "0" * padding})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF = pdf_of()


def access_as(role: str, code: str) -> Access:
    user = User.objects.get(email=People.email(role, code))
    tenant = Tenant.objects.get(code=code)
    memberships = tuple(
        Membership.objects.filter(user=user, is_active=True).select_related("tenant", "association")
    )
    here = [m for m in memberships if m.tenant_id == tenant.pk]
    return Access(
        user_id=user.pk,
        tenant=tenant,
        roles=frozenset(Role(m.role) for m in here),
        association_ids=frozenset(m.association_id for m in here if m.association_id),
        memberships=memberships,
    )


@pytest.fixture
def in31(db: None, base: None, settings, tmp_path) -> Iterator[Callable[[str], Access]]:  # type: ignore[no-untyped-def]
    """Work inside Haute-Garonne's schema; `in31("coordinator")` is that person's access."""
    settings.MEDIA_ROOT = str(tmp_path)
    connection.set_tenant(Tenant.objects.get(code="31"))
    yield lambda role: access_as(role, "31")
    connection.set_schema_to_public()


def prepare(
    worker: Access, *, person_id: int | None = None, kind: str = DossierKind.FIRST_REQUEST
) -> Dossier:
    """A file with everything the association must provide before submitting it."""
    if person_id is None:
        person_id = person_create(
            access=worker,
            identity={
                "first_name": "Amina",
                "last_name": "Testeuse",
                "birth_date": "1990-05-04",
                "nationality": "NGA",
            },
            children_count=1,
            languages=["fr", "en"],
        ).pk
    dossier = dossier_create(access=worker, person_id=person_id, kind=kind)
    today = timezone.localdate()
    for domain in NeedsDomain.values:
        evaluation_record(
            access=worker,
            dossier_id=dossier.pk,
            domain=domain,
            items=[{"code": "suivi", "label": "Suivi", "need": True}],
            notes="Notes confidentielles",
            evaluated_on=today - dt.timedelta(days=1),
            sign_off=True,
        )
    project_record(
        access=worker,
        dossier_id=dossier.pk,
        goals={"logement": ["Accéder à un logement social"]},
        commitments="Suivre les démarches",
        signed_on=today,
    )
    for document in dossier.workflow_variant.workflow.required_documents(kind):
        document_upload(access=worker, dossier_id=dossier.pk, doc_type=document.code, data=PDF)
    association_avis_record(
        access=worker,
        dossier_id=dossier.pk,
        avis="favourable",
        motivation="Engagement réel et projet solide.",
    )
    return dossier


def one_person_files_five_first_requests(*, year: int) -> int:
    """In the current schema, five persons with one first request each in `year` see their
    five files become one person's (beyond the two a person may add to the private release).
    Returns the number of first requests of the year, unchanged."""
    from django.db import models

    in_year = Dossier.objects.filter(kind=DossierKind.FIRST_REQUEST, submitted_at__year=year)
    single = (
        in_year.values("person_id")
        .annotate(n=models.Count("id"))
        .filter(n=1)
        .values_list("person_id", flat=True)
    )
    five = list(in_year.filter(person_id__in=list(single[:5])).values_list("pk", flat=True))
    assert len(five) == 5, "the seeded year holds five persons with a single first request"
    Dossier.objects.filter(pk__in=five).update(person_id=Dossier.objects.get(pk=five[0]).person_id)
    return in_year.count()
