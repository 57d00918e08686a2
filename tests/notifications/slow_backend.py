"""A text-message backend for the killed-worker test: it hands the message over (writes the file)
and then hangs, so the test can kill the worker after the hand-off and before the result is
recorded."""

import time

from notifications.backends import FileBackend


class SlowFileBackend(FileBackend):
    def send(self, to: str, text: str) -> None:
        super().send(to, text)
        time.sleep(300)
