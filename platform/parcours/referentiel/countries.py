"""Countries by their ISO 3166-1 alpha-3 code, named in French as the reference data names them.

Pages show a nationality by its name, never its code. The names come from the same source as the
nationality nomenclature (`services._nationalities`: pycountry's French translation of ISO
3166-1), read from the package rather than the database so a page pays no query per name.
"""

from __future__ import annotations

import gettext
from functools import cache

import pycountry


@cache
def _french_names() -> dict[str, str]:
    french = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    return {country.alpha_3: french.gettext(country.name) for country in pycountry.countries}


def country_name(*, code: str) -> str:
    """The French name of the country `code` (alpha-3); an unknown code is returned unchanged,
    as it was recorded, rather than hidden."""
    return _french_names().get(code.strip().upper(), code)
