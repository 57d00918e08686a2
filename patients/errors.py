class PatientsError(Exception):
    """A rule about patients, courses or alerts said no. The message is for the user."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
