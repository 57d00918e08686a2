class OutcomesError(Exception):
    """A rule of the outcomes app said no; `message` is a sentence for the user."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
