"""Reads of published releases (the oversight of the commissions: test_oversight.py)."""

from __future__ import annotations


def test_sessions_are_facts_about_the_institution_published_exactly(release_2024) -> None:
    figures = release_2024.figures.filter(indicator="sessions_held", dimension="")
    assert figures.exists()
    assert not figures.exclude(disclosure="exact").exists()
