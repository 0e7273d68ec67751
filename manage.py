#!/usr/bin/env python
"""Django's command-line utility; puts the `platform/` source root on the path first."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
# Appended, never prepended: `platform/` must not shadow the standard library's `platform`.
for source_root in (ROOT, ROOT / "platform"):
    if str(source_root) not in sys.path:
        sys.path.append(str(source_root))


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parcours.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
