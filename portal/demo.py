"""The portal's part of the demo seed: the prompt library (again, in case a flush emptied it),
and the demo patient's portal: an e-mail address on her record and the prompts of any dose she
has finished. Her account (`patient`, the demo password) is created by `seed_demo` itself."""

from patients.models import Patient
from portal.library import seed_library
from portal.models import JournalPrompt
from portal.services import ensure_assignments

DEMO_EMAIL = "paula.reyes@example.org"


def seed_portal(users) -> None:
    seed_library(JournalPrompt)
    patient = Patient.objects.filter(user=users["patient"]).first()
    if patient is None:
        return
    if not patient.email:
        Patient.objects.filter(pk=patient.pk).update(email=DEMO_EMAIL)
    ensure_assignments(patient)
