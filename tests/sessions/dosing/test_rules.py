"""The pure dosing rules: dose ranges, pre-dose bands, alert limits and discharge criteria."""

from decimal import Decimal

import pytest

from sessions.dosing.policy import DOSING_V1, DOSING_V1_DATA, DosingPolicy, DosingPolicyError
from sessions.dosing.rules import (
    CONFIRM,
    NO_DOSE,
    PROCEED,
    DischargeFacts,
    Vitals,
    check_dose,
    discharge_problems,
    mg_per_kg,
    pre_dose_band,
    vital_alerts,
)


def dose(drug, route, mg, kg="70", age=40):
    return check_dose(
        drug=drug,
        route=route,
        dose_mg=Decimal(mg),
        weight_kg=Decimal(kg),
        age=age,
        policy=DOSING_V1,
    )


@pytest.mark.parametrize(
    ("drug", "route", "mg", "kg", "inside"),
    [
        ("ketamine", "iv", "35", "70", True),  # 0.5 mg/kg, typical
        ("ketamine", "iv", "7", "70", True),  # 0.1, the lower bound
        ("ketamine", "iv", "70", "70", True),  # 1.0, the upper bound
        ("ketamine", "iv", "6.9", "70", False),
        ("ketamine", "iv", "71", "70", False),
        ("ketamine", "im", "17.5", "70", True),  # 0.25
        ("ketamine", "im", "17", "70", False),
        ("ketamine", "sublingual", "210", "70", True),  # 3.0 mg/kg, 210 mg
        ("ketamine", "sublingual", "300", "100", True),  # 3.0 mg/kg, the 300 mg cap
        ("ketamine", "sublingual", "330", "110", False),  # 3.0 mg/kg but above 300 mg
        ("ketamine", "sublingual", "60", "70", False),  # 0.86 mg/kg
        ("esketamine", "intranasal", "56", "70", True),
        ("esketamine", "intranasal", "84", "70", True),
        ("esketamine", "intranasal", "28", "70", False),  # 28 mg only from 65
        ("esketamine", "intranasal", "70", "70", False),
    ],
)
def test_dose_ranges(drug, route, mg, kg, inside):
    assert dose(drug, route, mg, kg).within_range is inside


def test_esketamine_28_mg_from_age_65():
    assert dose("esketamine", "intranasal", "28", age=65).within_range
    assert not dose("esketamine", "intranasal", "28", age=64).within_range


def test_a_pair_without_a_range_needs_a_prescriber():
    check = dose("ketamine", "intranasal", "50")
    assert not check.within_range and "no range" in check.message


def test_mg_per_kg_is_shown_to_two_places():
    assert mg_per_kg(Decimal("35"), Decimal("72.5")) == Decimal("0.48")
    assert dose("ketamine", "iv", "35", "72.5").message.startswith("35 mg (0.48 mg/kg) is within")


def test_a_non_positive_dose_or_weight_is_an_error():
    with pytest.raises(ValueError):
        dose("ketamine", "iv", "0")
    with pytest.raises(ValueError):
        dose("ketamine", "iv", "35", kg="0")


@pytest.mark.parametrize(
    ("systolic", "diastolic", "band"),
    [
        (120, 80, PROCEED),
        (139, 89, PROCEED),
        (140, 80, CONFIRM),
        (120, 90, CONFIRM),
        (159, 99, CONFIRM),
        (160, 80, NO_DOSE),
        (120, 100, NO_DOSE),
        (165, 95, NO_DOSE),
    ],
)
def test_pre_dose_bands(systolic, diastolic, band):
    assert pre_dose_band(systolic, diastolic, DOSING_V1) == band


@pytest.mark.parametrize(
    ("vitals", "fields"),
    [
        (Vitals(150, 95, 80, 98, 14), []),
        (Vitals(180, 95, 80, 98, 14), ["systolic"]),
        (Vitals(179, 110, 80, 98, 14), ["diastolic"]),
        (Vitals(120, 80, 121, 98, 14), ["heart_rate"]),
        (Vitals(120, 80, 120, 98, 14), []),
        (Vitals(120, 80, 49, 98, 14), ["heart_rate"]),
        (Vitals(120, 80, 50, 98, 14), []),
        (Vitals(120, 80, 70, 91, 14), ["spo2"]),
        (Vitals(120, 80, 70, 92, 14), []),
        (Vitals(120, 80, 70, 98, 9), ["respiratory_rate"]),
        (
            Vitals(190, 115, 130, 88, 8),
            ["systolic", "diastolic", "heart_rate", "spo2", "respiratory_rate"],
        ),
        (Vitals(heart_rate=70), []),
    ],
)
def test_alert_limits(vitals, fields):
    assert [name for name, _ in vital_alerts(vitals, DOSING_V1)] == fields


def discharge(**changes):
    facts = {
        "baseline": Vitals(128, 82),
        "latest": Vitals(136, 86, 76, 97, 14),
        "monitoring_minutes": 125,
        "alert_and_oriented": True,
        "walking_steadily": True,
        "escort_present": True,
        "no_driving_acknowledged": True,
        **changes,
    }
    return discharge_problems(DischargeFacts(**facts), DOSING_V1)


def test_discharge_when_every_criterion_holds():
    assert discharge() == []


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"latest": Vitals(149, 86, 76, 97, 14)}, "more than 20 mmHg"),
        ({"baseline": Vitals(128, 70), "latest": Vitals(136, 91, 76, 97, 14)}, "more than 20 mmHg"),
        (
            {"baseline": Vitals(150, 90), "latest": Vitals(162, 90, 76, 97, 14)},
            "not below the no-dose",
        ),
        ({"latest": None}, "Take a full set of vitals after the dose started"),
        ({"latest": Vitals(136, 86)}, "no heart rate, SpO2 or respiratory rate"),
        ({"latest": Vitals(None, None, 76, 97, 14)}, "no blood pressure"),
        ({"baseline": None}, "there is no baseline"),
        ({"latest": Vitals(136, 86, 121, 97, 14)}, "Heart rate 121/min (alert above 120)"),
        ({"latest": Vitals(136, 86, 49, 97, 14)}, "Heart rate 49/min (alert below 50)"),
        ({"latest": Vitals(136, 86, 76, 91, 14)}, "SpO2 91% (alert below 92%)"),
        ({"latest": Vitals(136, 86, 76, 97, 9)}, "Respiratory rate 9/min (alert below 10)"),
        ({"administration_recorded": False}, "Schedule III"),
        ({"monitoring_minutes": 119}, "at least 120 min"),
        ({"alert_and_oriented": False}, "alert and oriented"),
        ({"walking_steadily": False}, "walking steadily"),
        ({"escort_present": False}, "escort"),
        ({"no_driving_acknowledged": False}, "no driving"),
    ],
)
def test_discharge_is_refused_until_it_holds(changes, fragment):
    problems = discharge(**changes)
    assert len(problems) == 1 and fragment in problems[0]


def test_the_v1_data_round_trips_and_a_broken_policy_says_so():
    assert DosingPolicy.from_dict(DOSING_V1_DATA) == DOSING_V1
    with pytest.raises(DosingPolicyError, match="incomplete or invalid"):
        DosingPolicy.from_dict({"dose_ranges": []})


def test_the_v2_migration_holds_a_literal_copy_of_the_dosing_numbers():
    import importlib

    migration = importlib.import_module("screening.migrations.0006_policy_v2_dosing")
    assert migration.DOSING == DOSING_V1_DATA
    assert migration.DOSING is not DOSING_V1_DATA


def test_the_active_policy_carries_the_dosing_numbers(db):
    from sessions.dosing.charting import dosing_policy
    from sessions.dosing.policy import DOSING_V3

    label, policy = dosing_policy()
    assert label == "v3" and policy == DOSING_V3


def test_the_v3_migration_holds_a_literal_copy_of_the_weight_bounds():
    import importlib

    from sessions.dosing.policy import PLAUSIBILITY_V3

    migration = importlib.import_module("screening.migrations.0007_policy_v3_weight_bounds")
    assert migration.PLAUSIBILITY == PLAUSIBILITY_V3
    assert migration.PLAUSIBILITY is not PLAUSIBILITY_V3
