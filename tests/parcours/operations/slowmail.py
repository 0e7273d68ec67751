"""An e-mail backend whose first sending hangs, so a test can kill the worker mid-task."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend
from django.core.mail.message import EmailMessage


class FirstSendingHangs(EmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        marker = Path(str(self.file_path)).parent / "hanging-worker.pid"
        if not marker.exists():
            marker.write_text(str(os.getpid()))  # the process running the task
            time.sleep(600)  # until killed
        return int(super().send_messages(email_messages))
