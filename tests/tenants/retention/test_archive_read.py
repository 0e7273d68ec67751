"""The DPO's reading of an archived file: labels, not codes, and one query per kind of row
whatever the number of files."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tenants.casework.models import Dossier
from tenants.retention.selectors import archived_person_read
from tenants.retention.services import person_archive
from tests.tenants.casework.conftest import prepare


def _read(in31, person_id: int) -> tuple[int, dict[str, str]]:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        archived = archived_person_read(
            access=in31("dpo"), person_id=person_id, reason="Demande du juge."
        )
    return len(queries), archived.labels


def test_an_archived_file_names_its_pieces_and_costs_the_same_for_two_files(in31) -> None:  # type: ignore[no-untyped-def]
    dossier = prepare(in31("association_worker"))
    person_archive(person=dossier.person, today=timezone.localdate(), sweep_id=None)
    _read(in31, dossier.person_id)  # what a process reads once (labels, the trail's head)
    one_file, labels = _read(in31, dossier.person_id)

    second = Dossier.objects.get(pk=dossier.pk)
    second.pk, second.number = None, 2
    second.save()
    two_files, _ = _read(in31, dossier.person_id)

    assert two_files == one_file
    assert labels["decision_letter"] == "Décision du préfet"
    assert labels["afis"] != "afis" and all(code != label for code, label in labels.items())
