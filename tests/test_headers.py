"""Headers every response carries: nothing a signed-in user saw is kept in a cache, and the
browser's powerful features are switched off (issue 10)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_every_page_for_a_signed_in_user_is_not_stored(signed_in, therapist, patient):
    client = signed_in(therapist)
    pages = [
        reverse("home"),
        reverse("chart", args=[patient.pk]),
        reverse("patient_edit", args=[patient.pk]),
        reverse("patient_appointments", args=[patient.pk]),
        reverse("questionnaires", args=[patient.pk]),
        reverse("my_schedule"),
        reverse("schedule"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert _no_store(response), url
        assert "private" in response["Cache-Control"], url


def test_refusals_and_redirects_for_a_signed_in_user_are_not_stored(
    signed_in, outside_clinician, patient
):
    client = signed_in(outside_clinician)
    assert _no_store(client.get(reverse("chart", args=[patient.pk])))  # 404
    assert _no_store(client.post(reverse("patient_list"), {"q": "Reyes"}))  # a search
    assert _no_store(client.get("/no-such-page/"))


def test_a_patient_portal_page_is_not_stored(signed_in, patient):
    assert _no_store(signed_in(patient.user).get(reverse("home")))


def test_every_response_carries_a_permissions_policy(client, signed_in, therapist):
    anonymous = [client.get(reverse("login")), client.get(reverse("home"))]
    signed = [signed_in(therapist).get(reverse("home"))]
    for response in anonymous + signed:
        policy = response["Permissions-Policy"]
        assert "camera=()" in policy and "microphone=()" in policy and "geolocation=()" in policy
