"""What a release publishes: the indicators, their French labels, and their breakdowns."""

from __future__ import annotations

from dataclasses import dataclass

from parcours.referentiel import world_regions
from parcours.referentiel.decisions import REFUSAL_GROUNDS, Avis
from parcours.referentiel.models import NomenclatureItem, NomenclatureKind
from parcours.reporting import vocabulary as x


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    stock: bool  # counted on the snapshot day; otherwise within the period
    # Published in year releases only: entered per calendar year (prevention figures), or a
    # flow (a year's flows are the sum of its quarters' and months': publishing both would undo
    # the bands and secrets of one with the other; see disclosure.py, "Periods").
    years_only: bool = False
    # A région's figure is the sum of its départements' (a median or a count of distinct
    # associations is not): only additive figures form the tables an attacker can solve.
    additive: bool = True
    unit: str = ""  # empty for a count of persons, files or bodies


@dataclass(frozen=True)
class Dimension:
    code: str
    label: str


MANAGEMENT = [
    Indicator(x.PERSONS_IN_PATHWAY, "Personnes en parcours de sortie", stock=True),
    Indicator(x.FIRST_REQUESTS, "Premières demandes déposées", stock=False, years_only=True),
    Indicator(x.AUTHORISATIONS, "Premières autorisations", stock=False, years_only=True),
    Indicator(x.REFUSALS, "Refus", stock=False, years_only=True),
    Indicator(x.RENEWALS, "Renouvellements accordés", stock=False, years_only=True),
    Indicator(x.EXITS, "Sorties du parcours", stock=False, years_only=True),
    Indicator(x.EARLY_ENDS, "Fins anticipées", stock=False, years_only=True),
    Indicator(x.FILES_PENDING, "Dossiers en cours d'instruction", stock=True),
    Indicator(x.APPROVALS_IN_FORCE, "Agréments d'associations en vigueur", stock=True),
    Indicator(
        x.FILES_EXAMINED, "Dossiers examinés par la commission", stock=False, years_only=True
    ),
    Indicator(x.AFIS_BENEFICIARIES, "Bénéficiaires de l'AFIS", stock=True),
    Indicator(
        x.APS_GRANTED, "Autorisations provisoires de séjour obtenues", stock=False, years_only=True
    ),
    Indicator(
        x.HOUSING_OBTAINED,
        "Personnes ayant obtenu un logement ou un hébergement",
        stock=False,
        years_only=True,
    ),
    Indicator(
        x.CARE_OPENED, "Personnes ayant ouvert un accès aux soins", stock=False, years_only=True
    ),
    Indicator(
        x.TRAINING_OR_EMPLOYMENT,
        "Personnes entrées en formation ou en emploi",
        stock=False,
        years_only=True,
    ),
    Indicator(
        x.BUYERS_FINED,
        "Personnes verbalisées pour achat d'acte sexuel",
        stock=False,
        years_only=True,
    ),
    Indicator(
        x.AWARENESS_COURSES, "Stages de sensibilisation ordonnés", stock=False, years_only=True
    ),
    Indicator(
        x.PROCURING_PROCEEDINGS, "Procédures pour proxénétisme", stock=False, years_only=True
    ),
    Indicator(
        x.TRAFFICKING_PROCEEDINGS,
        "Procédures pour traite des êtres humains",
        stock=False,
        years_only=True,
    ),
    Indicator(x.PREVENTION_ACTIONS, "Actions de prévention", stock=False, years_only=True),
]
# Facts about the institution, not about persons: published exactly, no band, no secret.
OVERSIGHT = [
    Indicator(x.COMMISSION_TITULARS, "Membres titulaires en mandat", stock=True),
    Indicator(x.SESSIONS_HELD, "Séances de la commission tenues", stock=False),
    Indicator(x.COLLEGES_WITHOUT_TITULAR, "Collèges sans titulaire", stock=True),
    Indicator(x.COMPOSITION_SEATS, "Sièges titulaires de la composition", stock=True),
    Indicator(x.SEATS_FILLED, "Sièges titulaires pourvus", stock=True),
    Indicator(
        x.FILES_OVERDUE, "Dossiers au-delà des délais d'instruction et de décision", stock=True
    ),
    Indicator(x.APPROVALS_EXPIRING, "Agréments expirant dans les 90 jours", stock=True),
    Indicator(x.SESSIONS_WITHOUT_QUORUM, "Séances sans quorum (carence)", stock=False),
]
# Computed by the consolidation from what the départements send (see services._derived).
DECISION_DELAY_MEDIAN = "decision_delay_median"
DECISION_DELAY_P90 = "decision_delay_p90"
ASSOCIATIONS_MULTI = "associations_several_departements"
DERIVED = [
    Indicator(
        DECISION_DELAY_MEDIAN,
        "Délai médian de la demande à la décision (jours)",
        stock=False,
        years_only=True,
        additive=False,
        unit="jours",
    ),
    Indicator(
        DECISION_DELAY_P90,
        "Délai de la demande à la décision, 9 dossiers sur 10 en deçà (jours)",
        stock=False,
        years_only=True,
        additive=False,
        unit="jours",
    ),
    Indicator(x.AFIS_AMOUNT_DUE, "Montant mensuel d'AFIS dû (euros)", stock=True, unit="€"),
    Indicator(
        ASSOCIATIONS_MULTI,
        "Associations agréées dans plusieurs départements",
        stock=True,
        additive=False,
    ),
]
# What the national dashboard offers to detail and map.
PUBLISHED = MANAGEMENT + DERIVED


def published_in(*, period_kind: str) -> list[Indicator]:
    """The indicators a release of this kind of period publishes (yearly entries: years only)."""
    return [i for i in PUBLISHED if period_kind == "year" or not i.years_only]


BY_CODE = {indicator.code: indicator for indicator in MANAGEMENT + OVERSIGHT + DERIVED}
# The figures followed from one release to the next (trend charts, the annual report's tables
# by région): the pathway's volume at each of its steps and the allowance that sustains it.
KEY = [
    x.PERSONS_IN_PATHWAY,
    x.FIRST_REQUESTS,
    x.AUTHORISATIONS,
    x.EXITS,
    x.AFIS_BENEFICIARIES,
]

DIMENSIONS = {
    x.DIMENSION_PERIOD: Dimension(x.DIMENSION_PERIOD, "Durée dans le parcours"),
    x.DIMENSION_CHILDREN: Dimension(x.DIMENSION_CHILDREN, "Enfants à charge"),
    x.DIMENSION_OUTCOME: Dimension(x.DIMENSION_OUTCOME, "Issue de la sortie"),
    x.DIMENSION_SEX: Dimension(x.DIMENSION_SEX, "Sexe"),
    x.DIMENSION_AGE: Dimension(x.DIMENSION_AGE, "Âge"),
    x.DIMENSION_WORLD_REGION: Dimension(x.DIMENSION_WORLD_REGION, "Nationalité (région du monde)"),
    x.DIMENSION_REFUSAL_GROUND: Dimension(x.DIMENSION_REFUSAL_GROUND, "Motif principal du refus"),
    x.DIMENSION_AVIS: Dimension(x.DIMENSION_AVIS, "Sens de l'avis"),
}
# Details of the institution's facts (published exactly, département level): not breakdowns.
DETAILS = {x.DIMENSION_COLLEGE: Dimension(x.DIMENSION_COLLEGE, "Collège")}
# Which indicator each breakdown splits: its margins are that indicator's figures.
BREAKDOWNS = {
    x.PERSONS_IN_PATHWAY: [
        x.DIMENSION_PERIOD,
        x.DIMENSION_CHILDREN,
        x.DIMENSION_SEX,
        x.DIMENSION_AGE,
        x.DIMENSION_WORLD_REGION,
    ],
    x.EXITS: [x.DIMENSION_OUTCOME],
    x.REFUSALS: [x.DIMENSION_REFUSAL_GROUND],
    x.FILES_EXAMINED: [x.DIMENSION_AVIS],
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
    x.DIMENSION_SEX: [
        ("femme", "Femmes"),
        ("homme", "Hommes"),
        ("autre", "Autre"),
        (x.NOT_RECORDED, "Non renseigné"),
    ],
    x.DIMENSION_AGE: [
        ("moins_18", "Moins de 18 ans"),
        ("18_24", "18 à 24 ans"),
        ("25_34", "25 à 34 ans"),
        ("35_44", "35 à 44 ans"),
        ("45_plus", "45 ans ou plus"),
        (x.NOT_RECORDED, "Non renseigné"),
    ],
    x.DIMENSION_WORLD_REGION: world_regions.LABELS,
    x.DIMENSION_REFUSAL_GROUND: [
        *[(ground, REFUSAL_GROUNDS[ground]) for ground in x.REFUSAL_GROUND_ORDER],
        (x.NOT_RECORDED, "Non renseigné"),
    ],
    x.DIMENSION_AVIS: [(code, f"Avis {label.lower()}") for code, label in Avis.choices],
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
