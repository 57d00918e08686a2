class NotificationsError(Exception):
    """A rule said no; `message` is a sentence for the user, `field` the form field it is about."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
