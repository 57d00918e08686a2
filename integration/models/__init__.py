"""The integration app's models, one module per part of the work."""

from integration.models.followups import FollowUp, IntegrationNote, IntegrationNoteAddendum

__all__ = ["FollowUp", "IntegrationNote", "IntegrationNoteAddendum"]
