"""The dose lifecycle and its guards, through the services (and the views below)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from patients.models import Alert
from sessions.dosing import administration, monitoring
from sessions.dosing import services as doses
from sessions.errors import SessionsError
from sessions.models import Appointment, Dose, IncidentReport
from sessions.signals import dose_finished
from tests.conftest import PASSWORD
from tests.patients.factories import place_in_phase
from tests.sessions.dosing.setup import administer, discharge_vitals, wind_back
from tests.sessions.stock.setup import shelf_lot

pytestmark = pytest.mark.django_db


def start(dose, by, **reasons):
    return doses.dose_start(by=by, dose=dose, **reasons)


def test_a_dose_starts_when_every_check_holds(ready, therapist):
    dose = start(ready(), therapist)
    assert dose.status == "started" and dose.started_by == therapist


def test_the_first_dose_moves_the_course_to_treatment(ready, patient, therapist):
    place_in_phase(patient.courses.get(), "preparation", by=therapist)
    start(ready(), therapist)
    course = patient.courses.get()
    assert course.phase == "treatment"
    assert course.phase_changes.latest("at").reason.startswith("First dose started")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"checklist": False}, "Checklist incomplete"),
        ({"order": False}, "no prescriber's order"),
        ({"bp": None}, "Take a seated pre-dose blood pressure"),
        ({"bp": (165, 95)}, "165/95 is at or above 160/100: no dose today"),
        ({"bp": (145, 85)}, "needs a prescriber's confirmation"),
    ],
)
def test_a_dose_does_not_start(ready, therapist, changes, message):
    dose = ready(**changes)
    with pytest.raises(SessionsError, match=message.replace("(", r"\(")):
        start(dose, therapist)
    dose.refresh_from_db()
    assert dose.status == "booked" and dose.started_at is None


def test_the_confirm_band_needs_a_prescribers_reason(ready, therapist, prescriber):
    dose = ready(bp=(145, 85))
    with pytest.raises(SessionsError, match="confirmation"):
        start(dose, therapist, bp_confirm_reason="fine")  # not a prescriber
    dose = start(dose, prescriber, bp_confirm_reason="White-coat pattern; 138 at home")
    assert dose.confirmed_by == prescriber and dose.bp_confirm_reason


def test_no_reason_overrides_the_no_dose_band(ready, prescriber):
    with pytest.raises(SessionsError, match="no dose today"):
        start(ready(bp=(170, 90)), prescriber, bp_confirm_reason="I insist")


def test_an_unresolved_safety_alert_blocks_the_dose(ready, patient, therapist, prescriber):
    dose = ready()
    Alert.objects.create(
        patient=patient,
        recipient=prescriber,
        kind="safety",
        severity="urgent",
        message="C-SSRS high risk",
    )
    with pytest.raises(SessionsError, match="unresolved safety alert"):
        start(dose, therapist)


def test_withdrawn_consent_blocks_the_dose(ready, patient, therapist):
    from sessions.consent import services as consent

    dose = ready()
    consent.consent_withdraw(by=therapist, patient=patient, reason="Patient changed their mind")
    with pytest.raises(SessionsError, match="withdrawn"):
        start(dose, therapist)


def test_questionnaires_older_than_seven_days_block_the_dose(ready, therapist):
    dose = ready()
    assert doses.start_problems(dose, therapist) == []
    later = doses.start_problems(dose, therapist, at=timezone.now() + timedelta(days=8))
    assert any("PHQ-9" in problem for problem in later)


def test_the_previous_dose_must_be_integrated_or_a_prescriber_says_why(
    ready, patient, therapist, prescriber
):
    first = start(ready(), therapist)
    two_days = timedelta(days=2)  # it was given two days ago and discharged
    Appointment.objects.filter(pk=first.appointment_id).update(
        start=first.appointment.start - two_days, end=first.appointment.end - two_days
    )
    Dose.objects.filter(pk=first.pk).update(
        status="discharged", started_at=first.started_at - two_days
    )
    second = ready()
    with pytest.raises(SessionsError, match="previous dose is not integrated"):
        start(second, therapist)
    second = start(second, prescriber, previous_dose_reason="Follow-up booked for tomorrow")
    assert second.previous_dose_reason


def test_the_order_is_checked_against_the_policy_range(ready, prescriber):
    dose = ready(order=False)
    with pytest.raises(SessionsError, match="outside 0.25–1.0 mg/kg") as error:
        doses.dose_order(
            by=prescriber,
            dose=dose,
            drug="ketamine",
            route="im",
            dose_mg=Decimal("100"),
            weight_kg=Decimal("70"),
        )
    assert error.value.field == "range_confirm_reason"
    dose = doses.dose_order(
        by=prescriber,
        dose=dose,
        drug="ketamine",
        route="im",
        dose_mg=Decimal("100"),
        weight_kg=Decimal("70"),
        range_confirm_reason="Tolerance after six doses",
    )
    assert dose.mg_per_kg == Decimal("1.43") and dose.range_confirm_reason


def test_only_a_prescriber_orders(ready, therapist):
    with pytest.raises(SessionsError, match="Only a prescriber"):
        doses.dose_order(
            by=therapist,
            dose=ready(order=False),
            drug="ketamine",
            route="im",
            dose_mg=Decimal("35"),
            weight_kg=Decimal("70"),
        )


def test_vitals_past_a_limit_are_flagged_and_alert(ready, therapist, prescriber):
    dose = start(ready(), therapist)
    row = monitoring.vitals_record(
        by=therapist,
        dose=dose,
        moment="peak",
        systolic=184,
        diastolic=104,
        heart_rate=88,
        spo2=91,
        respiratory_rate=14,
    )
    assert row.alerts == ["systolic", "spo2"]
    alerts = Alert.objects.filter(kind="vitals")
    assert {a.recipient for a in alerts} == {therapist, prescriber}
    assert "Systolic 184" in alerts.first().message


def test_waste_needs_a_second_staff_members_password(ready, therapist, prescriber):
    dose = start(ready(), therapist)
    lines = {
        "lot": shelf_lot(),
        "quantity_drawn_mg": Decimal("50"),
        "quantity_given_mg": Decimal("35"),
        "quantity_wasted_mg": Decimal("15"),
    }
    with pytest.raises(SessionsError, match="second staff member"):
        administration.administration_record(
            by=therapist, dose=dose, **lines, witness_username="priya", witness_password="wrong"
        )
    with pytest.raises(SessionsError, match="second staff member"):
        administration.administration_record(
            by=therapist, dose=dose, **lines, witness_username="theo", witness_password=PASSWORD
        )
    dose = administration.administration_record(
        by=therapist, dose=dose, **lines, witness_username="priya", witness_password=PASSWORD
    )
    assert dose.waste_witness == prescriber and dose.waste_witnessed_at


def test_drawn_must_equal_given_plus_wasted(ready, therapist):
    dose = start(ready(), therapist)
    with pytest.raises(SessionsError, match="must equal"):
        administration.administration_record(
            by=therapist,
            dose=dose,
            lot=shelf_lot(),
            quantity_drawn_mg=Decimal("50"),
            quantity_given_mg=Decimal("35"),
        )


def test_unwitnessed_waste_is_refused_by_the_database(ready, therapist):
    dose = start(ready(), therapist)
    with pytest.raises(IntegrityError), transaction.atomic():
        Dose.objects.filter(pk=dose.pk).update(quantity_wasted_mg=Decimal("5"))


def test_a_serious_adverse_event_opens_an_incident_report(ready, therapist):
    dose = start(ready(), therapist)
    event = monitoring.adverse_event_record(
        by=therapist, dose=dose, kind="respiratory", severity="serious", action_taken="oxygen"
    )
    assert IncidentReport.objects.get().event == event
    assert Alert.objects.filter(kind="clinical", message__contains="incident report").exists()


def _discharge(dose, by, **changes):
    facts = {
        "alert_and_oriented": True,
        "walking_steadily": True,
        "escort_present": True,
        "no_driving_acknowledged": True,
        **changes,
    }
    return doses.dose_discharge(by=by, dose=dose, **facts)


def test_discharge_is_refused_until_the_criteria_hold(ready, therapist):
    dose = start(ready(), therapist)
    with pytest.raises(SessionsError, match="Take a full set of vitals") as error:
        _discharge(dose, therapist)
    assert "at least 120 min" in error.value.message
    assert "Schedule III" in error.value.message
    administer(dose, by=therapist)
    dose = wind_back(dose)
    discharge_vitals(dose, by=therapist)
    with pytest.raises(SessionsError, match="escort"):
        _discharge(dose, therapist, escort_present=False)
    dose = _discharge(dose, therapist)
    assert dose.status == "discharged" and dose.monitoring_minutes >= 125


def test_discharge_signals_integration_after_commit(
    ready, therapist, django_capture_on_commit_callbacks
):
    dose = start(ready(), therapist)
    administer(dose, by=therapist)
    dose = wind_back(dose, 130)
    discharge_vitals(dose, by=therapist)
    sent = []

    def listener(sender, dose_id, **kwargs):
        sent.append(dose_id)

    dose_finished.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            _discharge(dose, therapist)
    finally:
        dose_finished.disconnect(listener)
    assert sent == [dose.pk]


def test_ending_early_needs_a_disposition_and_a_reason(ready, therapist):
    dose = start(ready(), therapist)
    with pytest.raises(SessionsError, match="needs a reason"):
        doses.dose_end_early(by=therapist, dose=dose, disposition="transferred", reason=" ")
    dose = doses.dose_end_early(
        by=therapist, dose=dose, disposition="transferred", reason="Chest pain; ambulance called"
    )
    assert dose.status == "ended_early" and dose.ended_at


def test_the_lifecycle_only_moves_forward(ready, therapist):
    dose = start(ready(), therapist)
    with pytest.raises(SessionsError, match="cannot start"):
        start(dose, therapist)
    doses.dose_end_early(by=therapist, dose=dose, disposition="stopped", reason="Nausea")
    with pytest.raises(SessionsError, match="cannot be discharged"):
        _discharge(dose, therapist)


def test_an_outsider_cannot_chart(ready, outside_clinician):
    with pytest.raises(SessionsError, match="care team"):
        start(ready(), outside_clinician)


def test_a_refused_start_shows_the_reason_on_the_page(ready, signed_in, therapist):
    dose = ready(bp=(165, 95))
    response = signed_in(therapist).post(reverse("dose_action", args=[dose.pk, "start"]))
    assert response.status_code == 400
    assert b"165/95 is at or above 160/100: no dose today" in response.content


def test_a_refused_vitals_row_keeps_what_was_typed(ready, signed_in, therapist):
    dose = ready()
    response = signed_in(therapist).post(
        reverse("dose_action", args=[dose.pk, "vitals"]),
        {
            "vitals-moment": "during",
            "vitals-systolic": "80",
            "vitals-diastolic": "95",
            "vitals-heart_rate": "77",
        },
    )
    assert response.status_code == 400
    assert b'value="77"' in response.content and b"below the systolic" in response.content


@pytest.mark.parametrize("rows", [1, 30])
def test_the_dosing_chart_costs_a_fixed_number_of_queries(
    ready, signed_in, therapist, django_assert_num_queries, rows
):
    dose = start(ready(), therapist)
    for index in range(rows):
        row = monitoring.vitals_record(
            by=therapist,
            dose=dose,
            moment="during",
            systolic=120 + index % 9,
            diastolic=80,
            heart_rate=70,
        )
        if index % 3 == 0:  # struck rows (who struck them, why) cost nothing more either
            monitoring.entry_strike(
                by=therapist, dose=dose, entry="vitals", entry_id=row.pk, reason="Mistyped"
            )
    client = signed_in(therapist)
    client.get(reverse("dose", args=[dose.pk]))
    # session, user, dose, access, the page's dose with its checklist, vitals, events and
    # amendments, the active policy (next reading due, pre-dose bands); the start guard's reads
    # are skipped once started, the lots a dose may draw
    # from (stock), audit insert, session update
    with django_assert_num_queries(15):
        response = client.get(reverse("dose", args=[dose.pk]))
    assert len(response.context["vitals"]) == rows + 1
