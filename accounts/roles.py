"""The clinic's roles and what each may use.

A user has exactly one role. Each role is also a Django group holding the model permissions below,
kept in step after every migrate, so the admin site and `user.has_perm` agree with the role.
Per-patient questions ("may this clinician see this patient?") are answered by
`patients.access`, not here.
"""

from django.db import models


class Role(models.TextChoices):
    INTAKE = "intake", "Intake coordinator"
    THERAPIST = "therapist", "Therapist"
    PRESCRIBER = "prescriber", "Prescriber"
    FRONTDESK = "frontdesk", "Front desk"
    ADMIN = "admin", "Administrator"
    PATIENT = "patient", "Patient"


CLINICIANS = frozenset({Role.THERAPIST, Role.PRESCRIBER})
STAFF = frozenset(set(Role) - {Role.PATIENT})

# Booking appointments (which patients and types: `sessions.booking.access`).
_BOOKING = [
    "kap_sessions.view_appointment",
    "kap_sessions.add_appointment",
    "kap_sessions.change_appointment",
]
# Rooms, hours, days off, closed days and appointment lengths are kept by administrators.
_SCHEDULE_SETUP = [
    f"kap_sessions.{action}_{model}"
    for model in ("room", "clinicianhours", "cliniciandayoff", "clinicclosedday")
    for action in ("view", "add", "change", "delete")
] + [
    "kap_sessions.view_appointmenttype",
    "kap_sessions.change_appointmenttype",
    "kap_sessions.view_appointment",
    "kap_sessions.view_calendarfeed",
    "kap_sessions.change_calendarfeed",
]

# Consent texts are written and published by administrators (published ones are final).
_CONSENT_VERSIONS = [
    f"kap_sessions.{action}_consentversion" for action in ("view", "add", "change", "delete")
]

# The clinic's registration, products and suppliers are kept by administrators; the ledger and
# its counts are only read in the admin (written through the stock pages).
_STOCK_SETUP = [
    f"kap_sessions.{action}_{model}"
    for model in ("clinicregistration", "product", "supplier")
    for action in ("view", "add", "change")
] + [
    f"kap_sessions.view_{model}" for model in ("lot", "receipt", "movement", "count", "discrepancy")
]

_CLINICAL = [
    "patients.view_patient",
    "patients.change_patient",
    "patients.view_treatmentcourse",
    "patients.change_treatmentcourse",
    "patients.view_careteammember",
    "patients.view_alert",
    "patients.change_alert",
    *_BOOKING,
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.INTAKE: [
        "patients.view_patient",
        "patients.add_patient",
        "patients.change_patient",
        "patients.view_treatmentcourse",
        "patients.change_treatmentcourse",
        "patients.view_alert",
        *_BOOKING,
    ],
    Role.THERAPIST: _CLINICAL,
    Role.PRESCRIBER: _CLINICAL,
    Role.FRONTDESK: ["patients.view_patient", *_BOOKING],
    Role.ADMIN: [
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "auth.view_group",
        "patients.view_patient",
        "patients.add_patient",
        "patients.change_patient",
        "patients.view_careteammember",
        "patients.add_careteammember",
        "patients.change_careteammember",
        "patients.delete_careteammember",
        "audit.view_auditevent",
        "screening.view_screeningpolicy",
        "screening.add_screeningpolicy",
        "screening.change_screeningpolicy",
        *_SCHEDULE_SETUP,
        *_CONSENT_VERSIONS,
        *_STOCK_SETUP,
        # Messages and their send log are read in the admin; the pause has its own page.
        "notifications.view_message",
        "notifications.view_delivery",
    ],
    Role.PATIENT: [],
}


def sync_role_groups(sender=None, using="default", **kwargs):
    """Create one group per role and give it exactly its permissions.

    Connected to post_migrate for every app: each app's permissions exist only after its own
    post_migrate, so the last call sees them all.
    """
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        wanted = Q(pk__in=[])
        for dotted in perms:
            app_label, codename = dotted.split(".")
            wanted |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.set(Permission.objects.using(using).filter(wanted))
