"""The one error format of the API.

Every error answer has the shape::

    {"error": {"status": 409, "code": "conflict", "message": "…", "fields": {…}, "request_id": "…"}}

`fields` is present on validation errors (`code` "invalid") and on requests a domain rule refused
(`code` "refused": a transition not allowed from this state or for this role, a guard that does
not hold, the 24-month ceiling…): field name → list of messages, `non_field_errors` for the
whole request. A concurrent change gives 409 `conflict`. Messages are in French.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection, transaction
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from parcours import errors
from parcours.observability import current_request_id
from parcours.referentiel.selectors import MissingLegalParameter
from parcours.validation import DATA_ERROR_MESSAGE, MISSING_PARAMETER_MESSAGE


class ErrorBodySerializer(serializers.Serializer):
    status = serializers.IntegerField()
    code = serializers.CharField()
    message = serializers.CharField()
    # field → list of messages; a nested object → the same structure (`{"identity":
    # {"last_name": ["…"]}}`); an item of a list → its position.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.JSONField(), required=False
    )
    request_id = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "La ressource a été modifiée entre-temps ; rechargez-la puis réessayez."
    default_code = "conflict"


def _messages(value: Any) -> Any:
    """Messages as lists of text, nested objects kept as objects (`{"identity": {"last_name":
    ["…"]}}`), items of a list by their position: never a Python repr of DRF's structures."""
    if isinstance(value, dict):
        return {str(key): _messages(item) for key, item in value.items()}
    if isinstance(value, list):
        if all(not isinstance(item, dict | list) for item in value):
            return [str(item) for item in value]
        return {
            str(index): _messages(item)
            for index, item in enumerate(value)
            if item not in ({}, [], "")
        }
    return [str(value)]


def _flatten(detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict):
        return {str(key): _messages(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return {"non_field_errors": [str(v) for v in detail]}
    return {"non_field_errors": [str(detail)]}


class Refused(exceptions.APIException):
    """A domain rule refused the request (reasons in `fields.non_field_errors`)."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "La demande a été refusée."
    default_code = "refused"


def _refused(reasons: list[str], fields: dict[str, Any]) -> Refused:
    refused = Refused(" ".join(reasons))
    refused.fields = {"non_field_errors": reasons, **fields}  # type: ignore[attr-defined]
    return refused


def _domain_exception(exc: Exception) -> Exception:
    """The domain's error family (parcours.errors) in the API's terms: the one translation."""
    from django.db import DataError

    if isinstance(exc, MissingLegalParameter):
        # Its reason names an internal key: the person is told what to ask for instead.
        return _refused([MISSING_PARAMETER_MESSAGE], {})
    if isinstance(exc, errors.Conflict):
        return Conflict(" ".join(exc.reasons))
    if isinstance(exc, errors.NotInScope):
        return exceptions.NotFound()
    if isinstance(exc, errors.DomainError) and exc.forbidden:
        return exceptions.PermissionDenied(" ".join(exc.reasons))
    if isinstance(exc, errors.DomainError):
        return _refused(exc.reasons, exc.fields)
    if isinstance(exc, DataError):
        # What a serializer let through and PostgreSQL refused: the client's data, not a bug.
        return exceptions.ValidationError({"non_field_errors": [DATA_ERROR_MESSAGE]})
    return exc


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    exc = _domain_exception(exc)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if not getattr(context.get("view"), "atomic_request", True) and connection.in_atomic_block:
        # DRF marks the open transaction for rollback; a view served outside the request's
        # transaction (the token exchange) has none of its own to roll back.
        transaction.set_rollback(False)
    if response is None:
        return None
    assert isinstance(exc, exceptions.APIException)
    body: dict[str, Any] = {
        "status": response.status_code,
        "code": exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code,
        "message": (
            "Les données envoyées ne sont pas valides."
            if isinstance(exc, exceptions.ValidationError)
            else str(exc.detail)
        ),
        "request_id": current_request_id(),
    }
    if isinstance(exc, exceptions.ValidationError):
        body["code"] = "invalid"
        body["fields"] = _flatten(exc.detail)
    elif isinstance(exc, Refused):
        body["code"] = "refused"
        body["fields"] = getattr(exc, "fields", {"non_field_errors": [str(exc.detail)]})
    response.data = {"error": body}
    return response


def not_found_body() -> dict[str, Any]:
    """The error body of an unknown API route (answered by the URL conf's 404 handler)."""
    return {
        "error": {
            "status": 404,
            "code": "not_found",
            "message": "Ressource inconnue.",
            "request_id": current_request_id(),
        }
    }
