"""What a release publishes: the indicators, their French labels, and their breakdowns."""

from __future__ import annotations

from dataclasses import dataclass

from parcours.referentiel.models import NomenclatureItem, NomenclatureKind
from tenants.casework import extraction as x


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    stock: bool  # counted on the snapshot day; otherwise within the period


@dataclass(frozen=True)
class Dimension:
    code: str
    label: str


MANAGEMENT = [
    Indicator(x.PERSONS_IN_PATHWAY, "Personnes en parcours de sortie", stock=True),
    Indicator(x.FIRST_REQUESTS, "Premières demandes déposées", stock=False),
    Indicator(x.AUTHORISATIONS, "Premières autorisations", stock=False),
    Indicator(x.REFUSALS, "Refus", stock=False),
    Indicator(x.RENEWALS, "Renouvellements accordés", stock=False),
    Indicator(x.EXITS, "Sorties du parcours", stock=False),
    Indicator(x.EARLY_ENDS, "Fins anticipées", stock=False),
    Indicator(x.FILES_PENDING, "Dossiers en cours d'instruction", stock=True),
    Indicator(x.APPROVALS_IN_FORCE, "Agréments d'associations en vigueur", stock=True),
    Indicator(x.SESSIONS_HELD, "Séances de la commission tenues", stock=False),
    Indicator(x.AFIS_BENEFICIARIES, "Bénéficiaires de l'AFIS", stock=True),
    Indicator(x.APS_GRANTED, "Autorisations provisoires de séjour obtenues", stock=False),
    Indicator(
        x.HOUSING_OBTAINED, "Personnes ayant obtenu un logement ou un hébergement", stock=False
    ),
    Indicator(x.CARE_OPENED, "Personnes ayant ouvert un accès aux soins", stock=False),
    Indicator(x.TRAINING_OR_EMPLOYMENT, "Personnes entrées en formation ou en emploi", stock=False),
]
# Facts about the institution, not about persons: published exactly, no band, no secret.
OVERSIGHT = [
    Indicator(x.COMMISSION_TITULARS, "Membres titulaires en mandat", stock=True),
    Indicator(x.COLLEGES_WITHOUT_TITULAR, "Collèges sans titulaire", stock=True),
    Indicator(
        x.FILES_OVERDUE, "Dossiers au-delà des délais d'instruction et de décision", stock=True
    ),
    Indicator(x.APPROVALS_EXPIRING, "Agréments expirant dans les 90 jours", stock=True),
]
# The figures followed from one release to the next (trend charts, the annual report's tables
# by région): the pathway's volume at each of its steps and the allowance that sustains it.
KEY = [
    x.PERSONS_IN_PATHWAY,
    x.FIRST_REQUESTS,
    x.AUTHORISATIONS,
    x.EXITS,
    x.AFIS_BENEFICIARIES,
]
BY_CODE = {indicator.code: indicator for indicator in MANAGEMENT + OVERSIGHT}

DIMENSIONS = {
    x.DIMENSION_PERIOD: Dimension(x.DIMENSION_PERIOD, "Durée dans le parcours"),
    x.DIMENSION_CHILDREN: Dimension(x.DIMENSION_CHILDREN, "Enfants à charge"),
    x.DIMENSION_OUTCOME: Dimension(x.DIMENSION_OUTCOME, "Issue de la sortie"),
}
# Which indicator each breakdown splits: its margins are that indicator's figures.
BREAKDOWNS = {
    x.PERSONS_IN_PATHWAY: [x.DIMENSION_PERIOD, x.DIMENSION_CHILDREN],
    x.EXITS: [x.DIMENSION_OUTCOME],
}
_FIXED_CATEGORIES = {
    x.DIMENSION_PERIOD: [
        ("1", "1re période (6 premiers mois)"),
        ("2", "2e période"),
        ("3", "3e période"),
        ("4", "4e période"),
    ],
    x.DIMENSION_CHILDREN: [
        ("0", "Sans enfant"),
        ("1", "1 enfant"),
        ("2", "2 enfants"),
        ("3+", "3 enfants ou plus"),
    ],
}


def categories() -> dict[str, list[tuple[str, str]]]:
    """Each dimension's categories (code, label), zeros included; outcomes from the nomenclature."""
    outcomes = [
        (item.code, item.label)
        for item in NomenclatureItem.objects.filter(kind=NomenclatureKind.EXIT_OUTCOME).order_by(
            "position", "code"
        )
    ]
    return {
        **_FIXED_CATEGORIES,
        x.DIMENSION_OUTCOME: [*outcomes, (x.OUTCOME_NOT_RECORDED, "Non renseignée")],
    }
