"""Hostile input gets a clear answer: 400/404/413 in the API's format or a French page, never a
500, and nothing half-written (parcours/hardening.py, parcours/validation.py, ATOMIC_REQUESTS).

Each case is one that broke the platform under attack (issue #9), sent as the role that may
reach the code behind it.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from django_tenants.utils import schema_context
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parcours.hardening import MAX_JSON_DEPTH, parse_json_body
from tests.conftest import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]

API = "/api/v1"


def _api_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["status"] == status
    assert error["message"]
    return error


def _french_page(response: Any, status: int) -> str:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    text = response.content.decode()
    assert 'lang="fr"' in text and "Traceback" not in text
    return text


# --- NUL characters -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "code", "path"),
    [
        ("coordinator", "31", f"{API}/dossiers/?q=a%00b"),
        ("coordinator", "31", f"{API}/persons/?q=%00"),
        ("national_operator", None, f"{API}/associations/?q=%00"),
    ],
)
def test_nul_in_an_api_query_string_is_a_400(role: str, code: str | None, path: str) -> None:
    error = _api_error(client_for(role, code).get(path), 400)
    assert "nul" in error["message"]


@pytest.mark.parametrize(
    ("role", "code", "path"),
    [
        ("coordinator", "31", "/dossiers/?etat=%00"),
        ("national_operator", None, "/departements/%00/provisionner/"),
    ],
)
def test_nul_in_a_page_address_is_a_french_400_page(role: str, code: str | None, path: str) -> None:
    _french_page(client_for(role, code).get(path), 400)


def test_nul_in_a_json_value_is_refused_before_anything_is_stored(tenant31: Any) -> None:
    from tenants.casework.models import Person

    with schema_context("dep_31"):
        before = Person.objects.count()
    response = client_for("association_worker", "31").post(
        f"{API}/persons/",
        {"identity": {"last_name": "Do\u0000e", "first_name": "Jane"}},
        content_type="application/json",
    )
    _api_error(response, 400)
    with schema_context("dep_31"):
        assert Person.objects.count() == before


def test_nul_in_a_form_field_is_a_french_400_page() -> None:
    response = client_for("association_worker", "31").post(
        "/personnes/nouvelle/", {"last_name": "Do\x00e", "first_name": "Jane"}
    )
    _french_page(response, 400)


# --- JSON bodies --------------------------------------------------------------------------


def test_a_deeply_nested_body_is_a_400_not_a_recursion_error() -> None:
    body = "[" * 100_000 + "]" * 100_000
    response = client_for("coordinator", "31").post(
        f"{API}/pilotage/figures/", body, content_type="application/json"
    )
    _api_error(response, 400)


@pytest.mark.parametrize("body", ['{"votes_for": 1e400}', '{"a": NaN}', '{"a": -Infinity}'])
def test_non_finite_numbers_are_a_400(body: str) -> None:
    response = client_for("coordinator", "31").post(
        f"{API}/pilotage/figures/", body, content_type="application/json"
    )
    _api_error(response, 400)


def test_a_body_that_is_not_json_is_a_400() -> None:
    response = client_for("coordinator", "31").post(
        f"{API}/pilotage/figures/", "{not json", content_type="application/json"
    )
    _api_error(response, 400)


# The oracle's own statement of the rule (module docstring of parcours.hardening), written
# apart from the guard so that a guard refusing everything, or accepting everything, fails.
LARGEST_INTEGER = 9_223_372_036_854_775_807  # bigint, the widest column: 2**63 - 1
DEEPEST = 32  # levels of nesting below the document itself


def _storable(document: Any) -> bool:
    """Whether PostgreSQL (text, jsonb, bigint) can hold `document` and Python can parse it."""
    pending = [(document, 0)]
    while pending:
        value, depth = pending.pop()
        if depth > DEEPEST:
            return False
        if isinstance(value, str) and "\x00" in value:
            return False
        if isinstance(value, float) and not math.isfinite(value):
            return False
        is_integer = isinstance(value, int) and not isinstance(value, bool)
        if is_integer and abs(value) > LARGEST_INTEGER:
            return False
        if isinstance(value, dict):
            pending += [(part, depth + 1) for pair in value.items() for part in pair]
        if isinstance(value, list):
            pending += [(item, depth + 1) for item in value]
    return True


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
        lambda children: st.lists(children) | st.dictionaries(st.text(), children),
        max_leaves=50,
    )
)
def test_the_json_guard_accepts_exactly_what_postgresql_can_store(value: Any) -> None:
    """Whatever a client sends: the guard accepts it, unchanged, if and only if it has no NUL,
    no non-finite number and no integer beyond 64 bits; otherwise it refuses with a reason."""
    from parcours.hardening import InputRefused

    raw = json.dumps(value, allow_nan=True).encode()
    try:
        parsed = parse_json_body(raw)
    except InputRefused as refusal:
        assert refusal.status == 400 and refusal.message
        assert not _storable(value), f"refused a storable document: {refusal.message}"
        return
    assert _storable(value), "accepted a document PostgreSQL cannot store"
    assert parsed == value


def _nested(levels: int) -> str:
    return "[" * levels + "]" * levels


# JSON text of an extra member of a person's body: the API ignores members it does not know,
# so what the guard lets through reaches the view and the person is created.
STORABLE = {
    "letters": json.dumps("Zoë ʻOkina 李 😀 \u202fà"),
    "control-characters": json.dumps("\u0001\t\n"),
    "largest-integer": str(2**63 - 1),
    "smallest-integer": str(-(2**63 - 1)),
    "largest-float": "1.7976931348623157e308",
    "negative-zero": "-0.0",
    "as-deep-as-allowed": _nested(DEEPEST),  # the member itself is one level down
    "mixed": json.dumps({"clé": [None, True, "", 0.5, {"": []}]}),
}
NOT_STORABLE = {
    "nul": json.dumps("a\u0000b"),
    "nul-in-a-key": json.dumps({"k\u0000": 1}),
    "integer-beyond-64-bits": str(2**63),
    "negative-integer-beyond": str(-(2**63) - 1),
    "overflowing-float": "1e400",
    "nan": "NaN",
    "infinity": "-Infinity",
    "too-deep": _nested(DEEPEST + 1),
}


def _person_body(extra: str) -> str:
    return '{"identity": {"last_name": "Doe", "first_name": "Jane"}, "extra": ' + extra + "}"


def _persons_in_31() -> int:
    from tenants.casework.models import Person

    with schema_context("dep_31"):
        return Person.objects.count()


@pytest.mark.parametrize("extra", STORABLE.values(), ids=STORABLE.keys())
def test_a_storable_body_goes_through_the_guard_to_the_view(extra: str) -> None:
    assert _storable(json.loads(_person_body(extra)))
    before = _persons_in_31()
    response = client_for("association_worker", "31").post(
        f"{API}/persons/", _person_body(extra), content_type="application/json"
    )
    assert response.status_code == 201, response.content[:500]
    assert _persons_in_31() == before + 1


@pytest.mark.parametrize("extra", NOT_STORABLE.values(), ids=NOT_STORABLE.keys())
def test_a_body_postgresql_cannot_store_is_refused_by_the_guard(extra: str) -> None:
    constants: list[str] = []
    document = json.loads(_person_body(extra), parse_constant=constants.append)
    assert constants or not _storable(document)
    before = _persons_in_31()
    response = client_for("association_worker", "31").post(
        f"{API}/persons/", _person_body(extra), content_type="application/json"
    )
    # The guard's refusal names no field: it is the document, not a serializer, that is refused.
    assert _api_error(response, 400)["fields"] == {
        "non_field_errors": [response.json()["error"]["message"]]
    }
    assert _persons_in_31() == before


def test_depth_limit_is_where_it_is_documented() -> None:
    from parcours.hardening import InputRefused

    parse_json_body(("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH).encode())
    with pytest.raises(InputRefused):
        parse_json_body(("[" * (MAX_JSON_DEPTH + 2) + "]" * (MAX_JSON_DEPTH + 2)).encode())


# --- Sizes --------------------------------------------------------------------------------


def test_a_body_over_the_limit_is_a_413_before_it_is_read(settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    response = client_for("coordinator", "31").post(
        f"{API}/pilotage/figures/",
        json.dumps({"year": 2025, "padding": "x" * 2_000}),
        content_type="application/json",
    )
    error = _api_error(response, 413)
    assert error["code"] == "too_large"


def test_an_upload_over_the_limit_is_a_413(settings: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.PARCOURS_MAX_UPLOAD_SIZE = 1_000
    upload = SimpleUploadedFile("piece.pdf", b"%PDF-1.4\n" + b"x" * 2_000)
    response = client_for("association_worker", "31").post(
        f"{API}/dossiers/1/documents/", {"doc_type": "identity", "file": upload}
    )
    _api_error(response, 413)


# --- Numbers, text, dates -----------------------------------------------------------------


def test_a_count_above_the_column_range_is_refused_with_reasons() -> None:
    response = client_for("coordinator", "31").post(
        f"{API}/pilotage/figures/",
        {"year": 2024, "buyers_fined": 2_147_483_648},
        content_type="application/json",
    )
    error = _api_error(response, 400)
    assert "buyers_fined" in error["fields"]


@pytest.mark.parametrize("year", ["²", "٣", "99999999999999999999"])
def test_unicode_digits_and_huge_numbers_in_a_page_form_are_refused_with_a_message(
    year: str,
) -> None:
    response = client_for("coordinator", "31").post(
        "/pilotage/actions/", {"kind": "figures", "year": year}, follow=True
    )
    assert response.status_code == 200
    assert "invalides" in response.content.decode()


def test_an_axis_title_longer_than_its_column_is_refused_on_the_page_and_the_api() -> None:
    coordinator = client_for("coordinator", "31")
    title = "A" * 201
    api = coordinator.post(
        f"{API}/pilotage/strategy/",
        {"title": title, "first_year": 2025, "last_year": 2027},
        content_type="application/json",
    )
    assert "title" in _api_error(api, 400)["fields"]
    page = coordinator.post(
        "/pilotage/actions/",
        {"kind": "axis", "title": title, "first_year": "2025", "last_year": "2027"},
        follow=True,
    )
    assert page.status_code == 200
    assert "invalide" in page.content.decode()


def test_an_action_title_longer_than_its_column_is_refused(tenant31: Any) -> None:
    coordinator = client_for("coordinator", "31")
    axis = coordinator.post(
        f"{API}/pilotage/strategy/",
        {"title": "Prévention", "first_year": 2025, "last_year": 2027},
        content_type="application/json",
    ).json()
    response = coordinator.post(
        f"{API}/pilotage/strategy/{axis['id']}/actions/",
        {"title": "T" * 301, "owner": "DDETS"},
        content_type="application/json",
    )
    assert "title" in _api_error(response, 400)["fields"]


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1899-12-31", "2101-01-01"])
def test_dates_outside_the_plausible_range_are_refused_in_french(day: str) -> None:
    response = client_for("association_worker", "31").post(
        f"{API}/persons/",
        {"identity": {"last_name": "Doe", "first_name": "Jane", "birth_date": day}},
        content_type="application/json",
    )
    error = _api_error(response, 400)
    assert "plage" in json.dumps(error["fields"], ensure_ascii=False)


def test_an_approval_dated_before_the_law_is_refused_not_a_500() -> None:
    from parcours.associations.models import Association

    association = Association.objects.get(rna="W313000099")
    response = client_for("coordinator", "31").post(
        f"{API}/agrements/",
        {"association": association.pk, "requested_on": "1950-01-01", "departements": ["31"]},
        content_type="application/json",
    )
    assert response.status_code in {400, 409}, response.content[:400]


# --- Identity text ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "identity",
    [
        {"last_name": "Doe\u202e", "first_name": "Jane"},
        {"last_name": "Doe", "first_name": "\u2066Jane"},
        {"last_name": "Doe", "first_name": "Jane", "nationality": "XXX"},
    ],
)
def test_identity_refuses_bidi_controls_and_unknown_nationalities(
    identity: dict[str, str],
) -> None:
    response = client_for("association_worker", "31").post(
        f"{API}/persons/", {"identity": identity}, content_type="application/json"
    )
    _api_error(response, 400)


@pytest.mark.parametrize("languages", [["zz"], ["fr"] * 11, [7]])
def test_languages_are_iso_codes_and_bounded(languages: list[Any]) -> None:
    response = client_for("association_worker", "31").post(
        f"{API}/persons/",
        {"identity": {"last_name": "Doe", "first_name": "Jane"}, "languages": languages},
        content_type="application/json",
    )
    _api_error(response, 400)


# --- Unknown ids --------------------------------------------------------------------------


def test_an_unknown_axis_in_a_nested_route_is_a_404_or_a_refusal() -> None:
    response = client_for("coordinator", "31").post(
        f"{API}/pilotage/strategy/999999/actions/",
        {"title": "Action", "owner": "DDETS"},
        content_type="application/json",
    )
    assert response.status_code in {400, 404}
    _api_error(response, response.status_code)


def test_a_page_given_a_non_numeric_id_answers_without_a_500() -> None:
    response = client_for("coordinator", "31").post(
        "/pilotage/actions/",
        {"kind": "action", "axis": "1", "action_id": "abc", "title": "T", "owner": "O"},
        follow=True,
    )
    assert response.status_code in {200, 404}


# --- The error contract -------------------------------------------------------------------


@pytest.mark.parametrize("debug", [False, True])
def test_an_unknown_api_route_is_a_json_404_whatever_debug_says(debug: bool, settings: Any) -> None:
    settings.DEBUG = debug
    response = client_for("coordinator", "31").get(f"{API}/nothing-here/")
    assert _api_error(response, 404)["code"] == "not_found"


def test_a_server_error_under_the_api_is_the_documented_json() -> None:
    from parcours.hardening import ApiErrorMiddleware

    def failing(request: Any) -> Any:
        from django.http import HttpResponseServerError

        return HttpResponseServerError("<html>boom</html>")

    from django.test import RequestFactory

    response = ApiErrorMiddleware(failing)(RequestFactory().get(f"{API}/dossiers/"))
    error = json.loads(response.content)["error"]
    assert response.status_code == 500
    assert error["code"] == "server_error"
    assert "boom" not in response.content.decode()


def test_a_page_400_is_a_french_dsfr_page() -> None:
    text = _french_page(client_for("coordinator", "31").get("/dossiers/?etat=%00"), 400)
    assert "Requête refusée" in text
    assert "dsfr" in text


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\n" + b"x" * 200,  # the magic bytes and nothing of a document
        b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",  # no page
    ],
    ids=["magic-only", "no-page"],
)
def test_a_piece_is_a_pdf_only_if_it_parses_as_one(
    data: bytes, settings: Any, tmp_path: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tenants.casework.models import Document
    from tests.api.test_casework import plain_dossier

    settings.MEDIA_ROOT = str(tmp_path)
    dossier = plain_dossier()
    response = client_for("association_worker", "31").post(
        f"{API}/dossiers/{dossier.pk}/documents/",
        {"doc_type": "identity", "file": SimpleUploadedFile("piece.pdf", data)},
    )
    assert "file" in _api_error(response, 400)["fields"]
    with schema_context("dep_31"):
        assert not Document.objects.filter(dossier_id=dossier.pk).exists()


def test_nested_validation_errors_are_structured_not_a_python_repr() -> None:
    response = client_for("association_worker", "31").post(
        f"{API}/persons/",
        {"identity": {"last_name": "", "first_name": "Jane"}, "languages": ["fr", 7 * "x"]},
        content_type="application/json",
    )
    fields = _api_error(response, 400)["fields"]
    assert isinstance(fields["identity"]["last_name"], list)
    assert all(isinstance(message, str) for message in fields["identity"]["last_name"])
    assert "ErrorDetail" not in json.dumps(fields)
    assert list(fields["languages"]) == ["1"]


# --- Stored values never break a page -----------------------------------------------------


@pytest.mark.parametrize(
    ("field", "day"),
    [
        ("requested_on", "0001-01-01"),
        ("requested_on", "9999-12-31"),
        ("complete_on", "9999-12-31"),
        ("valid_until", "9999-12-31"),
        ("missing_items_requested_on", "9999-12-31"),
    ],
)
def test_an_approval_stored_with_an_extreme_date_breaks_no_page(field: str, day: str) -> None:
    """Validation now bounds dates, but rows stored before (or by hand) must still render."""
    import datetime as dt

    from tenants.agrements.models import Agrement

    with schema_context("dep_31"):
        agrement = Agrement.objects.order_by("pk").first()
        assert agrement is not None
        Agrement.objects.filter(pk=agrement.pk).update(
            **{field: dt.date.fromisoformat(day)}, status="complete"
        )
    for role in ("coordinator", "prefet"):
        client = client_for(role, "31")
        assert client.get("/agrements/").status_code == 200
        assert client.get("/").status_code == 200
    assert client_for("coordinator", "31").get(f"{API}/agrements/").status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"items": [{"code": "x", "label": "y", "need": True}] * 51, "notes": ""},
        {"items": [{"code": "x", "label": "y" * 301, "need": True}], "notes": ""},
        {"items": [], "notes": "n" * 20_001},
    ],
    ids=["too-many-items", "item-too-long", "notes-too-long"],
)
def test_an_evaluation_is_bounded(body: dict[str, Any], settings: Any, tmp_path: Any) -> None:
    from tests.api.test_casework import plain_dossier

    settings.MEDIA_ROOT = str(tmp_path)
    dossier = plain_dossier()
    response = client_for("association_worker", "31").post(
        f"{API}/dossiers/{dossier.pk}/evaluations/",
        {"domain": "sante", "evaluated_on": "2026-01-05", "sign_off": False, **body},
        content_type="application/json",
    )
    assert {"items", "notes"} & set(_api_error(response, 400)["fields"])
