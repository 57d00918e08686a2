"""The prescriber's order and every number typed at the chair side: plausible weights from the
clinic policy (adult 30–300 kg unless a prescriber confirms with a reason), routes and drugs that
are choices, and NaN, infinities and absurd values refused on their field, never a 500."""

from decimal import Decimal

import pytest
from django.urls import reverse

from sessions.dosing import monitoring
from sessions.dosing import services as doses
from sessions.dosing.charting import dosing_policy
from sessions.dosing.policy import DOSING_V1_DATA, DOSING_V3, DOSING_V3_DATA, DosingPolicy
from sessions.errors import SessionsError

pytestmark = pytest.mark.django_db

ORDER = {"drug": "ketamine", "route": "im", "dose_mg": Decimal("35"), "weight_kg": Decimal("70")}


def order(dose, by, **changes):
    return doses.dose_order(by=by, dose=dose, **{**ORDER, **changes})


def post(client, dose, action, data):
    return client.post(
        reverse("dose_action", args=[dose.pk, action]),
        {f"{action}-{name}": value for name, value in data.items()},
    )


def test_the_active_policy_holds_the_weight_bounds():
    label, policy = dosing_policy()
    assert label == "v3" and policy == DOSING_V3
    assert (policy.weight_min_kg, policy.weight_max_kg) == (30, 300)


def test_a_policy_without_the_bounds_reads_clinical_mds_defaults():
    policy = DosingPolicy.from_dict(DOSING_V1_DATA)
    assert (policy.weight_min_kg, policy.weight_max_kg) == (30, 300)
    assert DosingPolicy.from_dict(DOSING_V3_DATA) == DOSING_V3


@pytest.mark.parametrize("weight", ["2", "29.9", "300.1", "500"])
def test_an_implausible_weight_needs_a_prescribers_reason(ready, prescriber, signed_in, weight):
    dose = ready(order=False)
    mg = Decimal(weight) * Decimal("0.5")  # inside the mg/kg range: only the weight is at issue
    with pytest.raises(SessionsError, match="outside the plausible adult weight") as error:
        order(dose, prescriber, weight_kg=Decimal(weight), dose_mg=mg.quantize(Decimal("0.01")))
    assert error.value.field == "weight_confirm_reason"
    data = {**ORDER, "weight_kg": weight, "dose_mg": str(mg.quantize(Decimal("0.01")))}
    response = post(signed_in(prescriber), dose, "order", data)
    assert response.status_code == 400
    assert b"outside the plausible adult weight" in response.content
    dose.refresh_from_db()
    assert dose.weight_kg is None
    confirmed = order(
        dose,
        prescriber,
        weight_kg=Decimal(weight),
        dose_mg=mg.quantize(Decimal("0.01")),
        weight_confirm_reason="Weighed twice on the clinic scale.",
    )
    assert confirmed.weight_confirm_reason == "Weighed twice on the clinic scale."


@pytest.mark.parametrize("weight", ["5000", "20000", "0", "-70"])
def test_an_impossible_weight_is_a_field_error_whatever_the_reason(
    ready, prescriber, signed_in, weight
):
    dose = ready(order=False)
    with pytest.raises(SessionsError, match="Weight must be between 1 and 700 kg") as error:
        order(dose, prescriber, weight_kg=Decimal(weight), weight_confirm_reason="Sure")
    assert error.value.field == "weight_kg"
    response = post(signed_in(prescriber), dose, "order", {**ORDER, "weight_kg": weight})
    assert response.status_code == 400
    assert b"Ensure this value is" in response.content


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"route": "rectal"}, "route", "Choose a route"),
        ({"drug": "ketamine; drop"}, "drug", "Choose a drug"),
        ({"dose_mg": Decimal("NaN")}, "dose_mg", "Dose must be a number"),
        ({"dose_mg": float("nan")}, "dose_mg", "Dose must be a number"),
        ({"weight_kg": Decimal("Infinity")}, "weight_kg", "Weight must be a number"),
        ({"weight_kg": Decimal("-Infinity")}, "weight_kg", "Weight must be a number"),
        ({"dose_mg": Decimal("1E+400")}, "dose_mg", "Dose must be between"),
        ({"dose_mg": Decimal("0")}, "dose_mg", "Dose must be between"),
        ({"weight_kg": "seventy"}, "weight_kg", "Weight must be a number"),
    ],
)
def test_the_order_service_refuses_bad_values_on_their_field(
    ready, prescriber, changes, field, message
):
    dose = ready(order=False)
    with pytest.raises(SessionsError, match=message) as error:
        order(dose, prescriber, **changes)
    assert error.value.field == field


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("order", {**ORDER, "weight_kg": "NaN"}),
        ("order", {**ORDER, "dose_mg": "Infinity"}),
        ("order", {**ORDER, "dose_mg": "-Infinity"}),
        ("order", {**ORDER, "weight_kg": "1e400"}),
        ("order", {**ORDER, "route": "rectal"}),
        ("vitals", {"moment": "during", "systolic": "NaN", "diastolic": "80", "heart_rate": "77"}),
        ("vitals", {"moment": "during", "heart_rate": "Infinity"}),
        ("vitals", {"moment": "during", "spo2": "1e400"}),
        ("notes", {"dissociation": "NaN"}),
    ],
)
def test_the_page_answers_bad_numbers_with_a_field_error(
    ready, prescriber, signed_in, action, data
):
    dose = ready()
    if action == "notes":  # the dissociation rating is charted once the dose started
        dose = doses.dose_start(by=prescriber, dose=dose)
    response = post(signed_in(prescriber), dose, action, data)
    assert response.status_code == 400
    assert b"invalid-feedback" in response.content


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (
            {"systolic": float("nan"), "diastolic": 80},
            "systolic",
            "Systolic must be a whole number",
        ),
        ({"heart_rate": Decimal("NaN")}, "heart_rate", "Heart rate must be a whole number"),
        ({"spo2": 101}, "spo2", "SpO2 must be between 50 and 100"),
        ({"respiratory_rate": 10**9}, "respiratory_rate", "Respiratory rate must be between"),
        ({"heart_rate": True}, "heart_rate", "Heart rate must be a whole number"),
    ],
)
def test_the_vitals_service_refuses_bad_values_on_their_field(
    ready, therapist, values, field, message
):
    with pytest.raises(SessionsError, match=message) as error:
        monitoring.vitals_record(by=therapist, dose=ready(), moment="during", **values)
    assert error.value.field == field


@pytest.mark.parametrize("value", [Decimal("NaN"), float("inf"), 11, -1, 2.5])
def test_the_dissociation_rating_is_a_whole_number_from_0_to_10(ready, therapist, value):
    with pytest.raises(SessionsError, match="Dissociation is rated 0 to 10"):
        doses.dose_update_notes(by=therapist, dose=ready(), dissociation=value)
