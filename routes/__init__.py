"""The composition root: the two URL confs that mount the API and the pages on a host.

They sit above every layer (they import `api` and `frontend`), so that `platform/` never has
to: the settings name them by string (`ROOT_URLCONF`, `PUBLIC_SCHEMA_URLCONF`).
"""
