"""Discharge (CLINICAL.md): judged on the latest reading taken after the dose started, whatever its
label, against the baseline that cleared the start; heart rate, SpO2 and respiratory rate inside
the in-session alert limits. Through the service and through the dosing page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions.dosing import monitoring
from sessions.dosing import services as doses
from sessions.errors import SessionsError
from tests.sessions.dosing.setup import administer, discharge_vitals, wind_back

pytestmark = pytest.mark.django_db

CRITERIA = {
    "alert_and_oriented": True,
    "walking_steadily": True,
    "escort_present": True,
    "no_driving_acknowledged": True,
}
FORM = {f"discharge-{name}": "on" for name in CRITERIA}


def discharge(dose, by):
    return doses.dose_discharge(by=by, dose=dose, **CRITERIA)


def started(ready, by, **changes):
    return wind_back(doses.dose_start(by=by, dose=ready(**changes)))


def refused_on_the_page(client, dose, *fragments):
    response = client.post(reverse("dose_action", args=[dose.pk, "discharge"]), FORM)
    assert response.status_code == 400
    for fragment in fragments:
        assert fragment.encode() in response.content
    dose.refresh_from_db()
    assert dose.status == "started"


def test_a_normal_discharge_row_followed_by_a_bad_reading_is_not_discharged(
    ready, signed_in, therapist
):
    dose = started(ready, therapist)
    discharge_vitals(dose, by=therapist)  # labelled "discharge", normal
    discharge_vitals(
        dose, by=therapist, moment="during", systolic=186, diastolic=112, heart_rate=130, spo2=86
    )
    with pytest.raises(SessionsError) as error:
        discharge(dose, therapist)
    for fragment in ("Systolic 186", "Heart rate 130/min", "SpO2 86%"):
        assert fragment in error.value.message
    refused_on_the_page(signed_in(therapist), dose, "Systolic 186", "SpO2 86%")


def test_the_baseline_is_the_reading_that_cleared_the_start_not_a_refused_one(
    ready, signed_in, therapist
):
    dose = ready(bp=(165, 95))  # no dose today at this reading ...
    monitoring.vitals_record(  # ... re-measured after 5 minutes' rest
        by=therapist, dose=dose, moment="pre_dose", systolic=128, diastolic=82, heart_rate=70
    )
    dose = doses.dose_start(by=therapist, dose=dose)
    assert (dose.start_reading.systolic, dose.start_reading.diastolic) == (128, 82)
    administer(dose, by=therapist)
    dose = wind_back(dose)
    discharge_vitals(dose, by=therapist, systolic=134, diastolic=86)
    response = signed_in(therapist).post(reverse("dose_action", args=[dose.pk, "discharge"]), FORM)
    assert response.status_code == 302
    dose.refresh_from_db()
    assert dose.status == "discharged"


def test_a_reading_recorded_before_the_start_is_never_the_discharge_reading(
    ready, signed_in, therapist
):
    dose = ready()
    discharge_vitals(dose, by=therapist)  # labelled "discharge", but before the start
    dose = started(ready=lambda: dose, by=therapist)
    with pytest.raises(SessionsError, match="Take a full set of vitals after the dose started"):
        discharge(dose, therapist)
    refused_on_the_page(signed_in(therapist), dose, "Take a full set of vitals")


def test_a_reading_cannot_be_backdated_before_the_start(ready, therapist):
    dose = started(ready, therapist)
    with pytest.raises(SessionsError, match="before the dose started"):
        discharge_vitals(dose, by=therapist, taken_at=dose.started_at - timedelta(minutes=1))
    with pytest.raises(SessionsError, match="in the future"):
        discharge_vitals(dose, by=therapist, taken_at=timezone.now() + timedelta(hours=1))


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        ({"heart_rate": 130}, "Heart rate 130/min (alert above 120)"),
        ({"heart_rate": 45}, "Heart rate 45/min (alert below 50)"),
        ({"spo2": 88}, "SpO2 88% (alert below 92%)"),
        ({"respiratory_rate": 8}, "Respiratory rate 8/min (alert below 10)"),
    ],
)
def test_the_discharge_reading_is_inside_the_in_session_alert_limits(
    ready, signed_in, therapist, values, fragment
):
    dose = started(ready, therapist)
    discharge_vitals(dose, by=therapist, **values)
    with pytest.raises(SessionsError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        discharge(dose, therapist)
    refused_on_the_page(signed_in(therapist), dose, fragment)


def test_the_discharge_reading_is_a_full_set(ready, therapist):
    dose = started(ready, therapist)
    monitoring.vitals_record(
        by=therapist, dose=dose, moment="discharge", systolic=130, diastolic=82
    )
    with pytest.raises(SessionsError, match="no heart rate, SpO2 or respiratory rate"):
        discharge(dose, therapist)
