"""Approved associations for the national demo: one network approved in 15 départements (the
sources name one such network), a few regional associations approved in two or three
départements of their région, and a local association in most départements (two where more than
20 persons are in a PSP): about 110 associations, near the 119 approved in 2021 [C/S].

The registry (name, RNA, head office: public bodies, no personal data) is national; each
approval lives in its département's schema, for 3 years, renewed back to back from a first
approval between 2018 and 2021, so that every département with persons has approvals in force on
each 31 December. Two approvals end within 90 days of today and one lapsed in 2025 (not renewed),
so that the oversight has something to flag.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from parcours.associations.models import Association
from parcours.referentiel.models import Departement
from tenants.agrements.models import Agrement, AgrementStatus

NETWORK_RNA = "W000002024"
NETWORK_SIZE = 15
REGIONAL = 6


@dataclass(frozen=True)
class Approval:
    association_id: int
    first_from: dt.date
    # The chain's last approval ends on this day, not renewed (None: renewed up to today).
    last_until: dt.date | None = None


def associations_ensure(*, stock_2024: Mapping[str, int]) -> dict[str, list[Approval]]:
    """The associations (created once in the national registry) and, per département, the
    approvals to record there. Four queries whatever the number of départements."""
    today = timezone.localdate()
    departements = {d.code: d for d in Departement.objects.select_related("region")}
    with_persons = sorted((c for c, n in stock_2024.items() if n), key=lambda c: -stock_2024[c])
    without = [c for c in departements if not stock_2024.get(c)]
    wanted: list[tuple[str, str, str, list[str]]] = [  # rna, name, head office, where approved
        (
            NETWORK_RNA,
            "Réseau national d'accompagnement (données de démonstration)",
            "75",
            with_persons[:NETWORK_SIZE],
        )
    ]
    by_region: dict[str, list[str]] = {}
    for code in with_persons:
        by_region.setdefault(departements[code].region.code, []).append(code)
    regions = sorted((r for r, codes in by_region.items() if len(codes) >= 2), key=lambda r: r)
    for n, region in enumerate(regions[:REGIONAL], 1):
        codes = by_region[region][:3]
        name = departements[codes[0]].region.name
        wanted.append((f"W00002{n:04d}", f"Passerelle {name} (démo)", codes[0], codes))
    local = [*with_persons, *[c for k, c in enumerate(without) if k % 4]]
    for n, code in enumerate(local, 1):
        wanted.append(
            (f"W00003{n:04d}", f"Accompagnement {departements[code].name} (démo)", code, [code])
        )
        if stock_2024.get(code, 0) > 20:
            wanted.append(
                (
                    f"W00004{n:04d}",
                    f"Maison des femmes {departements[code].name} (démo)",
                    code,
                    [code],
                )
            )
    Association.objects.bulk_create(
        [
            Association(
                rna=rna,
                name=name,
                head_office_departement=departements[head],
                declared_on=dt.date(2008 + n % 8, 1 + n % 12, 1 + n % 27),
            )
            for n, (rna, name, head, _) in enumerate(wanted)
        ],
        ignore_conflicts=True,
    )
    ids = dict(Association.objects.filter(rna__in=[w[0] for w in wanted]).values_list("rna", "pk"))
    approvals: dict[str, list[Approval]] = {}
    for n, (rna, _, _, codes) in enumerate(wanted):
        for k, code in enumerate(codes):
            first = dt.date(2018, 1, 15) + dt.timedelta(days=(n * 97 + k * 41) % 1400)
            approvals.setdefault(code, []).append(Approval(ids[rna], first))
    # Deliberately: two approvals ending within 90 days, one lapsed in 2025 (see docstring).
    for n, code in enumerate(c for c in with_persons[NETWORK_SIZE:] if len(approvals[c]) > 1):
        if n == 2:
            break
        first = today + dt.timedelta(days=40 + 20 * n) - relativedelta(years=6)
        approvals[code][-1] = Approval(approvals[code][-1].association_id, first)
    for lapsed in [c for c in without if c in approvals][:1]:
        approvals[lapsed][0] = Approval(
            approvals[lapsed][0].association_id, dt.date(2019, 5, 2), dt.date(2025, 5, 2)
        )
    return approvals


def approvals_write(*, code: str, approvals: list[Approval]) -> int:
    """Record the département's approvals (3 years each, renewed back to back); nothing if the
    département already has approvals of these associations."""
    today = timezone.localdate()
    ids = [a.association_id for a in approvals]
    if not ids or Agrement.objects.filter(association_id__in=ids).exists():
        return 0
    chains: list[list[tuple[dt.date, dt.date]]] = []
    for approval in approvals:
        chain = []
        start = approval.first_from
        while start <= today:
            end = start + relativedelta(years=3)
            if approval.last_until is not None and start >= approval.last_until:
                break
            chain.append((start, end))
            start = end
        chains.append(chain)
    created = 0
    previous: dict[int, Agrement] = {}
    with transaction.atomic():
        for generation in range(max(len(c) for c in chains)):
            rows = []
            for n, (approval, chain) in enumerate(zip(approvals, chains, strict=True)):
                if generation >= len(chain):
                    continue
                start, end = chain[generation]
                requested = start - relativedelta(months=4)
                rows.append(
                    Agrement(
                        association_id=approval.association_id,
                        status=AgrementStatus.APPROVED,
                        requested_on=requested,
                        departements=[code],
                        complete_on=requested + dt.timedelta(days=21),
                        decided_on=start,
                        valid_from=start,
                        valid_until=end,
                        arrete_reference=f"Arrêté préfectoral {code}-{start:%Y}-AG{n + 1:02d}",
                        renewal_of=previous.get(approval.association_id),
                    )
                )
            for row in Agrement.objects.bulk_create(rows):
                previous[row.association_id] = row
            created += len(rows)
    return created
