"""The static files' storages, whose URLs are worked out once per process.

Every page names a dozen static files (`{% static %}`: the DSFR's styles, scripts, icons). For
each one, Django's manifest storage looks the hashed name up, joins it to STATIC_URL and
quotes it, on every page. The manifest is written when the image is built (collectstatic) and
read once by each process, so a name's URL cannot change while the process runs: the answer is
kept. With DEBUG the storages answer unhashed names, and `force` asks for the computation
itself: both are left to Django. A name missing from the manifest still raises every time.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


class ManifestStorage(ManifestStaticFilesStorage):
    """Django's manifest storage (`make run`, PARCOURS_STATIC_COMPRESS=0)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    # The signature of ManifestStaticFilesStorage.url, which django-stubs also narrows.
    def url(self, name: str, force: bool = False) -> str:  # type: ignore[override]
        if force or settings.DEBUG:
            return super().url(name, force)
        url = self._urls.get(name)
        if url is None:
            url = self._urls[name] = super().url(name, force)
        return url


class CompressedManifestStorage(ManifestStorage, CompressedManifestStaticFilesStorage):
    """WhiteNoise's compressed manifest storage (the image), its URLs kept the same way."""
