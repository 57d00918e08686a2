"""The portal's pure rules."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from portal import rules
from portal.charts import scores_svg

NY = ZoneInfo("America/New_York")


def test_fasting_times_count_real_hours_across_the_clock_change():
    # 2026-11-01: the clocks go back from 02:00 to 01:00 in New York. A dose at 05:00 EST.
    start = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
    fasting = rules.fasting_times(start, NY)
    # Four real hours: the second 01:00 of the night (wall-clock arithmetic would say 01:00 EDT).
    assert fasting.food_until.timestamp() == datetime(2026, 11, 1, 6, 0, tzinfo=UTC).timestamp()
    assert fasting.food_until.strftime("%H:%M") == "01:00" and fasting.food_until.fold == 1
    assert fasting.liquids_until.strftime("%H:%M") == "03:00"


def test_an_early_dose_fasts_from_the_evening_before():
    start = datetime(2026, 12, 2, 8, 0, tzinfo=NY)
    fasting = rules.fasting_times(start, NY)
    assert (fasting.food_until.day, fasting.food_until.hour) == (2, 4)
    start = datetime(2026, 12, 2, 1, 0, tzinfo=NY)
    assert rules.fasting_times(start, NY).food_until.day == 1
    assert rules.drive_again_day(datetime(2026, 12, 2, 23, 30, tzinfo=NY), NY) == date(2026, 12, 3)


def test_due_codes_before_a_dose_and_a_follow_up():
    start = datetime(2026, 12, 10, 15, 0, tzinfo=UTC)
    assert rules.due_codes("dosing", start, {}) == ["phq9", "gad7", "cssrs"]
    taken = {"phq9": start - timedelta(days=6), "gad7": start - timedelta(days=8)}
    assert rules.due_codes("dosing", start, taken) == ["gad7", "cssrs"]
    dose_at = start - timedelta(days=2)
    taken = {"phq9": dose_at + timedelta(hours=1), "gad7": dose_at - timedelta(hours=1)}
    assert rules.due_codes("integration", start, taken, dose_at) == ["gad7"]
    assert rules.due_codes("preparation", start, {}) == []


def test_invitation_states():
    now = datetime(2026, 12, 1, tzinfo=UTC)
    later = now + timedelta(hours=1)
    assert (
        rules.invitation_state(accepted_at=None, revoked_at=None, expires_at=later, now=now)
        == "open"
    )
    assert (
        rules.invitation_state(accepted_at=None, revoked_at=None, expires_at=now, now=now)
        == "expired"
    )
    assert (
        rules.invitation_state(accepted_at=now, revoked_at=None, expires_at=later, now=now)
        == "used"
    )
    assert (
        rules.invitation_state(accepted_at=None, revoked_at=now, expires_at=later, now=now)
        == "revoked"
    )


def test_the_plain_reading():
    assert rules.reading("PHQ-9", []) == "You have no PHQ-9 results yet."
    one = [rules.Point(date(2026, 10, 3), 18, "moderately severe")]
    assert "Your next results" in rules.reading("PHQ-9", one)
    down = [*one, rules.Point(date(2026, 11, 28), 4, "minimal")]
    text = rules.reading("PHQ-9", down)
    assert "14 points lower" in text and "remission" in text
    up = [rules.Point(date(2026, 10, 3), 6, "mild"), rules.Point(date(2026, 10, 9), 7, "mild")]
    assert "1 point higher" in rules.reading("GAD-7", up)


def test_the_chart_is_svg_of_numbers_only():
    assert scores_svg({"PHQ-9": [], "GAD-7": []}) == ""
    svg = scores_svg({"PHQ-9": [(date(2026, 10, 3), 18), (date(2026, 11, 1), 9)], "GAD-7": []})
    assert svg.startswith("<svg") and svg.count("<circle") == 2 and ">9</text>" in svg


def test_the_chart_has_a_title_and_tells_the_questionnaires_apart_without_colour():
    day = date(2026, 10, 3)
    svg = scores_svg({"PHQ-9": [(day, 18)], "GAD-7": [(day, 9)]})
    assert "<title>Questionnaire scores over the course; lower is better</title>" in svg
    assert "<desc>" in svg and "stroke-dasharray" in svg and "<rect x=" in svg
