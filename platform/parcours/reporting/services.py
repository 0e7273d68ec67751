"""The release pipeline: start, one extraction per département, consolidation and publication.

`release_start` (national, audited) opens or reopens the release of a fixed period and queues
one extraction per active département (by task name: the extraction is the département's side,
`tenants.statistics.tasks`); each extraction writes its counts to the restricted staging table
(`staging_write`, or `staging_failed` after its retries); the last one queues
`release_consolidate`, which applies the disclosure control, replaces the published figures,
purges the staging counts and audits the publication. `tenants.statistics.services.release_run_sync`
does the same in one process, for the command line and tests.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from parcours.audit.services import audit_record
from parcours.departements.models import Tenant, TenantStatus
from parcours.errors import Refused
from parcours.metrics import timed
from parcours.queue import enqueue_on_commit
from parcours.referentiel.models import Departement
from parcours.referentiel.selectors import legal_parameter_value
from parcours.reporting import indicators
from parcours.reporting import vocabulary as x
from parcours.reporting.disclosure import (
    FRANCE,
    SUPPRESSED,
    DisclosureError,
    Rules,
    Shown,
    exact,
    management_figures,
    percentile_days,
    protect_breakdowns,
    protect_sums,
    rollup,
)
from parcours.reporting.models import (
    Level,
    PeriodKind,
    PublishedFigure,
    Release,
    ReleaseStatus,
    StagingCount,
)
from parcours.reporting.privacy_services import privacy_consolidate, privacy_reserve
from parcours.reporting.task_names import CONSOLIDATE_RELEASE, EXTRACT_DEPARTEMENT
from parcours.reporting.vocabulary import Count

logger = logging.getLogger(__name__)


class ReportingError(Refused):
    """A request the pipeline refuses, with a message in French for people."""


_MONTHS = {PeriodKind.YEAR: 12, PeriodKind.QUARTER: 3, PeriodKind.MONTH: 1}


def period_parse(*, text: str) -> tuple[str, dt.date]:
    """`2024` (year), `2024-T3` or `2024-Q3` (quarter), `2024-07` (month): fixed periods only,
    since arbitrary ranges could be differenced against each other."""
    value = text.strip().upper()
    try:
        if len(value) == 4:
            return PeriodKind.YEAR, dt.date(int(value), 1, 1)
        year, part = value.split("-")
        if part[0] in {"T", "Q"}:
            quarter = int(part[1:])
            if not 1 <= quarter <= 4:
                raise ValueError
            return PeriodKind.QUARTER, dt.date(int(year), 3 * quarter - 2, 1)
        return PeriodKind.MONTH, dt.date(int(year), int(part), 1)
    except (ValueError, IndexError) as exc:
        raise ReportingError(
            f"Période invalide : {text!r}. Écrivez 2024, 2024-T3 ou 2024-07."
        ) from exc


def period_end(*, kind: str, start: dt.date) -> dt.date:
    return start + relativedelta(months=_MONTHS[PeriodKind(kind)]) - dt.timedelta(days=1)


def rules_on(*, day: dt.date) -> Rules:
    return Rules(
        k=int(legal_parameter_value(key="statistics_k_threshold", on=day)),
        band_width=int(legal_parameter_value(key="statistics_band_width", on=day)),
    )


def release_start(
    *,
    period_kind: str,
    period_start: dt.date,
    actor_id: int | None,
    queue: bool = True,
    dp_epsilon: Decimal | None = None,
) -> Release:
    """Open the release of a fixed, ended period (or reopen it: a re-run replaces it).

    With `dp_epsilon`, a differentially private release is asked too: its ε is reserved now
    against the year's budget (refused, and nothing written, when short; `privacy_services`)."""
    if period_kind not in PeriodKind.values:
        raise ReportingError("Type de période inconnu.")
    if period_start.day != 1 or (
        (period_kind == PeriodKind.YEAR and period_start.month != 1)
        or (period_kind == PeriodKind.QUARTER and period_start.month % 3 != 1)
    ):
        raise ReportingError("Les statistiques se publient sur des périodes fixes.")
    end = period_end(kind=period_kind, start=period_start)
    if end >= timezone.localdate():
        raise ReportingError("La période n'est pas terminée : rien n'est publié avant son terme.")
    rules = rules_on(day=end)
    with schema_context("public"), transaction.atomic():
        codes = list(
            Tenant.objects.filter(status=TenantStatus.ACTIVE)
            .order_by("code")
            .values_list("code", flat=True)
        )
        release, _ = Release.objects.select_for_update().get_or_create(
            period_kind=period_kind,
            period_start=period_start,
            defaults={"period_end": end, "snapshot_on": end, "started_at": timezone.now()},
        )
        release.period_end = release.snapshot_on = end
        release.status = ReleaseStatus.RUNNING
        release.rules = rules.as_json()
        release.departements_expected = codes
        release.departements_included = []
        release.departements_missing = {}
        release.started_at = timezone.now()
        release.requested_by_id = actor_id
        release.save()
        StagingCount.objects.filter(release=release).delete()
        audit_record(
            action="reporting.release_started",
            actor_id=actor_id,
            object_type="release",
            object_id=release.pk,
            data={"period_kind": period_kind, "period_start": period_start.isoformat()},
        )
        privacy_reserve(release=release, epsilon=dp_epsilon, actor_id=actor_id)
        if queue:
            for code in codes:
                enqueue_on_commit(
                    EXTRACT_DEPARTEMENT,
                    schema_name=Tenant.schema_name_for(code),
                    release_id=release.pk,
                )
            if not codes:
                enqueue_on_commit(CONSOLIDATE_RELEASE, schema_name="public", release_id=release.pk)
        return release


def staging_write(
    *, release_id: int, code: str, counts: Sequence[Count], queue: bool = True
) -> bool:
    """Replace a département's staging counts for the release (idempotent); True when it was
    the last département expected, in which case the consolidation is queued."""
    with schema_context("public"), transaction.atomic():
        release = Release.objects.select_for_update().filter(pk=release_id).first()
        if release is None or release.status != ReleaseStatus.RUNNING:
            return False  # a late retry of a release since replaced or published
        StagingCount.objects.filter(release=release, departement=code).delete()
        StagingCount.objects.bulk_create(
            StagingCount(
                release=release,
                departement=code,
                indicator=c.indicator,
                dimension=c.dimension,
                category=c.category,
                value=c.value,
            )
            for c in counts
        )
        if code not in release.departements_included:
            release.departements_included = sorted([*release.departements_included, code])
        release.departements_missing.pop(code, None)
        release.save(update_fields=["departements_included", "departements_missing"])
        return _queue_consolidation_when_complete(release, queue=queue)


def staging_failed(*, release_id: int, code: str, error: str, queue: bool = True) -> bool:
    """Record a département that could not be extracted: it is shown as missing, others publish."""
    with schema_context("public"), transaction.atomic():
        release = Release.objects.select_for_update().filter(pk=release_id).first()
        if release is None or release.status != ReleaseStatus.RUNNING:
            return False
        StagingCount.objects.filter(release=release, departement=code).delete()
        release.departements_included = [c for c in release.departements_included if c != code]
        release.departements_missing[code] = error[:100]
        release.save(update_fields=["departements_included", "departements_missing"])
        return _queue_consolidation_when_complete(release, queue=queue)


def _queue_consolidation_when_complete(release: Release, *, queue: bool) -> bool:
    done, expected = release.progress
    if done < expected:
        return False
    if not queue:
        return True
    enqueue_on_commit(CONSOLIDATE_RELEASE, schema_name="public", release_id=release.pk)
    return True


@timed("release")  # consolidation, disclosure control and publication, in the metrics
def release_consolidate(*, release_id: int) -> Release:
    """Publish the release: disclosure control over the staging counts, figures replaced in one
    transaction, staging purged. Idempotent: a published release is left as it is."""
    with schema_context("public"), transaction.atomic():
        release = Release.objects.select_for_update().get(pk=release_id)
        if release.status != ReleaseStatus.RUNNING:
            return release
        region_of = dict(Departement.objects.values_list("code", "region__code"))
        rules = Rules(k=release.rules["k"], band_width=release.rules["band_width"])
        included = list(release.departements_included)
        staged = list(
            StagingCount.objects.filter(release=release).values_list(
                "departement", "indicator", "dimension", "category", "value"
            )
        )
        PublishedFigure.objects.filter(release=release).delete()
        if included:
            PublishedFigure.objects.bulk_create(
                _figures(release, staged, included, region_of, rules)
            )
            release.status = ReleaseStatus.PUBLISHED
            release.published_at = timezone.now()
        else:
            release.status = ReleaseStatus.FAILED
        release.save(update_fields=["status", "published_at", "rules"])
        privacy_consolidate(release=release, staged=staged, region_of=region_of)
        StagingCount.objects.filter(release=release).delete()
        audit_record(
            action=f"reporting.release_{release.status}",
            object_type="release",
            object_id=release.pk,
            data={
                "included": len(included),
                "missing": sorted(release.departements_missing),
            },
        )
        return release


def _figures(
    release: Release,
    staged: list[tuple[str, str, str, str, int]],
    included: list[str],
    region_of: dict[str, str],
    rules: Rules,
) -> list[PublishedFigure]:
    totals: dict[str, dict[str, int]] = defaultdict(dict)
    cells: dict[tuple[str, str], dict[tuple[str, str], int]] = defaultdict(dict)
    all_categories = indicators.categories()
    known = {d: {code for code, _ in cats} for d, cats in all_categories.items()}
    delays: dict[str, dict[int, int]] = defaultdict(dict)
    associations: dict[str, set[str]] = defaultdict(set)
    for code, staged_indicator, dimension, category, value in staged:
        if dimension == x.DIMENSION_DELAY_DAYS:
            delays[code][int(category)] = value
            continue
        if dimension == x.DIMENSION_ASSOCIATION:
            associations[category].add(code)
            continue
        if dimension == x.DIMENSION_DP_CAPPED:
            continue  # the differentially private release's input, never published as such
        if not dimension:
            totals[staged_indicator][code] = value
            continue
        if category not in known.get(dimension, set()):
            category = "autre" if "autre" in known.get(dimension, set()) else category
        bucket = cells[(staged_indicator, dimension)]
        bucket[(code, category)] = bucket.get((code, category), 0) + value
    figures: list[PublishedFigure] = []

    def add(indicator: str, key: tuple[str, str, str, str], shown: Shown) -> None:
        level, code, dimension, category = key
        figures.append(
            PublishedFigure(
                release=release,
                level=level,
                code=code,
                indicator=indicator,
                dimension=dimension,
                category=category,
                disclosure=shown.disclosure,
                shown=shown.shown,
                value=shown.value,
                band_low=shown.low if shown.disclosure == "banded" else None,
                band_high=shown.high if shown.disclosure == "banded" else None,
            )
        )

    for indicator in indicators.OVERSIGHT:
        values = {code: totals[indicator.code].get(code, 0) for code in included}
        for key, value in rollup(values, region_of).items():
            add(indicator.code, key, exact(value))
        # Their detail (which colleges lack a titular) per département, exactly: no person.
        for (staged_indicator, dimension), facts in cells.items():
            if staged_indicator == indicator.code:
                for (code, category), value in sorted(facts.items()):
                    add(indicator.code, ("departement", code, dimension, category), exact(value))
    for indicator in indicators.MANAGEMENT:
        if indicator.years_only and release.period_kind != PeriodKind.YEAR:
            # Flows too: a year's are the sum of its quarters' and months', and publishing both
            # would undo one period's bands and secrets with the other's (disclosure.py).
            continue
        margins = {code: totals[indicator.code].get(code, 0) for code in included}
        for key, shown in management_figures(
            values=margins, region_of=region_of, rules=rules
        ).items():
            add(indicator.code, key, shown)
        dimensions = indicators.BREAKDOWNS.get(indicator.code, [])
        if not dimensions:
            continue
        breakdowns = {d: cells.get((indicator.code, d), {}) for d in dimensions}
        categories = {d: [code for code, _ in all_categories[d]] for d in dimensions}
        try:
            protected = protect_breakdowns(
                margins=margins,
                breakdowns=breakdowns,
                categories=categories,
                region_of=region_of,
                rules=rules,
            )
        except DisclosureError:
            # Withheld whole rather than published unsafely; the management figures stand.
            logger.warning("breakdowns of %s withheld in release %s", indicator.code, release.pk)
            release.rules = {
                **release.rules,
                "withheld": sorted({*release.rules.get("withheld", []), indicator.code}),
            }
            continue
        for key, shown in protected.items():
            add(indicator.code, key, shown)
    _derived(release, add, totals, delays, associations, included, region_of, rules)
    assert all(f.level in Level.values for f in figures)
    return figures


def _derived(
    release: Release,
    add: Callable[[str, tuple[str, str, str, str], Shown], None],
    totals: dict[str, dict[str, int]],
    delays: dict[str, dict[int, int]],
    associations: dict[str, set[str]],
    included: list[str],
    region_of: dict[str, str],
    rules: Rules,
) -> None:
    """Figures computed from the départements' counts rather than summed: decision delays (from
    histograms), the AFIS due (an amount, protected like a table), associations in several
    départements (public bodies: exact)."""
    # Delays: the median and 90th percentile where k decisions or more stand behind them; a
    # smaller group's median would be one person's delay.
    groups: dict[tuple[str, str], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for code in included:
        for days, n in delays.get(code, {}).items():
            for group in (
                ("departement", code),
                ("region", region_of[code]),
                ("france", FRANCE),
            ):
                groups[group][days] += n
    levels = [("departement", c) for c in included]
    levels += [("region", r) for r in sorted({region_of[c] for c in included})]
    levels += [("france", FRANCE)] if included else []
    delays_published = [
        (indicator, share)
        for indicator, share in (
            (indicators.DECISION_DELAY_MEDIAN, 0.5),
            (indicators.DECISION_DELAY_P90, 0.9),
        )
        if release.period_kind == PeriodKind.YEAR or not indicators.BY_CODE[indicator].years_only
    ]
    for level, code in levels:
        histogram = groups.get((level, code), {})
        decided = sum(histogram.values())
        for indicator, share in delays_published:
            if decided < rules.k:
                shown = SUPPRESSED if decided else Shown("exact", "—")
            else:
                shown = exact(percentile_days(histogram, share=share))
            add(indicator, (level, code, "", ""), shown)
    # The AFIS due: exact where k beneficiaries or more (or none), else secret, with complements.
    amounts = {c: totals[x.AFIS_AMOUNT_DUE].get(c, 0) for c in included}
    beneficiaries = {c: totals[x.AFIS_BENEFICIARIES].get(c, 0) for c in included}
    try:
        protected = protect_sums(
            amounts=amounts, counts=beneficiaries, region_of=region_of, rules=rules
        )
    except DisclosureError:
        logger.warning("AFIS amounts withheld in release %s", release.pk)
        release.rules = {
            **release.rules,
            "withheld": sorted({*release.rules.get("withheld", []), x.AFIS_AMOUNT_DUE}),
        }
    else:
        for key, shown in protected.items():
            add(x.AFIS_AMOUNT_DUE, key, shown)
    # Associations approved in several départements (of those included in the release).
    several = {a for a, codes in associations.items() if len(codes) >= 2}
    per_code: dict[tuple[str, str], set[str]] = defaultdict(set)
    for association in several:
        for code in associations[association]:
            per_code[("departement", code)].add(association)
            per_code[("region", region_of[code])].add(association)
            per_code[("france", FRANCE)].add(association)
    for level, code in levels:
        add(
            indicators.ASSOCIATIONS_MULTI,
            (level, code, "", ""),
            exact(len(per_code.get((level, code), set()))),
        )
