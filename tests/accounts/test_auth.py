"""Sign-in, sign-out, password change and each role's home page."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_sign_in_and_out(client, therapist):
    response = client.post(reverse("login"), {"username": "theo", "password": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_wrong_password_keeps_the_username(client, therapist):
    response = client.post(reverse("login"), {"username": "theo", "password": "nope"})
    assert response.status_code == 200
    assert b'value="theo"' in response.content
    assert b"Please enter a correct username and password" in response.content


@pytest.mark.parametrize(
    ("new", "error"),
    [
        ("short1!", b"too short"),
        ("password1234", b"too common"),
        ("839201749382", b"entirely numeric"),
    ],
)
def test_password_change_enforces_strong_passwords(signed_in, therapist, new, error):
    response = signed_in(therapist).post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 200 and error in response.content


def test_password_change_succeeds(signed_in, therapist):
    new = "Quiet-Room-Eye-Shades-71"
    response = signed_in(therapist).post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    therapist.refresh_from_db()
    assert therapist.check_password(new)


@pytest.mark.parametrize(
    ("role", "heading"),
    [
        ("intake", b"Intake"),
        ("therapist", b"Therapist"),
        ("prescriber", b"Prescriber"),
        ("frontdesk", b"Front desk"),
        ("admin", b"Clinic administration"),
    ],
)
def test_each_role_has_its_home_page(signed_in, make_user, role, heading):
    response = signed_in(make_user(role)).get(reverse("home"))
    assert response.status_code == 200
    assert f"home/{role}.html" in [t.name for t in response.templates]
    assert heading in response.content


def test_a_patients_home_is_the_portal(signed_in, make_user):
    client = signed_in(make_user("patient"))
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain == [(reverse("portal:home"), 302)]
    assert b"not linked to a patient record" in response.content


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        ("therapist", [b"Patients"], [b"Register patient", b"Administration"]),
        ("intake", [b"Patients", b"Register patient"], [b"Administration"]),
        ("admin", [b"Administration"], []),
        ("patient", [], [b"Patients", b"Register patient", b"Administration"]),
    ],
)
def test_navigation_shows_only_what_the_role_may_use(signed_in, make_user, role, shown, hidden):
    content = signed_in(make_user(role)).get(reverse("home"), follow=True).content
    nav = content.split(b"<main")[0]
    for label in shown:
        assert label in nav
    for label in hidden:
        assert label not in nav


def test_a_user_belongs_to_their_role_group_only(make_user):
    user = make_user("prescriber")
    assert list(user.groups.values_list("name", flat=True)) == ["prescriber"]
    user.role = "therapist"
    user.save()
    assert list(user.groups.values_list("name", flat=True)) == ["therapist"]
    assert user.has_perm("patients.view_patient")
    assert not user.has_perm("accounts.add_user")


def test_only_administrators_reach_the_admin_site(signed_in, make_user):
    assert make_user("admin").is_staff
    assert signed_in(make_user("admin", username="a2")).get("/admin/").status_code == 200
    response = signed_in(make_user("therapist", username="t2")).get("/admin/")
    assert response.status_code == 302


def test_role_groups_exist_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "intake",
        "therapist",
        "prescriber",
        "frontdesk",
        "admin",
        "patient",
    }


def test_on_call_is_for_prescribers_only(make_user):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="x", role="therapist", on_call=True)
