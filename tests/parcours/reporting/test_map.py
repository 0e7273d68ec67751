"""reporting/map.py: every square says what it shows, and no kind of square passes for another."""

from __future__ import annotations

import pytest

from parcours.reporting import map as france_map
from parcours.reporting.models import PublishedFigure


def _figure(**fields: object) -> PublishedFigure:
    return PublishedFigure(level="departement", indicator="x", **fields)


EXACT_0 = _figure(code="01", disclosure="exact", shown="0", value=0)
BANDED = _figure(code="02", disclosure="banded", shown="1–5", band_low=1, band_high=5)
SECRET = _figure(code="03", disclosure="suppressed", shown="s")
NO_DECISION = _figure(code="04", disclosure="exact", shown="—")  # a delay with no decision
LARGE = _figure(code="05", disclosure="exact", shown="275783", value=275783)


def _tiles(**kwargs: object) -> dict[str, france_map.Tile]:
    rows = [
        ("01", "Ain", EXACT_0),
        ("02", "Aisne", BANDED),
        ("03", "Allier", SECRET),
        ("04", "Alpes-de-Haute-Provence", NO_DECISION),
        ("05", "Hautes-Alpes", LARGE),
        ("06", "Alpes-Maritimes", None),
    ]
    return {t.code: t for t in france_map.tiles(rows=rows, **kwargs)}  # type: ignore[arg-type]


def test_each_square_carries_its_value_or_band_and_the_four_cases_differ() -> None:
    tiles = _tiles(included={"01", "02", "03", "04", "05"})
    assert (tiles["01"].label, tiles["01"].kind) == ("0", "value")
    assert (tiles["02"].label, tiles["02"].kind) == ("1–5", "value")
    assert (tiles["03"].label, tiles["03"].kind) == ("s", "secret")
    assert (tiles["04"].label, tiles["04"].kind) == ("—", "empty")
    assert (tiles["06"].label, tiles["06"].kind) == ("", "excluded")
    # Drawn four different ways: 0, secret, no value, not included.
    looks = {(tiles[c].fill, tiles[c].label) for c in ("01", "03", "04", "06")}
    assert len(looks) == 4
    assert tiles["04"].fill == f"url(#{france_map.HATCH})"
    assert tiles["06"].shown == "non inclus dans la publication"
    assert tiles["03"].shown == "s (secret statistique)"


def test_an_included_departement_without_a_figure_is_not_called_left_out() -> None:
    tiles = _tiles(included={"01", "02", "03", "04", "05", "06"})
    assert tiles["06"].kind == "empty"
    # Without the list of included départements (the annual report), no figure is left out.
    assert _tiles()["06"].kind == "excluded"


def test_large_values_are_grouped_by_thousands_and_fit_their_square() -> None:
    tile = _tiles(classes=france_map.classes_for(unit="€", figures=[EXACT_0, LARGE]))["05"]
    assert tile.label == "275\u00a0783"
    assert tile.label_size < 9.5  # a smaller font for a long label


def test_the_legend_explains_every_way_a_square_can_look() -> None:
    entries = france_map.legend(classes=france_map.CLASSES, empty_label="aucune décision")
    kinds = [entry.kind for entry in entries]
    assert kinds.count("value") == len(france_map.CLASSES)
    assert kinds[-3:] == ["secret", "empty", "excluded"]
    assert [(e.sample, e.label) for e in entries[-3:]] == [
        ("s", "secret statistique"),
        ("—", "aucune décision"),
        ("", "non inclus dans la publication"),
    ]


def test_amounts_keep_zero_apart_from_the_quartiles_of_the_values_above_it() -> None:
    figures = [
        EXACT_0,
        EXACT_0,
        EXACT_0,
        *(_figure(code="x", disclosure="exact", shown=str(v), value=v) for v in (10, 20, 30, 40)),
    ]
    classes = france_map.classes_for(unit="€", figures=figures)
    assert classes[0][:2] == (0, "0")
    assert [low for low, *_ in classes[1:]] == [10, 20, 30, 40]


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.parametrize(
    "fill, text",
    [(fill, text) for _, _, fill, text in france_map.CLASSES]
    + [france_map.SECRET[1:], france_map.MISSING[1:]]
    + [(fill, text) for fill, text in france_map._QUARTILE_FILLS],
)
def test_every_square_text_reaches_the_contrast_rgaa_asks_of_small_text(
    fill: str, text: str
) -> None:
    high, low = sorted([_luminance(fill), _luminance(text)], reverse=True)
    assert (high + 0.05) / (low + 0.05) >= 4.5
