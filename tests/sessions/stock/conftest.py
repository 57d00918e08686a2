from decimal import Decimal

import pytest

from sessions.dosing import administration
from sessions.dosing import services as doses
from tests.conftest import PASSWORD
from tests.patients.factories import CareTeamFactory, CourseFactory, PatientFactory
from tests.sessions.dosing.setup import dose_ready
from tests.sessions.stock.setup import receive, registration


@pytest.fixture
def registrant(make_user):
    """The prescriber who holds the clinic's DEA registration."""
    return make_user("prescriber", username="rhea", first_name="Rhea", last_name="Okafor")


@pytest.fixture
def clinic(registrant):
    return registration(registrant)


@pytest.fixture
def lot(clinic, prescriber, clinic_admin):
    """One 500 mg vial of ketamine 50 mg/mL, lot K2231, received by the prescriber."""
    return receive(by=prescriber, witness=clinic_admin)


@pytest.fixture
def started(
    patient, therapist, prescriber, clinic_admin, make_user, screening_policy, appointment_types
):
    """`started()`: a started ketamine dose (35 mg ordered). The first is `patient`'s with
    `therapist`; each later one another patient's, in another chair with their own therapist
    (a dose starts on its appointment's day, one in progress per course)."""
    made = []

    def make():
        person, clinician = patient, therapist
        if made:
            clinician = make_user("therapist", username=f"chair{len(made)}")
            person = PatientFactory()
            CourseFactory(patient=person, phase="treatment")
            CareTeamFactory(patient=person, clinician=clinician, primary=True)
            CareTeamFactory(patient=person, clinician=prescriber)
        dose = dose_ready(person, therapist=clinician, prescriber=prescriber, admin=clinic_admin)
        made.append(dose)
        return doses.dose_start(by=prescriber, dose=dose)

    return make


def give(dose, lot, *, drawn="50", given="35", wasted="15", witness="priya"):
    """The dose's administration record by its attending clinician, drawing from `lot` (any
    waste witnessed by `witness`)."""
    return administration.administration_record(
        by=dose.appointment.clinician,
        dose=dose,
        lot=lot,
        quantity_drawn_mg=Decimal(drawn),
        quantity_given_mg=Decimal(given),
        quantity_wasted_mg=Decimal(wasted),
        witness_username=witness,
        witness_password=PASSWORD,
    )
