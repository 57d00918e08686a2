"""The pure outcome rules and the one chart, at their boundaries."""

from datetime import UTC, datetime, timedelta

import pytest

from outcomes import charts, rules

T0 = datetime(2026, 10, 1, 9, tzinfo=UTC)


def at(days: float) -> datetime:
    return T0 + timedelta(days=days)


@pytest.mark.parametrize(
    ("baseline", "latest", "expected"),
    [(20, 10, True), (20, 11, False), (19, 9, True), (19, 10, False), (1, 0, True), (0, 0, False)],
)
def test_response_is_a_fall_of_half_or_more(baseline, latest, expected):
    assert rules.is_response(baseline, latest) is expected


@pytest.mark.parametrize(
    ("title", "total", "expected"),
    [
        ("PHQ-9", 4, True),
        ("PHQ-9", 5, False),
        ("GAD-7", 4, True),
        ("GAD-7", 5, False),
        ("PCL-5", 32, True),
        ("PCL-5", 33, False),
    ],
)
def test_remission_thresholds(title, total, expected):
    assert rules.is_remission(title, total) is expected


def test_the_change_in_plain_words():
    points = [rules.Point(at(-1), 19), rules.Point(at(10), 12), rules.Point(at(13), 8)]
    doses = [at(0), at(3), at(7), at(10)]
    result = rules.outcome("PHQ-9", points, doses)
    assert result.words == "PHQ-9 19 → 8 after 4 doses: response"
    assert result.baseline.total == 19 and result.response and not result.remission


def test_baseline_is_the_last_score_before_the_first_dose():
    points = [rules.Point(at(-20), 26), rules.Point(at(-1), 10), rules.Point(at(5), 4)]
    result = rules.outcome("PHQ-9", points, [at(0), at(3)])
    assert result.baseline.total == 10
    assert result.words == "PHQ-9 10 → 4 after 2 doses: response and remission"


def test_exactly_five_is_not_remission_and_exactly_half_is_response():
    result = rules.outcome("PHQ-9", [rules.Point(at(-1), 10), rules.Point(at(2), 5)], [at(0)])
    assert result.response and not result.remission
    assert result.words.endswith("after 1 dose: response")


def test_a_course_with_no_baseline():
    result = rules.outcome("PHQ-9", [rules.Point(at(2), 4)], [at(0)])
    assert result.baseline is None and not result.response and result.remission
    assert "no baseline before the first dose" in result.words


def test_no_dose_yet_and_no_score_since():
    assert "before the first dose" in rules.outcome("GAD-7", [rules.Point(at(0), 9)], []).words
    only_before = rules.outcome("GAD-7", [rules.Point(at(-1), 9)], [at(0)])
    assert only_before.words == "GAD-7 baseline 9; no score since the first dose yet."
    assert rules.outcome("PCL-5", [], [at(0)]).words == "PCL-5: no scores yet."


def test_the_chart_marks_doses_baseline_response_and_remission():
    assert charts.scores_svg({"PHQ-9": []}) == ""
    svg = charts.scores_svg(
        {
            "PHQ-9": [rules.Point(at(-1), 20), rules.Point(at(4), 10), rules.Point(at(8), 3)],
            "PCL-5": [rules.Point(at(-1), 50), rules.Point(at(8), 30)],
        },
        [at(0), at(3), at(7)],
    )
    assert svg.startswith("<svg") and "<title" in svg
    assert svg.count(">D") == 3  # each dose labelled
    assert svg.count('r="8"') == 2  # a baseline ring per series
    assert svg.count("<path") == 1  # PHQ-9 10: response without remission
    assert svg.count('width="14"') == 2  # PHQ-9 3 and PCL-5 30: remission
    assert "PHQ-9 20 → 3 after 3 doses: response and remission" in svg
    # The questionnaires are told apart by their line's pattern too, in the lines and the legend.
    assert svg.count('stroke-dasharray="2 3"/>') >= 2 and 'stroke-dasharray=""' in svg


def test_rate():
    assert rules.rate(1, 3) == 33.3 and rules.rate(0, 0) is None
