"""Text-message backends for tests: one that hands the message over (writes the file) and then
hangs, so a test can kill the worker after the hand-off and before the result is recorded; one
that refuses every message."""

import time

from notifications.backends import BaseSmsBackend, FileBackend


class SlowFileBackend(FileBackend):
    def send(self, to: str, text: str) -> None:
        super().send(to, text)
        time.sleep(300)


class RefusingBackend(BaseSmsBackend):
    def send(self, to: str, text: str) -> None:
        raise ConnectionError("provider answered 503")
