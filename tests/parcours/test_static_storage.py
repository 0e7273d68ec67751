"""The static files' URLs are worked out once per process, and nothing else changes."""

from __future__ import annotations

import json
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from django.test import override_settings

from parcours.static_storage import CompressedManifestStorage, ManifestStorage

STORAGES = [ManifestStorage, CompressedManifestStorage]


@pytest.fixture
def collected(tmp_path: Path) -> Path:
    """A STATIC_ROOT as collectstatic leaves it: a file and the manifest naming its hash."""
    (tmp_path / "parcours.0123abcd.css").write_text("body{}")
    (tmp_path / "staticfiles.json").write_text(
        json.dumps({"version": "1.1", "paths": {"parcours.css": "parcours.0123abcd.css"}})
    )
    return tmp_path


def _computations() -> mock._patch[mock.MagicMock]:
    """Counts Django's own computation of a URL (every url() of a manifest storage calls it)."""
    return mock.patch.object(
        ManifestStaticFilesStorage,
        "_url",
        autospec=True,
        side_effect=ManifestStaticFilesStorage._url,
    )


@pytest.mark.parametrize("kind", STORAGES)
@override_settings(DEBUG=False)
def test_a_url_is_django_s_own_worked_out_once(
    kind: type[ManifestStaticFilesStorage], collected: Path
) -> None:
    storage = kind(location=str(collected), base_url="/static/")
    with _computations() as computed:
        first = storage.url("parcours.css")
        again = storage.url("parcours.css")
    assert first == again == "/static/parcours.0123abcd.css"
    assert computed.call_count == 1


@pytest.mark.parametrize("kind", STORAGES)
@override_settings(DEBUG=False)
def test_a_name_missing_from_the_manifest_is_refused_every_time(
    kind: type[ManifestStaticFilesStorage], collected: Path
) -> None:
    storage = kind(location=str(collected), base_url="/static/")
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("absent.css")


@pytest.mark.parametrize("kind", STORAGES)
def test_debug_and_force_are_left_to_django(
    kind: type[ManifestStaticFilesStorage], collected: Path
) -> None:
    storage = kind(location=str(collected), base_url="/static/")
    with override_settings(DEBUG=True), _computations() as computed:
        assert storage.url("parcours.css") == "/static/parcours.css"
        assert storage.url("parcours.css") == "/static/parcours.css"
    assert computed.call_count == 2
    with override_settings(DEBUG=False), _computations() as computed:
        storage.url("parcours.css", force=True)
        storage.url("parcours.css", force=True)
    assert computed.call_count == 2
    # Nothing kept from those: the first ordinary answer is the hashed name.
    with override_settings(DEBUG=False):
        assert storage.url("parcours.css") == "/static/parcours.0123abcd.css"
