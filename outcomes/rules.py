"""Measurement-based care, pure (no Django): baseline, response, remission and the change in
plain words (CLINICAL.md, "Outcomes").

- baseline: the last score before the course's first dose;
- response: the total fallen by half or more from the baseline (integer arithmetic: 2 × latest
  ≤ baseline, so exactly 50 % is a response and no float rounding decides a boundary);
- remission: PHQ-9 < 5, GAD-7 < 5, PCL-5 < 33.
"""

from dataclasses import dataclass
from datetime import datetime

# The instruments the outcomes follow, in the order they are drawn, by the clinic's titles.
TITLES = {"phq9": "PHQ-9", "gad7": "GAD-7", "pcl5": "PCL-5"}
REMISSION_BELOW = {"PHQ-9": 5, "GAD-7": 5, "PCL-5": 33}
TOP = {"PHQ-9": 27, "GAD-7": 21, "PCL-5": 80}


@dataclass(frozen=True)
class Point:
    at: datetime
    total: int


@dataclass(frozen=True)
class Outcome:
    title: str
    baseline: Point | None
    latest: Point | None  # the latest score after the first dose
    doses: int  # doses started before the latest score
    response: bool
    remission: bool
    words: str


def is_response(baseline: int, latest: int) -> bool:
    """A fall of half or more from a baseline above 0 (a baseline of 0 cannot fall)."""
    return baseline > 0 and 2 * latest <= baseline


def is_remission(title: str, total: int) -> bool:
    return total < REMISSION_BELOW[title]


def _doses(n: int) -> str:
    return f"{n} dose{'s' if n != 1 else ''}"


def outcome(title: str, points: list[Point], dose_times: list[datetime]) -> Outcome:
    """`points` oldest first; `dose_times` the starts of the course's doses, any order."""
    starts = sorted(dose_times)
    first = starts[0] if starts else None
    before = [p for p in points if first is None or p.at < first]
    after = [p for p in points if first is not None and p.at >= first]
    baseline = before[-1] if first is not None and before else None
    latest = after[-1] if after else None
    doses = sum(1 for s in starts if latest and s <= latest.at)
    response = bool(baseline and latest and is_response(baseline.total, latest.total))
    remission = bool(latest and is_remission(title, latest.total))
    if not points:
        words = f"{title}: no scores yet."
    elif first is None:
        words = f"{title} {points[-1].total} before the first dose (the baseline so far)."
    elif latest is None:
        words = f"{title} baseline {baseline.total}; no score since the first dose yet."
    elif baseline is None:
        words = (
            f"{title} {latest.total} after {_doses(doses)}: no baseline before the first dose, "
            "so response cannot be judged."
        )
    else:
        marks = [m for m, on in (("response", response), ("remission", remission)) if on]
        verdict = " and ".join(marks) if marks else "no response yet"
        words = f"{title} {baseline.total} → {latest.total} after {_doses(doses)}: {verdict}"
    return Outcome(title, baseline, latest, doses, response, remission, words)


def rate(part: int, whole: int) -> float | None:
    """A percentage to one decimal, or None when there is nothing to divide by."""
    return round(100 * part / whole, 1) if whole else None
