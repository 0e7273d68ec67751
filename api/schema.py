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
    500: "Erreur interne (rien n'a été enregistré).",
}
# Only where the operation takes a body.
BODY_ERROR_RESPONSES = {
    409: "Modifié entre-temps par une autre personne : recharger puis réessayer.",
    413: "Corps de requête ou fichier trop volumineux.",
    415: "Type de contenu non pris en charge.",
}


class ParcoursAutoSchema(AutoSchema):
    def _get_response_bodies(
        self, direction: Literal["request", "response"] = "response"
    ) -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        errors = dict(ERROR_RESPONSES)
        if self.method in {"POST", "PUT", "PATCH"}:
            errors |= BODY_ERROR_RESPONSES
        for code, description in errors.items():
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(
                    OpenApiResponse(response=ErrorSerializer, description=description),
                    str(code),
                    direction=direction,
                )
        return responses
