"""WSGI entry point; puts the source roots on the path like manage.py does."""

import os
import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent.parent
for _source_root in (_ROOT, _ROOT / "platform"):
    if str(_source_root) not in sys.path:
        sys.path.append(str(_source_root))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parcours.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()

from parcours.accounts.checks import refuse_unsafe_start  # noqa: E402

refuse_unsafe_start()
