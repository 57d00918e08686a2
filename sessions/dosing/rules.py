"""The dosing rules of the clinic policy: dose ranges, pre-dose blood pressure, in-session alert
limits and discharge criteria (CLINICAL.md, "Dosing and monitoring").

Pure: no Django. The numbers come from the clinic policy's `dosing` section (versioned data, see
`DOSING_V1_DATA`); the dosing services ask these functions and record the answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

DRUGS = ("ketamine", "esketamine")
ROUTES = ("iv", "im", "sublingual", "intranasal")
ROUTE_LABELS = {
    "iv": "IV infusion",
    "im": "IM injection",
    "sublingual": "Sublingual lozenge",
    "intranasal": "Intranasal spray",
}

# CLINICAL.md's values, copied literally by the data migration that publishes them.
DOSING_V1_DATA: dict[str, Any] = {
    "dose_ranges": [
        {
            "drug": "ketamine",
            "route": "iv",
            "min_mg_per_kg": "0.1",
            "max_mg_per_kg": "1.0",
            "note": "over 40 min; 0.5 mg/kg typical",
        },
        {"drug": "ketamine", "route": "im", "min_mg_per_kg": "0.25", "max_mg_per_kg": "1.0"},
        {
            "drug": "ketamine",
            "route": "sublingual",
            "min_mg_per_kg": "1.0",
            "max_mg_per_kg": "3.0",
            "max_mg": "300",
        },
        {
            "drug": "esketamine",
            "route": "intranasal",
            "fixed_mg": ["56", "84"],
            "fixed_mg_from_age": {"age": 65, "fixed_mg": ["28"]},
        },
    ],
    "pre_dose": {
        "no_dose_systolic": 160,
        "no_dose_diastolic": 100,
        "confirm_systolic": 140,
        "confirm_diastolic": 90,
    },
    "alert_limits": {
        "systolic_at_or_above": 180,
        "diastolic_at_or_above": 110,
        "heart_rate_above": 120,
        "heart_rate_below": 50,
        "spo2_below": 92,
        "respiratory_rate_below": 10,
    },
    "discharge": {"within_mmhg_of_baseline": 20, "min_monitoring_minutes": 120},
    "vitals_every_minutes": 15,
}


class DosingPolicyError(ValueError):
    pass


@dataclass(frozen=True)
class DoseRange:
    drug: str
    route: str
    min_mg_per_kg: Decimal | None = None
    max_mg_per_kg: Decimal | None = None
    max_mg: Decimal | None = None
    fixed_mg: tuple[Decimal, ...] = ()
    older_age: int | None = None  # from this age, `older_fixed_mg` is allowed too
    older_fixed_mg: tuple[Decimal, ...] = ()
    note: str = ""

    def describe(self) -> str:
        if self.fixed_mg:
            text = " or ".join(f"{mg} mg" for mg in self.fixed_mg) + " fixed"
            if self.older_age is not None:
                extra = " or ".join(f"{mg} mg" for mg in self.older_fixed_mg)
                text += f"; {extra} allowed from age {self.older_age}"
            return text
        text = f"{self.min_mg_per_kg}–{self.max_mg_per_kg} mg/kg"
        return text + (f", never above {self.max_mg} mg" if self.max_mg is not None else "")


@dataclass(frozen=True)
class DosingPolicy:
    ranges: tuple[DoseRange, ...]
    no_dose_systolic: int
    no_dose_diastolic: int
    confirm_systolic: int
    confirm_diastolic: int
    alert_limits: Mapping[str, int] = field(hash=False)
    within_mmhg_of_baseline: int = 20
    min_monitoring_minutes: int = 120
    vitals_every_minutes: int = 15

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DosingPolicy:
        try:
            ranges = []
            for item in data["dose_ranges"]:
                older = item.get("fixed_mg_from_age") or {}
                ranges.append(
                    DoseRange(
                        drug=item["drug"],
                        route=item["route"],
                        min_mg_per_kg=_dec(item.get("min_mg_per_kg")),
                        max_mg_per_kg=_dec(item.get("max_mg_per_kg")),
                        max_mg=_dec(item.get("max_mg")),
                        fixed_mg=tuple(Decimal(str(v)) for v in item.get("fixed_mg", ())),
                        older_age=older.get("age"),
                        older_fixed_mg=tuple(Decimal(str(v)) for v in older.get("fixed_mg", ())),
                        note=item.get("note", ""),
                    )
                )
            pre, limits, discharge = data["pre_dose"], data["alert_limits"], data["discharge"]
            return cls(
                ranges=tuple(ranges),
                no_dose_systolic=int(pre["no_dose_systolic"]),
                no_dose_diastolic=int(pre["no_dose_diastolic"]),
                confirm_systolic=int(pre["confirm_systolic"]),
                confirm_diastolic=int(pre["confirm_diastolic"]),
                alert_limits={key: int(value) for key, value in limits.items()},
                within_mmhg_of_baseline=int(discharge["within_mmhg_of_baseline"]),
                min_monitoring_minutes=int(discharge["min_monitoring_minutes"]),
                vitals_every_minutes=int(data.get("vitals_every_minutes", 15)),
            )
        except (KeyError, TypeError, ValueError, ArithmeticError) as error:
            raise DosingPolicyError(
                f"The dosing policy is incomplete or invalid: {error}"
            ) from None

    def range_for(self, drug: str, route: str) -> DoseRange | None:
        return next((r for r in self.ranges if (r.drug, r.route) == (drug, route)), None)


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


def _dec(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


DOSING_V1 = DosingPolicy.from_dict(DOSING_V1_DATA)


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
