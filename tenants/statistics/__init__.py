"""The département's side of the national statistics and oversight: what leaves its schema.

The counts of a release (`tenants.statistics.extraction`) and the commission's status of today
(`tenants.statistics.status`) are computed inside each département's schema and handed to the
platform's writes (`parcours.reporting.services.staging_write`,
`parcours.reporting.oversight_services.commission_status_write`). The platform queues the tasks
here by name and never imports this package: it sits above the platform and above the two
apps whose facts it carries, so neither of those needs to know the other's.
"""
