from django.conf import settings

from accounts.roles import CLINICIANS, Role
from patients import break_glass

# What each role's navigation shows: only what the role may use.
_NAV = {
    "patients": ("Patients", "patient_list"),
    "intake": ("Intake queue", "intake_queue"),
    "register": ("Register patient", "patient_register"),
    "schedule": ("Schedule", "schedule"),
    "policy": ("Screening policy", "screening_policies"),
    "admin": ("Administration", "admin:index"),
    "stock": ("Controlled substances", "stock"),
    "rems": ("REMS forms", "rems_queue"),
    "message_pause": ("Messages", "message_pause"),
    "outcomes": ("Outcomes", "outcomes_dashboard"),
}
_ROLE_NAV = {
    Role.INTAKE: ["intake", "patients", "register", "schedule"],
    Role.THERAPIST: ["patients", "schedule", "rems"],
    Role.PRESCRIBER: ["patients", "intake", "schedule", "stock", "rems", "outcomes"],
    Role.FRONTDESK: ["patients", "register", "schedule"],
    Role.ADMIN: [
        "patients",
        "register",
        "schedule",
        "policy",
        "stock",
        "message_pause",
        "outcomes",
        "admin",
    ],
    Role.PATIENT: [],
}


def clinic(request):
    user = getattr(request, "user", None)
    role = getattr(user, "role", None) if user and user.is_authenticated else None
    return {
        "nav_items": [_NAV[key] for key in _ROLE_NAV.get(role, [])],
        "is_clinician": role in CLINICIANS,
        "clinic_time_zone": settings.TIME_ZONE,
        "idle_logoff_seconds": settings.SESSION_COOKIE_AGE,
        "two_factor_off": not settings.TWO_FACTOR_REQUIRED,
        "break_glass_until": break_glass.banner_until(request) if role in CLINICIANS else None,
    }
