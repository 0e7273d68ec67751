"""The names the national statistics' tasks are registered under.

Every task of the pipeline is queued by its name (`parcours.queue.enqueue_on_commit`): those run
in a département's schema are defined on the département's side (`tenants.statistics.tasks`),
above the platform, which never imports them; the national ones (`parcours.reporting.tasks`)
sit above the services that queue them, so no service imports its task.
"""

from __future__ import annotations

# In a département's schema.
EXTRACT_DEPARTEMENT = "tenants.statistics.tasks.extract_departement"
REFRESH_COMMISSION_STATUS = "tenants.statistics.tasks.refresh_commission_status"
# In the public schema.
CONSOLIDATE_RELEASE = "parcours.reporting.tasks.consolidate_release"
GENERATE_NATIONAL_REPORT = "parcours.reporting.tasks.generate_national_report"
REFRESH_ALL_COMMISSION_STATUSES = "parcours.reporting.tasks.refresh_all_commission_statuses"
