"""The chair-side page: the next reading due (pure rule and header), recorded sections folded to
their summary, the prescriber's reasons asked only when needed, and the session record's dates,
refused pre-dose readings and time axis."""

import re
import subprocess
import tempfile
import zlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from kap_clinic.pdf import render_pdf
from sessions.dosing import monitoring
from sessions.dosing import services as doses
from sessions.dosing.charts import vitals_svg
from sessions.dosing.rules import next_reading
from sessions.dosing.selectors import chart, dose_page_data
from sessions.models import Appointment, Dose
from tests.sessions.dosing.setup import wind_back

START = datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("UTC"))


def at(minutes):
    return START + timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("taken", "now", "due", "peak", "late"),
    [
        ([], 0, 15, False, 0),  # nothing since the start: 15 minutes after it
        ([(14, False)], 20, 29, False, 0),
        ([(15, False), (30, False)], 31, 40, True, 0),  # the 40-minute reading comes first
        ([(15, False), (30, False)], 47, 40, True, 7),  # …and is late
        ([(30, False), (41, False)], 50, 56, False, 0),  # taken at 41: the regular one again
        ([(30, False), (33, True)], 40, 48, False, 0),  # labelled "about 40 min" counts
        ([(30, False), (46, False)], 50, 61, False, 0),  # window past: regular schedule
        ([(-10, False)], 20, 15, False, 5),  # a pre-dose reading does not reset the clock
    ],
)
def test_the_next_reading_due(taken, now, due, peak, late):
    answer = next_reading(
        started_at=START, now=at(now), taken=[(at(m), p) for m, p in taken], every_minutes=15
    )
    assert (answer.due_at, answer.peak, answer.late_minutes, answer.late) == (
        at(due),
        peak,
        late,
        late > 0,
    )


pytestmark = pytest.mark.django_db


def test_the_header_shows_the_start_the_minutes_and_the_late_reading(ready, signed_in, therapist):
    dose = wind_back(doses.dose_start(by=therapist, dose=ready()), minutes=22)
    page = signed_in(therapist).get(reverse("dose", args=[dose.pk]))
    html = page.content.decode()
    assert 'data-testid="dose-bar"' in html and 'data-testid="started-at"' in html
    assert page.context["minutes_since_start"] == 22
    assert page.context["next_due"].late_minutes == 7
    assert "dose-due dose-due-late" in html and "late by 7 min" in html
    # Recorded sections fold to one line; the discharge form is on the page beside the vitals.
    assert 'data-testid="checklist-summary"' in html and "all 6 checked" in html
    assert 'data-testid="order-summary"' in html and 'id="discharge"' in html


def test_a_new_reading_moves_the_next_due(ready, signed_in, therapist):
    dose = wind_back(doses.dose_start(by=therapist, dose=ready()), minutes=22)
    monitoring.vitals_record(by=therapist, dose=dose, moment="during", heart_rate=80)
    page = signed_in(therapist).get(reverse("dose", args=[dose.pk]))
    assert not page.context["next_due"].late
    assert "dose-due-late" not in page.content.decode()


def test_an_incomplete_checklist_stays_open_until_ticked(ready, signed_in, therapist):
    dose = ready(checklist=False)
    html = signed_in(therapist).get(reverse("dose", args=[dose.pk])).content.decode()
    assert "Pre-dose checklist · 0 of 6" in html and 'data-testid="check-identity"' in html
    assert 'data-testid="checklist-summary"' not in html


def test_the_previous_dose_reason_is_asked_only_when_there_is_a_previous_dose(
    ready, signed_in, prescriber, therapist
):
    first = ready()
    html = signed_in(prescriber).get(reverse("dose", args=[first.pk])).content.decode()
    assert "previous_dose_reason" not in html and "bp_confirm_reason" not in html
    doses.dose_start(by=therapist, dose=first)
    two_days = timedelta(days=2)
    Appointment.objects.filter(pk=first.appointment_id).update(
        start=first.appointment.start - two_days, end=first.appointment.end - two_days
    )
    Dose.objects.filter(pk=first.pk).update(status="discharged")
    second = ready(bp=(145, 85))
    html = signed_in(prescriber).get(reverse("dose", args=[second.pk])).content.decode()
    assert "previous_dose_reason" in html and "bp_confirm_reason" in html


def test_the_record_dates_rows_past_midnight_and_marks_a_refused_reading(ready, therapist):
    dose = ready(bp=(166, 96))
    monitoring.vitals_record(
        by=therapist, dose=dose, moment="pre_dose", systolic=128, diastolic=82, heart_rate=70
    )
    dose = doses.dose_start(by=therapist, dose=dose)
    context = chart(dose_page_data(dose.pk))
    notes = [line.note for line in context["vitals"]]
    assert notes == ["Refused pre-dose reading: no dose at this pressure", "Cleared the start"]
    assert context["show_dates"] is False
    # Booked the day before (a dose past midnight, or charted on another day): rows are dated.
    day = timedelta(days=1)
    Appointment.objects.filter(pk=dose.appointment_id).update(
        start=dose.appointment.start - day, end=dose.appointment.end - day
    )
    context = chart(dose_page_data(dose.pk))
    assert context["show_dates"] is True
    html = render_to_string("sessions/dosing/record_pdf.html", context)
    assert "Date and time" in html and "Refused pre-dose reading" in html
    taken = timezone.localtime(dose.start_reading.taken_at)
    assert f"{taken:%b} {taken.day} {taken:%H:%M}" in html


def test_the_chart_axis_spans_the_whole_session():
    rows = [(5, 128, 82, 72), (20, 132, 84, 76)]
    short = vitals_svg(rows)
    whole = vitals_svg(rows, span=150, start_minute=10)
    assert "150′" in whole and "150′" not in short
    assert "dose</text>" in whole
    long = vitals_svg(rows, span=300)
    assert "300′" in long and "15′" not in long  # 30-minute ticks on a long axis


def test_the_page_axis_runs_to_the_booked_end(ready, signed_in, therapist):
    dose = doses.dose_start(by=therapist, dose=ready())
    minutes = dose.appointment.minutes
    context = chart(dose_page_data(dose.pk))
    assert f"{minutes // 15 * 15}′" in context["chart_svg"]


def test_the_chart_has_a_title_and_tells_its_lines_apart_without_colour():
    svg = vitals_svg([(5, 128, 82, 72), (20, 132, 84, 76)])
    assert "<title>Blood pressure and heart rate over the session</title>" in svg
    assert "vitals table" in svg and 'role="img"' in svg
    assert svg.count("stroke-dasharray") >= 4  # diastolic and heart rate, lines and legend
    assert "<rect x=" in svg and "<polygon" in svg  # square and diamond markers


def _pdf_objects(data: bytes) -> bytes:
    """The PDF's objects, its compressed object streams inflated."""
    parts = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(parts)


def test_the_session_record_pdf_is_tagged_with_its_title_and_language(ready, therapist):
    dose = doses.dose_start(by=therapist, dose=ready())
    data = render_pdf("sessions/dosing/record_pdf.html", chart(dose_page_data(dose.pk)))
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        info = subprocess.run(["pdfinfo", f.name], capture_output=True, text=True).stdout
        structure = subprocess.run(
            ["pdfinfo", "-struct", f.name], capture_output=True, text=True
        ).stdout
    assert re.search(r"^Title:\s+Session record$", info, re.M)
    assert re.search(r"^Tagged:\s+yes$", info, re.M)
    assert "Table" in structure and "TH" in structure and "H1" in structure
    objects = _pdf_objects(data)
    assert b"/Lang (en)" in objects and b"pdfuaid:part" in objects
    assert b"/DisplayDocTitle true" in objects
