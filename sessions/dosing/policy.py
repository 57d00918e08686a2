"""The dosing numbers of the clinic policy (CLINICAL.md, "Dosing and monitoring"), as data: each
published `ScreeningPolicy` version carries them in its `dosing` section, and `DosingPolicy` reads
them. v1's numbers came with policy v2 (migration screening/0006); v3 (screening/0007) adds the
plausible adult weight.

Pure: no Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
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

# Policy v3 (migration screening/0007) adds the plausible adult weight (CLINICAL.md,
# "Plausibility"): outside it a prescriber confirms the weight with a reason.
PLAUSIBILITY_V3: dict[str, Any] = {"adult_weight_min_kg": "30", "adult_weight_max_kg": "300"}
DOSING_V3_DATA: dict[str, Any] = {**DOSING_V1_DATA, "plausibility": PLAUSIBILITY_V3}


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
    # A version published before v3 has no plausibility section: CLINICAL.md's defaults apply.
    weight_min_kg: Decimal = Decimal(PLAUSIBILITY_V3["adult_weight_min_kg"])
    weight_max_kg: Decimal = Decimal(PLAUSIBILITY_V3["adult_weight_max_kg"])

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
            weights = {**PLAUSIBILITY_V3, **data.get("plausibility", {})}
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
                weight_min_kg=_finite(weights["adult_weight_min_kg"]),
                weight_max_kg=_finite(weights["adult_weight_max_kg"]),
            )
        except (KeyError, TypeError, ValueError, ArithmeticError) as error:
            raise DosingPolicyError(
                f"The dosing policy is incomplete or invalid: {error}"
            ) from None

    def range_for(self, drug: str, route: str) -> DoseRange | None:
        return next((r for r in self.ranges if (r.drug, r.route) == (drug, route)), None)


def _dec(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _finite(value) -> Decimal:
    number = Decimal(str(value))
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a number")
    return number


DOSING_V1 = DosingPolicy.from_dict(DOSING_V1_DATA)
DOSING_V3 = DosingPolicy.from_dict(DOSING_V3_DATA)
