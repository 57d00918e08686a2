class PortalError(Exception):
    """A rule about the patient portal said no. The message is for the user."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
