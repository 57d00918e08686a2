"""Emergency access ("break-glass"): a clinician outside a patient's care team opens the chart
by typing a reason. It lasts 4 hours, shows a banner on that patient's pages, is audited as
`break_glass`, and alerts the clinic's administrators and the patient's primary therapist.

The grant is a row (`accounts.BreakGlassAccess`) that the one access policy (`patients.access`)
reads: this module never lets anyone past the policy by itself.
"""

import contextlib
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import BreakGlassAccess, User
from accounts.roles import CLINICIANS, Role
from audit.models import Action
from audit.services import record
from patients.access import Access, may
from patients.errors import PatientsError
from patients.models import Alert, Patient
from patients.services import alert_raise

DURATION = timedelta(hours=4)
SESSION_KEY = "break_glass"


@transaction.atomic
def break_glass_open(*, user, mrn: str, reason: str) -> BreakGlassAccess:
    """Open `mrn`'s chart to `user` for 4 hours. Raises PatientsError when it may not."""
    if user.role not in CLINICIANS:
        raise PatientsError("Only clinicians may use emergency access.")
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise PatientsError("Say why, in a sentence: the reason is kept.", field="reason")
    patient = Patient.objects.filter(mrn=(mrn or "").strip().upper()).first()
    if patient is None:
        raise PatientsError("No patient has that record number.", field="mrn")
    if may(user, Access.VIEW_RECORD, patient):
        existing = BreakGlassAccess.objects.filter(
            user=user, patient_id=patient.pk, ends_at__gt=timezone.now()
        ).first()
        if existing is not None:
            return existing
        raise PatientsError("You may already open this chart.", field="mrn")
    now = timezone.now()
    grant = BreakGlassAccess.objects.create(
        user=user, patient_id=patient.pk, reason=reason, started_at=now, ends_at=now + DURATION
    )
    record(
        user=user,
        action=Action.BREAK_GLASS,
        patient_id=patient.pk,
        obj=grant,
        detail={"hours": int(DURATION.total_seconds() // 3600)},
    )
    _alert(grant, user, patient)
    return grant


def _alert(grant, user, patient) -> None:
    who = user.get_full_name() or user.username
    primary = patient.care_team.filter(primary=True).select_related("clinician").first()
    if primary is not None:
        # Nobody on the team may receive it: the administrators still hear of it.
        with contextlib.suppress(PatientsError):
            alert_raise(
                patient=patient,
                recipient=primary.clinician,
                kind=Alert.Kind.CLINICAL,
                severity=Alert.Severity.WARNING,
                message=f"Emergency access to this chart was opened by {who} "
                f"until {timezone.localtime(grant.ends_at):%-I:%M %p}, with a reason.",
                by=user,
            )
    admins = list(User.objects.filter(role=Role.ADMIN, is_active=True))
    if admins:
        # About the access, not the patient: no patient on it (the audit log names the chart).
        alert_raise(
            patient=None,
            recipients=admins,
            kind=Alert.Kind.CLINICAL,
            severity=Alert.Severity.WARNING,
            message=f"{who} used emergency access to a chart outside their care team "
            f"(audit log, emergency access #{grant.pk}).",
            by=user,
        )


def remember(session, grant: BreakGlassAccess) -> None:
    """Note the grant in the session so that page banners need no query."""
    held = dict(session.get(SESSION_KEY, {}))
    held[str(grant.patient_id)] = grant.ends_at.timestamp()
    session[SESSION_KEY] = held


def banner_until(request):
    """The end of this request's emergency access (a patient page under break-glass), else None."""
    session = getattr(request, "session", None)
    match = getattr(request, "resolver_match", None)
    if session is None or match is None or "patient_pk" not in match.kwargs:
        return None
    ends = session.get(SESSION_KEY, {}).get(str(match.kwargs["patient_pk"]))
    if ends is None or ends <= timezone.now().timestamp():
        return None
    return timezone.localtime(datetime.fromtimestamp(ends, tz=UTC))
