"""A downloaded piece is named in French after its type and the person's pseudonym."""

from __future__ import annotations

import re

from tenants.casework.models import Document
from tenants.casework.selectors import document_filename
from tests.tenants.casework.conftest import prepare


def test_a_piece_is_named_after_its_type_in_words_and_the_pseudonym(in31) -> None:  # type: ignore[no-untyped-def]
    dossier = prepare(in31("association_worker"))
    names = [document_filename(d) for d in Document.objects.filter(dossier=dossier)]

    assert names and all(n.endswith(f"-{dossier.person.pseudonym}.pdf") for n in names)
    assert not any(re.search(r"[a-z]+_[a-z]", n) for n in names), names  # no doc_type code
    assert any(n.startswith("piece-d-identite-") for n in names), names


def test_the_decision_letter_is_named_decision_and_the_pseudonym(in31) -> None:  # type: ignore[no-untyped-def]
    dossier = prepare(in31("association_worker"))
    letter = Document.objects.filter(dossier=dossier).first()
    assert letter is not None
    letter.doc_type = "decision_letter"

    assert document_filename(letter) == f"decision-{dossier.person.pseudonym}.pdf"
