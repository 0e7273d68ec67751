"""The one error format of the API.

Every error answer has the shape::

    {"error": {"status": 409, "code": "conflict", "message": "…", "fields": {…}, "request_id": "…"}}

`fields` is present on validation errors only (field name → list of messages, `non_field_errors`
for the whole object). Messages are in French.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from parcours.observability import current_request_id


class ErrorBodySerializer(serializers.Serializer):
    status = serializers.IntegerField()
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()), required=False
    )
    request_id = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "La ressource a été modifiée entre-temps ; rechargez-la puis réessayez."
    default_code = "conflict"


def _flatten(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {
            key: [str(v) for v in (value if isinstance(value, list) else [value])]
            for key, value in detail.items()
        }
    if isinstance(detail, list):
        return {"non_field_errors": [str(v) for v in detail]}
    return {"non_field_errors": [str(detail)]}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
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
    response.data = {"error": body}
    return response
