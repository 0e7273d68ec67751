"""The demo seed (make run): Haute-Garonne's commission as composed, avis only from a session."""

from __future__ import annotations

from django.db.models import Count

from infra.dev.seeding.demo import demo_seed
from parcours.db import connection
from parcours.departements.models import Tenant
from tenants.casework.models import Dossier
from tenants.commission.models import AgendaItem, Session, Vote
from tenants.commission.selectors import composition, members_active
from tenants.commission.services import quorum


def test_the_demo_commissions_are_composed_and_deliberate_lawfully(  # type: ignore[no-untyped-def]
    db, base, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    demo_seed()
    seats = {"31": 19, "75": 13, "13": 11}
    for code, expected in seats.items():
        connection.set_tenant(Tenant.objects.get(code=code))
        active = members_active()
        assert sum(m.is_titular for m in active) == expected
        assert sum(m.is_chair for m in active) == 1
        assert not [row for row in composition() if (row["seats"] or 0) > row["titulars"]]
        held = Session.objects.get(status="closed")
        assert quorum(session=held).reached
        for item in AgendaItem.objects.filter(session=held, dossier__isnull=False):
            cast = item.votes_for + item.votes_against + item.abstentions
            assert 0 < cast <= expected and item.quorum_counted >= item.quorum_needed
        assert not Vote.objects.values("item", "seat").annotate(n=Count("id")).filter(n__gt=1)
        given = Dossier.objects.filter(state__in=["avis_given", "authorised", "refused"])
        assert given.exists()
        for dossier in given:
            item = dossier.agenda_items.get(closed_at__isnull=False)
            assert dossier.commission_votes_for == item.votes_for
        upcoming = Session.objects.get(status="convened")
        assert set(Dossier.objects.filter(state="scheduled")) == {
            i.dossier for i in upcoming.items.filter(dossier__isnull=False)
        }
    connection.set_tenant(Tenant.objects.get(code="31"))
    associations = {m.association_id for m in members_active() if m.association_id}
    assert len(associations) == 2
    assert (
        Dossier.objects.filter(association_id__in=associations)
        .values("association_id")
        .distinct()
        .count()
        == 2
    )
    connection.set_schema_to_public()
