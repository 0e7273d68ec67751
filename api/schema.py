"""OpenAPI: every operation documents the common error answers with the `Error` component."""

from __future__ import annotations

from typing import Any, Literal

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

from api.errors import ErrorSerializer

ERROR_RESPONSES = {
    400: "Données invalides (`fields` détaille chaque champ).",
    401: "Authentification requise.",
    403: "Rôle insuffisant dans ce département.",
    404: "Ressource inconnue ici.",
    429: "Trop de requêtes.",
}


class ParcoursAutoSchema(AutoSchema):
    def _get_response_bodies(
        self, direction: Literal["request", "response"] = "response"
    ) -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for code, description in ERROR_RESPONSES.items():
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(
                    OpenApiResponse(response=ErrorSerializer, description=description),
                    str(code),
                    direction=direction,
                )
        return responses
