"""The database connection as django-tenants extends it.

django-tenants' DatabaseWrapper adds the schema methods (`set_tenant`, `schema_name`, …) that
django-stubs cannot know about; this alias lets typed code use them without casts everywhere.
"""

from typing import Any

from django.db import connection as _connection

connection: Any = _connection
