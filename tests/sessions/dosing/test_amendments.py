"""A wrongly entered vitals row or checklist tick is corrected by an amendment with a reason: the
row is struck, stays in the record (page and PDF) and no longer counts; the database refuses to
unstrike or change it."""

import pytest
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from sessions.dosing import monitoring
from sessions.dosing import services as doses
from sessions.dosing.selectors import chart, dose_page_data
from sessions.errors import SessionsError
from sessions.models import ChecklistItem, VitalSigns
from tests.sessions.dosing.setup import administer, discharge_vitals, wind_back

pytestmark = pytest.mark.django_db


def strike(dose, by, row, reason="Typed 186 for 136", entry="vitals"):
    return monitoring.entry_strike(by=by, dose=dose, entry=entry, entry_id=row.pk, reason=reason)


def test_a_struck_reading_stays_with_who_when_and_why(ready, therapist):
    dose = doses.dose_start(by=therapist, dose=ready())
    row = monitoring.vitals_record(
        by=therapist, dose=dose, moment="during", systolic=186, diastolic=90, heart_rate=80
    )
    struck = strike(dose, therapist, row)
    row.refresh_from_db()
    assert (row.struck_by, row.strike_reason, row.systolic) == (therapist, "Typed 186 for 136", 186)
    assert row.struck_at is not None and struck.is_struck
    assert VitalSigns.objects.filter(dose=dose).count() == 2  # nothing deleted
    event = AuditEvent.objects.filter(object_type__icontains="vital").latest("id")
    assert "Typed" not in str(event.detail)  # the reason stays on the row, out of the log


def test_an_amendment_needs_a_reason_and_is_made_once(ready, therapist):
    dose = doses.dose_start(by=therapist, dose=ready())
    row = discharge_vitals(dose, by=therapist, moment="during")
    with pytest.raises(SessionsError, match="needs a reason") as error:
        strike(dose, therapist, row, reason="  ")
    assert error.value.field == "reason"
    strike(dose, therapist, row)
    with pytest.raises(SessionsError, match="already struck"):
        strike(dose, therapist, row)


def test_only_an_entry_of_this_dose_by_a_care_team_clinician(ready, therapist, outside_clinician):
    dose = doses.dose_start(by=therapist, dose=ready())
    row = discharge_vitals(dose, by=therapist, moment="during")
    with pytest.raises(SessionsError, match="care team"):
        strike(dose, outside_clinician, row)
    with pytest.raises(SessionsError, match="not on this dose"):
        monitoring.entry_strike(
            by=therapist, dose=dose, entry="vitals", entry_id=row.pk + 999, reason="x"
        )
    with pytest.raises(SessionsError, match="Choose"):
        monitoring.entry_strike(by=therapist, dose=dose, entry="event", entry_id=1, reason="x")


def test_a_struck_pre_dose_reading_does_not_clear_the_start(ready, therapist):
    dose = ready(bp=(128, 82))
    row = dose.vitals.get()
    strike(dose, therapist, row, reason="Taken on the wrong patient")
    with pytest.raises(SessionsError, match="Take a seated pre-dose blood pressure"):
        doses.dose_start(by=therapist, dose=dose)


def test_a_mistyped_no_dose_reading_struck_lets_the_earlier_one_clear_the_start(ready, therapist):
    dose = ready(bp=(128, 82))
    wrong = monitoring.vitals_record(
        by=therapist, dose=dose, moment="pre_dose", systolic=182, diastolic=82, heart_rate=72
    )
    with pytest.raises(SessionsError, match="no dose today"):
        doses.dose_start(by=therapist, dose=dose)
    strike(dose, therapist, wrong, reason="Typed 182 for 128")
    dose = doses.dose_start(by=therapist, dose=dose)
    assert dose.start_reading.systolic == 128


def test_the_reading_that_cleared_the_start_is_not_struck(ready, therapist):
    dose = doses.dose_start(by=therapist, dose=ready())
    with pytest.raises(SessionsError, match="cleared the start"):
        strike(dose, therapist, dose.start_reading)


def test_a_struck_reading_is_not_the_discharge_reading(ready, therapist):
    dose = doses.dose_start(by=therapist, dose=ready())
    administer(dose, by=therapist)
    dose = wind_back(dose)
    discharge_vitals(dose, by=therapist)
    wrong = discharge_vitals(dose, by=therapist, systolic=190, diastolic=100)
    facts = {
        "alert_and_oriented": True,
        "walking_steadily": True,
        "escort_present": True,
        "no_driving_acknowledged": True,
    }
    with pytest.raises(SessionsError, match="Systolic 190"):
        doses.dose_discharge(by=therapist, dose=dose, **facts)
    strike(dose, therapist, wrong, reason="Cuff on the wrong arm size")
    assert doses.dose_discharge(by=therapist, dose=dose, **facts).status == "discharged"


def test_a_struck_tick_does_not_count_and_the_item_is_ticked_again(ready, therapist, prescriber):
    dose = ready()
    tick = dose.checklist.get(item="identity")
    strike(dose, therapist, tick, reason="Ticked before the wristband was checked", entry="check")
    problems = doses.start_problems(dose, therapist)
    assert any("Two patient identifiers checked" in p for p in problems)
    again = doses.checklist_check(by=prescriber, dose=dose, item="identity")
    assert again.pk != tick.pk and again.checked_by == prescriber
    assert ChecklistItem.objects.filter(dose=dose, item="identity").count() == 2
    assert doses.start_problems(dose, therapist) == []


def test_a_tick_is_corrected_only_before_the_start(ready, therapist):
    dose = doses.dose_start(by=therapist, dose=ready())
    with pytest.raises(SessionsError, match="cannot have its checklist corrected"):
        strike(dose, therapist, dose.checklist.first(), entry="check")


def test_the_model_refuses_to_change_or_delete_a_struck_row(ready, therapist):
    dose = ready()
    row = strike(dose, therapist, dose.vitals.get(), reason="Wrong patient")
    row.struck_at = None
    with pytest.raises(SessionsError, match="never changed"):
        row.save()
    with pytest.raises(SessionsError, match="never changed"):
        VitalSigns.objects.get(pk=row.pk).delete()
    tick = strike(dose, therapist, dose.checklist.first(), reason="Wrong", entry="check")
    tick.note = "edited"
    with pytest.raises(SessionsError, match="never changed"):
        tick.save()


def test_the_database_wants_who_and_why_on_a_struck_row(ready, therapist):
    dose = ready()
    with pytest.raises(IntegrityError), transaction.atomic():
        VitalSigns.objects.filter(dose=dose).update(struck_at=timezone.now())


@pytest.mark.postgres
@pytest.mark.parametrize("change", ["unstrike", "values", "reason", "delete"])
def test_postgresql_refuses_unstriking_or_changing_a_struck_row(ready, therapist, change):
    dose = ready()
    row = strike(dose, therapist, dose.vitals.get(), reason="Wrong patient")
    rows = VitalSigns.objects.filter(pk=row.pk)
    with pytest.raises(IntegrityError, match="struck vitals row"), transaction.atomic():
        if change == "unstrike":
            rows.update(struck_at=None, struck_by=None, strike_reason="")
        elif change == "values":
            rows.update(systolic=120)
        elif change == "reason":
            rows.update(strike_reason="Something else")
        else:
            rows.delete()
    tick = strike(dose, therapist, dose.checklist.first(), reason="Wrong", entry="check")
    with pytest.raises(IntegrityError, match="struck checklist tick"), transaction.atomic():
        ChecklistItem.objects.filter(pk=tick.pk).update(struck_at=None)


@pytest.mark.postgres
def test_postgresql_keeps_what_was_charted_when_a_row_is_struck(ready, therapist):
    dose = ready()
    rows = VitalSigns.objects.filter(dose=dose)
    with pytest.raises(IntegrityError, match="keeps what was charted"), transaction.atomic():
        rows.update(struck_at=timezone.now(), struck_by=therapist, strike_reason="x", systolic=120)


def test_the_page_strikes_a_reading_and_shows_it_struck_with_the_reason(
    ready, signed_in, therapist
):
    dose = doses.dose_start(by=therapist, dose=ready())
    row = monitoring.vitals_record(
        by=therapist, dose=dose, moment="during", systolic=186, diastolic=90, heart_rate=80
    )
    client = signed_in(therapist)
    url = reverse("dose_action", args=[dose.pk, "strike_vitals"])
    refused = client.post(url, {"strike_vitals-entry_id": row.pk, "strike_vitals-reason": ""})
    assert refused.status_code == 400 and b"This field is required" in refused.content
    response = client.post(
        url, {"strike_vitals-entry_id": row.pk, "strike_vitals-reason": "Typed 186 for 136"}
    )
    assert response.status_code == 302
    page = client.get(reverse("dose", args=[dose.pk])).content.decode()
    assert 'data-testid="struck-row"' in page and "Typed 186 for 136" in page
    assert "vitals-struck" in page


def test_the_session_record_prints_struck_rows_with_their_reason(ready, signed_in, therapist):
    dose = doses.dose_start(by=therapist, dose=ready())
    row = monitoring.vitals_record(
        by=therapist, dose=dose, moment="during", systolic=186, diastolic=90, heart_rate=80
    )
    strike(dose, therapist, row)
    html = render_to_string("sessions/dosing/record_pdf.html", chart(dose_page_data(dose.pk)))
    assert 'class="struck"' in html and "186/90" in html
    assert "Struck (not counted)" in html and "Typed 186 for 136" in html
    response = signed_in(therapist).get(reverse("dose_record_pdf", args=[dose.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_the_page_strikes_a_tick_and_the_record_prints_it(ready, signed_in, therapist):
    dose = ready()
    tick = dose.checklist.get(item="fasting")
    client = signed_in(therapist)
    response = client.post(
        reverse("dose_action", args=[dose.pk, "strike_check"]),
        {"strike_check-entry_id": tick.pk, "strike_check-reason": "Patient ate at 9"},
    )
    assert response.status_code == 302
    page = client.get(reverse("dose", args=[dose.pk])).content.decode()
    assert 'data-testid="struck-tick"' in page and "Patient ate at 9" in page
    assert "Pre-dose checklist · 5 of 6" in page and 'data-testid="check-fasting"' in page
    html = render_to_string("sessions/dosing/record_pdf.html", chart(dose_page_data(dose.pk)))
    assert "<s>" in html and "Patient ate at 9" in html
