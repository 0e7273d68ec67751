"""A real OpenID provider (django-oauth-toolkit) that the ProConnect tests start in a process
of its own, backed by its own PostgreSQL database: see serve.py."""
