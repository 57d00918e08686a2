"""Text messages through a small backend interface, chosen by `settings.SMS_BACKEND` (a dotted
path), like Django's e-mail backends: `ConsoleBackend` prints, `FileBackend` writes one file per
message under `settings.SMS_FILE_PATH` (tests, the demo). A real provider is one more class with
`send(to, text)` that raises on failure."""

import sys
import threading
import uuid
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string


class BaseSmsBackend:
    def send(self, to: str, text: str) -> None:
        raise NotImplementedError


class ConsoleBackend(BaseSmsBackend):
    _lock = threading.Lock()

    def send(self, to: str, text: str) -> None:
        with self._lock:
            sys.stdout.write(f"SMS to {to}\n{text}\n{'-' * 40}\n")
            sys.stdout.flush()


class FileBackend(BaseSmsBackend):
    def __init__(self, path: str | None = None):
        self.path = Path(path or settings.SMS_FILE_PATH)

    def send(self, to: str, text: str) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        name = f"{datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}.sms"
        (self.path / name).write_text(f"To: {to}\n\n{text}\n", encoding="utf-8")


def get_sms_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()
