"""The API reads the JSON body the input guard already parsed and checked (parcours.hardening)."""

from __future__ import annotations

from typing import Any

from rest_framework.parsers import JSONParser


class GuardedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        request = getattr((parser_context or {}).get("request"), "_request", None)
        if request is not None and hasattr(request, "parsed_json"):
            return request.parsed_json
        return super().parse(stream, media_type, parser_context)
