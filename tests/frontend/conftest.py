"""Fixtures of the HTTP tests in this folder."""

from __future__ import annotations

import pytest

from tests.parcours.reporting.conftest import (  # noqa: F401 (re-exported)
    dp_release_2024,
    release_2024,
    report_2024,
    seeded,
)
from tests.tenants.casework.conftest import in31  # noqa: F401 (re-exported)
from tests.tenants.commission.conftest import commission, session  # noqa: F401 (re-exported)


@pytest.fixture(autouse=True)
def _static_files_found_on_request(settings) -> None:  # type: ignore[no-untyped-def]
    """Every Django test `Client` builds its own middleware chain, and WhiteNoise (finders on,
    autorefresh off) then indexes the ~3,300 static files: 0.3-0.7 s per client. Looking static
    files up on request instead keeps these tests fast; none of them is about static files.
    """
    settings.WHITENOISE_AUTOREFRESH = True
