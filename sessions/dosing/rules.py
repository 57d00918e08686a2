"""The dosing rules of the clinic policy: dose ranges, pre-dose blood pressure, in-session alert
limits, plausible values and discharge criteria (CLINICAL.md, "Dosing and monitoring").

Pure: no Django. The numbers come from the clinic policy's `dosing` section (versioned data, read
by `sessions.dosing.policy.DosingPolicy`); the dosing services ask these functions and record the
answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sessions.dosing.policy import DosingPolicy

# What no person weighs and no dose is: a typing error, refused whatever the reason.
WEIGHT_KG_LIMITS = (Decimal("1"), Decimal("700"))
DOSE_MG_LIMITS = (Decimal("0.01"), Decimal("1000"))


def decimal_value(value, *, label: str, low, high, places: int, unit: str = "") -> Decimal:
    """`value` as a finite Decimal within [low, high] with at most `places` decimals; otherwise
    ValueError with a sentence naming `label`. NaN and infinities are refused before any
    comparison (comparing a NaN Decimal raises InvalidOperation)."""
    unit = f" {unit}" if unit else ""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (ArithmeticError, ValueError, TypeError):
        raise ValueError(f"{label} must be a number.") from None
    if isinstance(value, bool) or not number.is_finite():
        raise ValueError(f"{label} must be a number.")
    if not Decimal(low) <= number <= Decimal(high):
        raise ValueError(f"{label} must be between {low} and {high}{unit}.")
    if number != number.quantize(Decimal(1).scaleb(-places)):
        raise ValueError(f"{label} takes at most {places} decimal places.")
    return number


def mg_text(value: Decimal) -> str:
    """35.00 → "35", 12.50 → "12.5": quantities as people write them."""
    return format(Decimal(value).normalize(), "f")


def weight_problem(weight_kg: Decimal, policy: DosingPolicy) -> str | None:
    """Why a prescriber must confirm this weight, or None when it is a plausible adult's."""
    low, high = policy.weight_min_kg, policy.weight_max_kg
    if low <= weight_kg <= high:
        return None
    return (
        f"A weight of {mg_text(weight_kg)} kg is outside the plausible adult weight "
        f"({mg_text(low)}–{mg_text(high)} kg): a prescriber confirms it with a reason."
    )


# --- Dose -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DoseCheck:
    mg_per_kg: Decimal | None
    within_range: bool
    message: str  # why a prescriber must confirm, or what the range is


def mg_per_kg(dose_mg: Decimal, weight_kg: Decimal) -> Decimal:
    return (Decimal(dose_mg) / Decimal(weight_kg)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def check_dose(
    *,
    drug: str,
    route: str,
    dose_mg: Decimal,
    weight_kg: Decimal,
    age: int,
    policy: DosingPolicy,
) -> DoseCheck:
    """Is `dose_mg` inside the policy's range for this drug and route? Outside it, or for a pair
    the policy has no range for, a prescriber confirms with a reason."""
    dose_mg, weight_kg = Decimal(dose_mg), Decimal(weight_kg)
    if dose_mg <= 0 or weight_kg <= 0:
        raise ValueError("dose and weight must be positive")
    per_kg = mg_per_kg(dose_mg, weight_kg)  # shown; the range is checked unrounded
    exact = dose_mg / weight_kg
    allowed = policy.range_for(drug, route)
    if allowed is None:
        return DoseCheck(per_kg, False, f"The policy has no range for {drug} by {route}.")
    if allowed.fixed_mg:
        doses = set(allowed.fixed_mg)
        if allowed.older_age is not None and age >= allowed.older_age:
            doses |= set(allowed.older_fixed_mg)
        inside = dose_mg in doses
    else:
        inside = allowed.min_mg_per_kg <= exact <= allowed.max_mg_per_kg and (
            allowed.max_mg is None or dose_mg <= allowed.max_mg
        )
    verdict = "within" if inside else "outside"
    return DoseCheck(
        per_kg, inside, f"{dose_mg} mg ({per_kg} mg/kg) is {verdict} {allowed.describe()}."
    )


# --- Blood pressure and vitals --------------------------------------------------------------------

PROCEED, CONFIRM, NO_DOSE = "proceed", "confirm", "no_dose"


def pre_dose_band(systolic: int, diastolic: int, policy: DosingPolicy) -> str:
    """The latest seated reading before the dose: no dose today, a prescriber confirms, or go."""
    if systolic >= policy.no_dose_systolic or diastolic >= policy.no_dose_diastolic:
        return NO_DOSE
    if systolic >= policy.confirm_systolic or diastolic >= policy.confirm_diastolic:
        return CONFIRM
    return PROCEED


@dataclass(frozen=True)
class Vitals:
    systolic: int | None = None
    diastolic: int | None = None
    heart_rate: int | None = None
    spo2: int | None = None
    respiratory_rate: int | None = None


def vital_alerts(vitals: Vitals, policy: DosingPolicy) -> list[tuple[str, str]]:
    """(field, message) for each value past an in-session alert limit."""
    limits = policy.alert_limits
    checks = [
        (
            "systolic",
            vitals.systolic,
            "systolic_at_or_above",
            lambda v, lim: v >= lim,
            "Systolic {v} mmHg (alert at {lim} or above)",
        ),
        (
            "diastolic",
            vitals.diastolic,
            "diastolic_at_or_above",
            lambda v, lim: v >= lim,
            "Diastolic {v} mmHg (alert at {lim} or above)",
        ),
        (
            "heart_rate",
            vitals.heart_rate,
            "heart_rate_above",
            lambda v, lim: v > lim,
            "Heart rate {v}/min (alert above {lim})",
        ),
        (
            "heart_rate",
            vitals.heart_rate,
            "heart_rate_below",
            lambda v, lim: v < lim,
            "Heart rate {v}/min (alert below {lim})",
        ),
        (
            "spo2",
            vitals.spo2,
            "spo2_below",
            lambda v, lim: v < lim,
            "SpO2 {v}% (alert below {lim}%)",
        ),
        (
            "respiratory_rate",
            vitals.respiratory_rate,
            "respiratory_rate_below",
            lambda v, lim: v < lim,
            "Respiratory rate {v}/min (alert below {lim})",
        ),
    ]
    return [
        (name, text.format(v=value, lim=limits[key]))
        for name, value, key, past, text in checks
        if value is not None and key in limits and past(value, limits[key])
    ]


# What a person's vital signs can be at all: outside these a value is a typing error, not a
# reading (the alert limits above are the clinical ones).
VITAL_BOUNDS = {
    "systolic": (40, 300),
    "diastolic": (20, 200),
    "heart_rate": (20, 250),
    "spo2": (50, 100),
    "respiratory_rate": (2, 60),
}
VITAL_LABELS = {
    "systolic": "Systolic",
    "diastolic": "Diastolic",
    "heart_rate": "Heart rate",
    "spo2": "SpO2",
    "respiratory_rate": "Respiratory rate",
}


@dataclass(frozen=True)
class DischargeFacts:
    baseline: Vitals | None  # the reading that cleared the start
    latest: Vitals | None  # the latest reading taken after the start, whatever its label
    monitoring_minutes: int
    alert_and_oriented: bool
    walking_steadily: bool
    escort_present: bool
    no_driving_acknowledged: bool
    administration_recorded: bool = True  # the Schedule III lines


def _or_list(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _reading_problems(base: Vitals | None, now: Vitals | None, policy: DosingPolicy) -> list[str]:
    """The latest reading after the start against the baseline that cleared it: blood pressure
    within the margin and below the no-dose limit; heart rate, SpO2 and respiratory rate inside
    the in-session alert limits. A full set is needed to judge it."""
    if now is None:
        return [
            "Take a full set of vitals after the dose started (blood pressure, heart rate, SpO2,"
            " respiratory rate)."
        ]
    problems = []
    missing = [
        label
        for label, value in (
            ("blood pressure", now.systolic),
            ("heart rate", now.heart_rate),
            ("SpO2", now.spo2),
            ("respiratory rate", now.respiratory_rate),
        )
        if value is None
    ]
    if missing:
        problems.append(
            f"The latest reading has no {_or_list(missing)}: take a full set of vitals for "
            "discharge."
        )
    if now.systolic is not None and now.diastolic is not None:
        margin = policy.within_mmhg_of_baseline
        if base is None or base.systolic is None:
            problems.append("No pre-dose reading cleared the start: there is no baseline.")
        else:
            for label, value, start in (
                ("Systolic", now.systolic, base.systolic),
                ("Diastolic", now.diastolic, base.diastolic),
            ):
                if abs(value - start) > margin:
                    problems.append(
                        f"{label} {value} is more than {margin} mmHg from the baseline {start}."
                    )
        if pre_dose_band(now.systolic, now.diastolic, policy) == NO_DOSE:
            problems.append(
                f"Blood pressure {now.systolic}/{now.diastolic} is not below the no-dose limit."
            )
    others = Vitals(heart_rate=now.heart_rate, spo2=now.spo2, respiratory_rate=now.respiratory_rate)
    problems += [
        f"{text}: outside the in-session limits." for _, text in vital_alerts(others, policy)
    ]
    return problems


def discharge_problems(facts: DischargeFacts, policy: DosingPolicy) -> list[str]:
    """Everything that still stands between the patient and discharge (empty: discharge)."""
    problems = _reading_problems(facts.baseline, facts.latest, policy)
    if facts.monitoring_minutes < policy.min_monitoring_minutes:
        problems.append(
            f"Monitored {facts.monitoring_minutes} min; at least "
            f"{policy.min_monitoring_minutes} min are required."
        )
    for ok, text in (
        (
            facts.administration_recorded,
            "Record the Schedule III administration (strength, lot, quantities) first.",
        ),
        (facts.alert_and_oriented, "The patient is not yet alert and oriented."),
        (facts.walking_steadily, "The patient is not yet walking steadily."),
        (facts.escort_present, "The named escort is not present."),
        (
            facts.no_driving_acknowledged,
            "The patient has not acknowledged: no driving, no "
            "machinery, no major decisions until the next day after sleep.",
        ),
    ):
        if not ok:
            problems.append(text)
    return problems


# --- The next reading due -------------------------------------------------------------------------

PEAK_MINUTE = 40  # the usual blood-pressure peak (CLINICAL.md: "at about 40 min after dosing")
PEAK_WINDOW = (35, 45)  # a reading in these minutes after the start is the 40-minute one


@dataclass(frozen=True)
class NextReading:
    due_at: datetime
    peak: bool  # the reading at about 40 minutes, rather than the regular one
    late_minutes: int  # 0 when not late

    @property
    def late(self) -> bool:
        return self.late_minutes > 0


def next_reading(
    *,
    started_at: datetime,
    now: datetime,
    taken: list[tuple[datetime, bool]],
    every_minutes: int = 15,
) -> NextReading:
    """When the next vitals reading of a dose in progress is due: `every_minutes` after the
    latest reading taken since the start (or after the start itself), and the reading at about
    40 minutes when that comes first and none was taken yet. `taken` is (taken_at, labelled
    "about 40 min") for each reading that counts (struck rows are left out by the caller).
    Late is counted in whole minutes past the due time."""
    after = [(at, peak) for at, peak in taken if at >= started_at]
    last = max((at for at, _ in after), default=started_at)
    due, peak = last + timedelta(minutes=every_minutes), False
    low, high = (started_at + timedelta(minutes=m) for m in PEAK_WINDOW)
    peak_taken = any(is_peak or low <= at <= high for at, is_peak in after)
    peak_at = started_at + timedelta(minutes=PEAK_MINUTE)
    if not peak_taken and last < high and peak_at < due:
        due, peak = peak_at, True
    late = int((now - due).total_seconds() // 60)
    return NextReading(due_at=due, peak=peak, late_minutes=max(late, 0))
