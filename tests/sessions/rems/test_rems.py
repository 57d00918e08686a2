"""The esketamine REMS: no esketamine without enrollment; the monitoring form filled from the
chart, the rest asked on one page, submitted with a reference and then final; the queue; the PDF."""

import shutil
import subprocess
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions.dosing import services as doses
from sessions.errors import SessionsError
from sessions.models import RemsMonitoringForm
from sessions.rems import rules, selectors
from sessions.rems import services as rems
from tests.conftest import service_missing
from tests.sessions.dosing.setup import dose_ready
from tests.sessions.rems.setup import order_esketamine

pytestmark = pytest.mark.django_db

ANSWERS = {
    "benzodiazepines": False,
    "non_benzodiazepine_hypnotics": False,
    "psychostimulants": True,
    "maois": False,
    "ready_to_leave_minutes": 95,
    "sedation": True,
    "sedation_onset_minutes": 10,
    "sedation_resolved_minutes": 70,
    "dissociation_onset_minutes": 5,
    "dissociation_resolved_minutes": 60,
    "respiratory_resolved_minutes": 35,
}


def rows(dose, form=None) -> dict:
    full = selectors.form_dose(dose.pk)
    return {label: value for s in selectors.form_sections(full, form) for label, value in s.rows}


# --- Pure rules ------------------------------------------------------------------------------


def test_the_form_is_due_within_seven_days():
    assert rules.due_on(date(2026, 3, 2)) == date(2026, 3, 9)
    assert rules.days_left(date(2026, 3, 2), date(2026, 3, 10)) == -1


@pytest.mark.parametrize(
    ("mg", "label"), [(56, "56 mg"), (84, "84 mg"), (Decimal("28.00"), "Other: 28 mg")]
)
def test_the_dose_is_56_84_or_other(mg, label):
    assert rules.dose_label(mg) == label


def test_the_40_minute_reading_is_the_charted_one_or_the_nearest():
    readings = [
        rules.Reading(-5, 128, 82, "pre_dose"),
        rules.Reading(30, 140, 88, "during"),
        rules.Reading(45, 150, 90, "during"),
        rules.Reading(120, 130, 84, "discharge"),
    ]
    assert rules.bp_near_40(readings).bp == "150/90"
    assert rules.bp_near_40([*readings, rules.Reading(52, 160, 95, "peak")]).bp == "160/95"
    assert rules.bp_near_40([readings[0], readings[3]]) is None
    assert (
        rules.bp_before(readings).bp == "128/82" and rules.bp_at_completion(readings).minutes == 120
    )


def test_an_effect_needs_its_onset_and_resolution_in_order():
    answers = {**ANSWERS, "dissociation": True, "respiratory_depression": False}
    answers["vitals_acceptable_at_completion"] = True
    assert rules.answers_problems(answers, total_minutes=130) == {}
    late = {**answers, "sedation_resolved_minutes": 5}
    assert (
        "before its onset"
        in rules.answers_problems(late, total_minutes=130)["sedation_resolved_minutes"]
    )
    assert "ready_to_leave_minutes" in rules.answers_problems(answers, total_minutes=90)


# --- Enrollment and the dose guard -----------------------------------------------------------


def test_no_esketamine_dose_starts_without_rems_enrollment(
    patient, therapist, prescriber, clinic_admin, screening_policy, appointment_types
):
    dose = dose_ready(
        patient, therapist=therapist, prescriber=prescriber, admin=clinic_admin, order=False
    )
    order_esketamine(dose, prescriber)
    with pytest.raises(SessionsError, match="Spravato REMS enrollment"):
        doses.dose_start(by=prescriber, dose=dose)
    rems.rems_enroll(
        by=therapist, patient=patient, rems_patient_id="RP-1", enrolled_on=timezone.localdate()
    )
    assert doses.dose_start(by=prescriber, dose=dose).status == "started"


def test_ketamine_needs_no_rems_enrollment(
    patient, therapist, prescriber, clinic_admin, screening_policy, appointment_types
):
    dose = dose_ready(patient, therapist=therapist, prescriber=prescriber, admin=clinic_admin)
    assert selectors.rems_problem(dose) is None


def test_one_current_enrollment_and_an_end_needs_a_reason(patient, therapist):
    first = rems.rems_enroll(
        by=therapist, patient=patient, rems_patient_id="RP-1", enrolled_on=timezone.localdate()
    )
    with pytest.raises(SessionsError, match="already enrolled"):
        rems.rems_enroll(
            by=therapist, patient=patient, rems_patient_id="RP-2", enrolled_on=timezone.localdate()
        )
    with pytest.raises(SessionsError, match="reason"):
        rems.rems_enrollment_end(by=therapist, enrollment=first, reason="")
    rems.rems_enrollment_end(by=therapist, enrollment=first, reason="Stopped esketamine")
    assert selectors.current_enrollment(patient, timezone.localdate() + timedelta(days=1)) is None


def test_an_outsider_cannot_enroll(patient, outside_clinician):
    with pytest.raises(SessionsError, match="care team"):
        rems.rems_enroll(
            by=outside_clinician,
            patient=patient,
            rems_patient_id="RP-1",
            enrolled_on=timezone.localdate(),
        )


# --- The monitoring form -----------------------------------------------------------------------


def test_the_form_is_filled_from_the_chart(esketamine_session, patient, therapist):
    dose = esketamine_session()
    found = rows(dose)
    assert found["Name"] == "Paula Reyes" and found["Date of birth"] == "Apr 9, 1987"
    assert found["First treatment"] == "Yes" and found["REMS enrollment"].startswith("RP-55812")
    assert found["Monitoring clinician"] == str(therapist)
    assert "HCS-20417" in found["Healthcare setting"]
    assert found["Dose"] == "56 mg" and found["Lot"] == "E-4410"
    assert found["Total minutes from the first device to the end of monitoring"] == "130"
    assert found["Blood pressure before administration"] == "128/82"
    assert found["Blood pressure at about 40 minutes"] == "152/94 at 40 min"
    assert found["Blood pressure before completion"] == "130/84 at 130 min"
    assert found["Acceptable before administration"] == "Yes"
    assert found["Acceptable at completion"] == "Yes"
    assert (
        found["Dissociation"] == "Yes" and found["Respiratory depression"] == "Yes · onset 20 min"
    )
    assert "Respiratory depression (mild, oxygen) at 20 min" in found["Adverse events"]
    assert found["Sedation"] == "" and found["Benzodiazepines"] == ""
    assert selectors.missing_fields(selectors.form_dose(dose.pk)) == [
        "benzodiazepines",
        "non_benzodiazepine_hypnotics",
        "psychostimulants",
        "maois",
        "ready_to_leave_minutes",
        "sedation",
        "sedation_onset_minutes",
        "sedation_resolved_minutes",
        "dissociation_onset_minutes",
        "dissociation_resolved_minutes",
        "respiratory_resolved_minutes",
    ]


def test_a_second_session_is_not_the_first_treatment(esketamine_session):
    esketamine_session()
    assert rows(esketamine_session())["First treatment"] == "No"


def test_submitting_asks_for_every_missing_answer_at_once(esketamine_session, therapist):
    dose = esketamine_session()
    with pytest.raises(rems.FormIncomplete) as refused:
        rems.rems_form_submit(by=therapist, dose=dose, answers={"maois": False}, reference="R-1")
    assert {"benzodiazepines", "sedation", "ready_to_leave_minutes"} <= set(refused.value.problems)
    assert not RemsMonitoringForm.objects.filter(status="submitted").exists()


def test_a_submitted_form_is_final_and_leaves_the_queue(esketamine_session, therapist, patient):
    dose = esketamine_session()
    assert [d.pk for d in selectors.forms_due(therapist)] == [dose.pk]
    with pytest.raises(SessionsError, match="reference"):
        rems.rems_form_submit(by=therapist, dose=dose, answers=ANSWERS, reference=" ")
    form = rems.rems_form_submit(by=therapist, dose=dose, answers=ANSWERS, reference="RMS-778812")
    assert form.status == "submitted" and form.submitted_by == therapist
    filed = {label: value for s in form.filed["sections"] for label, value in s["rows"]}
    assert (
        filed["Psychostimulants"] == "Yes"
        and filed["Sedation"] == "Yes · onset 10 min, resolved 70 min"
    )
    assert selectors.forms_due(therapist) == []
    with pytest.raises(SessionsError, match="final"):
        rems.rems_form_save(by=therapist, dose=dose, answers=ANSWERS)
    with pytest.raises(SessionsError, match="never changed"):
        form.save()


def test_the_queue_shows_only_patients_the_clinician_may_chart(
    esketamine_session, outside_clinician
):
    esketamine_session()
    assert selectors.forms_due(outside_clinician) == []


def test_a_form_follows_a_finished_session_only(esketamine_session, therapist):
    dose = esketamine_session(discharge=False)
    with pytest.raises(SessionsError, match="finished esketamine session"):
        rems.rems_form_save(by=therapist, dose=dose, answers=ANSWERS)


# --- Pages and the PDF -------------------------------------------------------------------------


def test_the_form_page_asks_only_the_missing_fields(esketamine_session, signed_in, therapist):
    dose = esketamine_session()
    client = signed_in(therapist)
    page = client.get(reverse("rems_form", args=[dose.pk])).content.decode()
    assert "152/94 at 40 min" in page and 'name="sedation"' in page
    assert 'name="dissociation"' not in page  # the chart's rating answers it
    refused = client.post(
        reverse("rems_form", args=[dose.pk]),
        {"sedation": "yes", "sedation_onset_minutes": "12", "reference": "R-9", "submit": "1"},
    )
    assert refused.status_code == 400 and b"Benzodiazepines: answer yes or no." in refused.content
    assert b'value="12"' in refused.content
    saved = client.post(reverse("rems_form", args=[dose.pk]), {"maois": "no", "save": "1"})
    assert saved.status_code == 302 and RemsMonitoringForm.objects.get().maois is False
    assert client.get(reverse("rems_queue")).status_code == 200


def test_the_chart_section_records_the_enrollment(signed_in, therapist, patient, frontdesk):
    client = signed_in(therapist)
    section = client.get(reverse("rems_chart", args=[patient.pk]), HTTP_HX_REQUEST="true")
    assert b"Not enrolled" in section.content
    bad = client.post(
        reverse("rems_enroll", args=[patient.pk]), {"rems_patient_id": "", "enrolled_on": ""}
    )
    assert bad.status_code == 400
    done = client.post(
        reverse("rems_enroll", args=[patient.pk]),
        {"rems_patient_id": "RP-42", "enrolled_on": str(timezone.localdate())},
    )
    assert done.status_code == 200 and b"RP-42" in done.content
    assert signed_in(frontdesk).get(reverse("rems_chart", args=[patient.pk])).status_code == 403


def test_the_pdf_holds_every_field_the_chart_provides(esketamine_session, signed_in, therapist):
    if not shutil.which("pdftotext"):
        service_missing("pdftotext (poppler-utils)")
    dose = esketamine_session()
    rems.rems_form_submit(by=therapist, dose=dose, answers=ANSWERS, reference="RMS-778812")
    response = signed_in(therapist).get(reverse("rems_form_pdf", args=[dose.pk]))
    assert (
        response["Content-Disposition"] == f'inline; filename="rems-monitoring-form-{dose.pk}.pdf"'
    )
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    for value in (
        "Paula Reyes",
        "Apr 9, 1987",
        "Female",
        "RP-55812",
        str(therapist),
        "KAP Clinic Riverside",
        "HCS-20417",
        f"{timezone.localdate(dose.started_at):%b %-d, %Y}",
        "56 mg",
        "E-4410",
        "130",
        "128/82",
        "152/94 at 40 min",
        "130/84 at 130 min",
        "Respiratory depression (mild, oxygen) at 20 min",
        "onset 20 min, resolved 35 min",
        "RMS-778812",
    ):
        assert value in text, value


@pytest.mark.postgres
def test_the_database_refuses_to_change_a_submitted_form(esketamine_session, therapist):
    from django.db import DatabaseError, connection, transaction

    dose = esketamine_session()
    form = rems.rems_form_submit(by=therapist, dose=dose, answers=ANSWERS, reference="RMS-1")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE kap_sessions_remsmonitoringform SET reference = 'X' WHERE id = %s", [form.pk]
        )
