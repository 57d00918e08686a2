class SessionsError(Exception):
    """A rule about appointments or sessions said no. The message is for the user."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
