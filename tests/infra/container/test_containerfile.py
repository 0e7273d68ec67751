"""The image definition: unprivileged, read-only friendly, checked, with its static files.

No container engine is needed to read it; CI builds no image (it would download a base
image). Each property the manifests rely on is checked here.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
CONTAINERFILE = (ROOT / "infra" / "container" / "Containerfile").read_text()
FINAL_STAGE = CONTAINERFILE.rsplit("\nFROM ", 1)[1]


def test_the_image_runs_as_an_unprivileged_user() -> None:
    users = re.findall(r"^USER (\S+)", FINAL_STAGE, re.MULTILINE)
    assert users == ["10001:10001"]


def test_static_files_and_bytecode_are_made_at_build_time() -> None:
    assert "manage.py collectstatic --noinput" in FINAL_STAGE
    assert "compileall" in FINAL_STAGE
    assert "PYTHONDONTWRITEBYTECODE=1" in FINAL_STAGE
    assert "STATIC_ROOT=/app/static" in FINAL_STAGE


def test_what_is_written_at_run_time_goes_to_tmp_or_the_media_volume() -> None:
    for variable in ("PROMETHEUS_MULTIPROC_DIR", "CELERY_BEAT_SCHEDULE", "XDG_CACHE_HOME", "HOME"):
        assert re.search(rf"{variable}=/tmp\b", FINAL_STAGE), variable
    assert "MEDIA_ROOT=/var/lib/parcours/media" in FINAL_STAGE


def test_the_image_checks_its_health_and_starts_a_role() -> None:
    assert 'CMD ["python", "-m", "infra.runtime.probe", "/livez"]' in FINAL_STAGE
    assert 'ENTRYPOINT ["python", "-m", "infra.runtime"]' in FINAL_STAGE


def test_every_source_root_the_code_needs_is_copied() -> None:
    copied = set(re.findall(r"^COPY (\w+) \./\1$", FINAL_STAGE, re.MULTILINE))
    assert copied == {"platform", "tenants", "api", "frontend", "routes", "infra"}
    # And no test, benchmark or local data goes into the image.
    assert "COPY . " not in CONTAINERFILE
