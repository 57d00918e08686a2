"""Inviting a patient to the portal from the chart: a one-time, expiring link whose token is
stored only as its SHA-256; re-inviting revokes the old link; accepting links the account."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from portal import services
from portal.models import PortalInvitation
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer(patient, therapist):
    """A patient on `therapist`'s care team with an e-mail address and no account yet."""
    from tests.patients.factories import CareTeamFactory, CourseFactory

    person = PatientFactory(first_name="Nadia", last_name="Quist", email="Nadia.Q@example.org")
    CourseFactory(patient=person, phase="preparation")
    CareTeamFactory(patient=person, clinician=therapist, primary=True)
    return person


def invite(client, person):
    return client.post(reverse("portal:invite", args=[person.pk]))


def link_of(message) -> str:
    return next(line for line in message.body.splitlines() if "/welcome/" in line).strip()


def test_staff_invite_from_the_chart_and_the_patient_sets_a_password(
    signed_in, therapist, newcomer, client
):
    staff = signed_in(therapist)
    chart = staff.get(reverse("chart", args=[newcomer.pk])).content.decode()
    assert reverse("portal:invite", args=[newcomer.pk]) in chart  # the htmx section
    section = staff.get(reverse("portal:invite", args=[newcomer.pk])).content.decode()
    assert "Invite to the portal" in section
    assert invite(staff, newcomer).url == reverse("chart", args=[newcomer.pk])
    [message] = mail.outbox
    assert message.to == ["nadia.q@example.org"]
    assert "Nadia" not in message.subject and "Quist" not in message.subject
    link = link_of(message)
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert "Quist" not in link and "Nadia" not in link
    invitation = PortalInvitation.objects.get()
    assert invitation.token_sha256 == services.token_sha256(token) and token not in str(
        PortalInvitation.objects.values().get()
    )
    client.logout()
    page = client.get(link)
    assert page.status_code == 200 and "nadia.q@example.org" in page.content.decode()
    short = client.post(link, {"new_password1": "short", "new_password2": "short"})
    assert short.status_code == 400
    password = "Lantern-Harbour-2031"
    response = client.post(link, {"new_password1": password, "new_password2": password})
    assert response.url == reverse("portal:home")
    newcomer.refresh_from_db()
    assert newcomer.user.role == "patient" and newcomer.user.check_password(password)
    assert client.get(reverse("portal:home")).status_code == 200  # signed in
    client.logout()
    again = client.get(link)
    assert again.status_code == 404 and "already used" in again.content.decode()


def test_reinviting_revokes_the_old_link(signed_in, therapist, newcomer, client):
    staff = signed_in(therapist)
    invite(staff, newcomer)
    invite(staff, newcomer)
    first, second = (link_of(m) for m in mail.outbox)
    assert PortalInvitation.objects.filter(revoked_at__isnull=True).count() == 1
    client.logout()
    assert "replaced by a newer one" in client.get(first).content.decode()
    refused = client.post(
        first, {"new_password1": "Lantern-Harbour-2031"} | {"new_password2": "Lantern-Harbour-2031"}
    )
    assert refused.status_code == 404
    assert client.get(second).status_code == 200


def test_an_expired_link_is_refused(signed_in, therapist, newcomer, client):
    invite(signed_in(therapist), newcomer)
    PortalInvitation.objects.update(
        created_at=timezone.now() - timedelta(days=4), expires_at=timezone.now() - timedelta(1)
    )
    client.logout()
    response = client.get(link_of(mail.outbox[0]))
    assert response.status_code == 404 and "expired" in response.content.decode()
    with pytest.raises(services.PortalError, match="expired"):
        token = link_of(mail.outbox[0]).rstrip("/").rsplit("/", 1)[1]
        services.invitation_accept(token=token, password="Lantern-Harbour-2031")


def test_an_unknown_token_answers_404(client):
    assert client.get(reverse("portal:accept", args=["nope"])).status_code == 404


def test_no_email_no_invitation_and_outsiders_get_404(
    signed_in, therapist, outside_clinician, newcomer
):
    assert invite(signed_in(outside_clinician), newcomer).status_code == 404
    newcomer.email = ""
    newcomer.save()
    response = invite(signed_in(therapist), newcomer)
    assert response.status_code == 302 and not mail.outbox
    assert not PortalInvitation.objects.exists()


def test_a_patient_may_not_invite(signed_in, patient, newcomer):
    assert invite(signed_in(patient.user), newcomer).status_code == 403


def test_reinviting_a_patient_with_an_account_resets_that_accounts_password(
    signed_in, therapist, patient, client
):
    patient.email = "paula@example.org"
    patient.save()
    invite(signed_in(therapist), patient)
    client.logout()
    password = "Copper-Meadow-2029"
    client.post(link_of(mail.outbox[0]), {"new_password1": password, "new_password2": password})
    user = type(patient.user).objects.get(pk=patient.user_id)
    assert user.username == "paula" and user.check_password(password)
