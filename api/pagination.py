from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request: Any) -> int | None:
        # DRF silently ignores a page size it cannot read; a client that asked for one should
        # learn it was not understood rather than get another size than it expects.
        values = request.query_params.getlist(self.page_size_query_param)
        for value in values:
            if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= 10_000:
                raise ValidationError(
                    {self.page_size_query_param: ["Nombre entier positif attendu (1 à 200)."]}
                )
        return super().get_page_size(request)
