class ScreeningError(Exception):
    """A screening rule said no (a published policy edited, no active policy). For the user."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
