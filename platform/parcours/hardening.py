"""Hostile input refused in one place, before any view, form or serializer reads it.

Every request goes through `InputGuardMiddleware`:

- a body larger than the limit is refused with 413 from its `Content-Length`, before it is read
  (`DATA_UPLOAD_MAX_MEMORY_SIZE` for ordinary bodies, `PARCOURS_MAX_UPLOAD_SIZE` for uploads);
- a NUL character anywhere PostgreSQL would be handed it (path, query string, form field or
  file name, JSON string or key) is refused with 400: PostgreSQL refuses NUL in text and jsonb,
  and the error would surface as a 500 deep inside a query;
- a JSON body must parse, nest at most `MAX_JSON_DEPTH` levels (Python's parser dies of
  RecursionError on `[[[[…]]]]`) and hold only finite numbers within 64 bits (`1e400` is
  infinity, which no column stores).

Then `ApiErrorMiddleware` makes every error answer under `/api/` the documented JSON format,
whatever produced it (an unknown route, Django's own 400/404/413 or a 500 page, DEBUG or not);
pages get the DSFR error pages of `frontend.views.auth`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_plus

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

MAX_JSON_DEPTH = 32
# JSON numbers beyond 64 bits fit no column (bigint is the widest) and no id.
MAX_JSON_INTEGER = 2**63 - 1

# The API's codes for statuses that reach the client without passing DRF's handler.
API_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "throttled",
    500: "server_error",
}
API_MESSAGES = {
    400: "La requête est mal formée.",
    401: "Authentification requise.",
    403: "Vous n'avez pas le droit d'effectuer cette action.",
    404: "Ressource inconnue.",
    405: "Méthode non autorisée sur cette ressource.",
    406: "Format de réponse non disponible.",
    409: "La ressource a été modifiée entre-temps ; rechargez-la puis réessayez.",
    413: "La requête dépasse la taille autorisée.",
    415: "Type de contenu non pris en charge.",
    429: "Trop de requêtes : réessayez plus tard.",
    500: "Erreur interne : l'équipe a été prévenue, rien n'a été enregistré.",
}


class InputRefused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def api_error(status: int, message: str | None = None) -> JsonResponse:
    from parcours.observability import current_request_id

    body = {
        "status": status,
        "code": API_CODES.get(status, "error"),
        "message": message or API_MESSAGES.get(status, "Erreur."),
        "request_id": current_request_id(),
    }
    if status == 400:
        body["fields"] = {"non_field_errors": [body["message"]]}
    return JsonResponse({"error": body}, status=status)


def page_error(request: HttpRequest, status: int, message: str) -> HttpResponse:
    # No context processor: nothing of the refused request is trusted to render the page.
    content = render_to_string("errors/400.html", {"status": status, "message": message})
    return HttpResponse(content, status=status)


def refusal_response(request: HttpRequest, refusal: InputRefused) -> HttpResponse:
    if is_api(request):
        return api_error(refusal.status, refusal.message)
    return page_error(request, refusal.status, refusal.message)


def check_json_value(value: Any, *, depth: int = 0) -> None:
    """Refuse what PostgreSQL or a column cannot hold, at any depth of a parsed JSON body."""
    if depth > MAX_JSON_DEPTH:
        raise InputRefused(400, "Le document JSON est trop profondément imbriqué.")
    if isinstance(value, str):
        if "\x00" in value:
            raise InputRefused(400, "Le caractère nul (U+0000) n'est pas accepté.")
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if abs(value) > MAX_JSON_INTEGER:
            raise InputRefused(400, "Un nombre dépasse la valeur maximale acceptée.")
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise InputRefused(400, "Un nombre n'est pas fini (NaN ou infini).")
    elif isinstance(value, dict):
        for key, item in value.items():
            check_json_value(key, depth=depth + 1)
            check_json_value(item, depth=depth + 1)
    elif isinstance(value, list):
        for item in value:
            check_json_value(item, depth=depth + 1)


def _refuse_constant(name: str) -> None:
    raise InputRefused(400, f"« {name} » n'est pas un nombre JSON accepté.")


def parse_json_body(raw: bytes) -> Any:
    """Parse and check a JSON body; raise InputRefused with a French reason."""
    try:
        value = json.loads(raw, parse_constant=_refuse_constant)
    except RecursionError:
        raise InputRefused(400, "Le document JSON est trop profondément imbriqué.") from None
    except (ValueError, UnicodeDecodeError):
        raise InputRefused(400, "Le corps de la requête n'est pas un JSON valide.") from None
    check_json_value(value)
    return value


class InputGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            self.check(request)
        except InputRefused as refusal:
            return refusal_response(request, refusal)
        return self.get_response(request)

    def check(self, request: HttpRequest) -> None:
        nul = "Le caractère nul (U+0000) n'est pas accepté."
        if "\x00" in request.path_info or "\x00" in unquote_plus(
            request.META.get("QUERY_STRING", "")
        ):
            raise InputRefused(400, nul)
        content_type = request.content_type or ""
        length = _content_length(request)
        limit = (
            settings.PARCOURS_MAX_UPLOAD_SIZE
            if content_type.startswith("multipart/")
            else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        )
        if length > limit:
            raise InputRefused(413, API_MESSAGES[413])
        if request.method in ("GET", "HEAD", "OPTIONS") or length == 0:
            return
        if content_type == "application/json" or content_type.endswith("+json"):
            # Kept for the API's parser (api/parsers.py): the body is parsed once.
            request.parsed_json = parse_json_body(request.body)  # type: ignore[attr-defined]
        elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            try:
                fields = request.POST
                files = request.FILES
            except RequestDataTooBig:
                raise InputRefused(413, API_MESSAGES[413]) from None
            except (TooManyFieldsSent, SuspiciousOperation, ValueError):
                raise InputRefused(400, API_MESSAGES[400]) from None
            for key, values in fields.lists():
                if "\x00" in key or any("\x00" in value for value in values):
                    raise InputRefused(400, nul)
            for _, uploads in files.lists():
                if any("\x00" in (getattr(upload, "name", "") or "") for upload in uploads):
                    raise InputRefused(400, nul)


def _content_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


class PrivacyHeadersMiddleware:
    """Nothing the platform answers is kept by a browser or a proxy: pages, API answers and
    documents carry personal data, or may (static files are answered before, by WhiteNoise)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response["Cache-Control"] = "no-store"
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class ApiErrorMiddleware:
    """Under /api/, an error answer is always the documented JSON, never an HTML page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and is_api(request)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            replacement = api_error(response.status_code)
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if header in response:
                    replacement[header] = response[header]
            return replacement
        return response
