"""Every write on the commission, by responsibility; this module only names them in one place
for callers that predate the split (the demo seeders, the benchmarks).

- `members`: appointing members, ending mandates, replacements, arrêtés, college settings;
- `sessions`: planning, convening, opening, attendance, closing, the second convocation;
- `agenda`: files and policy items on a session's agenda;
- `deliberation`: conflicts of interest, votes, the avis;
- `seats` (reads): who sits and who votes, the quorum.

New code imports from those modules directly; pages and the API go through `commands`.
"""

from __future__ import annotations

from tenants.commission.agenda import agenda_add_file, agenda_add_policy, agenda_remove_file
from tenants.commission.common import CommissionError
from tenants.commission.deliberation import conflict_declare, item_close, vote_cast
from tenants.commission.members import (
    Replacement,
    college_setting_save,
    member_appoint,
    member_arrete_attach,
    member_designate,
    member_end_mandate,
)
from tenants.commission.seats import (
    Quorum,
    SessionState,
    Voice,
    not_voting,
    quorum,
    seat_voices,
    session_state,
    voters,
)
from tenants.commission.selectors import mandates_ending
from tenants.commission.sessions import (
    attendance_record,
    session_close,
    session_convene,
    session_open,
    session_reconvene,
    session_schedule,
)

__all__ = [
    "CommissionError",
    "Quorum",
    "Replacement",
    "SessionState",
    "Voice",
    "agenda_add_file",
    "agenda_add_policy",
    "agenda_remove_file",
    "attendance_record",
    "college_setting_save",
    "conflict_declare",
    "item_close",
    "mandates_ending",
    "member_appoint",
    "member_arrete_attach",
    "member_designate",
    "member_end_mandate",
    "not_voting",
    "quorum",
    "seat_voices",
    "session_close",
    "session_convene",
    "session_open",
    "session_reconvene",
    "session_schedule",
    "session_state",
    "vote_cast",
    "voters",
]
