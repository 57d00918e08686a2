"""The URL × role matrix: every named URL the resolver lists, for each persona, GET and POST,
answers what `tests/url_matrix.txt` says (200, a redirect to the sign-in page, 403, 404, …).

A URL with no row in the table fails the test: no page can be added without deciding who may
see it. PDFs, .ics feeds, exports, htmx fragments and the admin site are rows like any other.

Personas: intake; therapist on the patient's care team; therapist outside it; prescriber; front
desk; admin; the patient; another patient; anonymous. Path parameters are the demo clinic's
objects (the patient's own where a route names one: tests/test_hostile_input.py's fixture).
POSTs carry no fields (a CSRF-exempt client): the answer says who gets past the walls, not what a
form does with its data. Every request is rolled back.

To re-decide rows after adding a page: `URL_MATRIX_WRITE=1 pytest tests/test_url_matrix.py`
writes the answers the code gives now; read the diff line by line before committing it.
"""

import os
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests import hostile_pages as site
from tests.test_hostile_input import clinic, fillings, send  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.django_db]

TABLE = Path(__file__).with_name("url_matrix.txt")
PERSONAS = [
    "intake",
    "therapist",  # on the patient's care team
    "outsider",  # a therapist outside it
    "prescriber",
    "frontdesk",
    "admin",
    "patient",
    "other_patient",
    "anonymous",
]
# Never requested: they leave the site.
SKIP = {"admin:view_on_site"}


def _answer(response) -> str:
    if response.status_code in (301, 302):
        target = response.get("Location", "")
        if target.startswith(reverse("login")) or target.startswith(reverse("admin:login")):
            return "login"
        return "302"
    return str(response.status_code)


def _users(clinic):  # noqa: F811
    from accounts.models import User
    from patients.models import Patient

    users = dict(clinic.users)
    other = Patient.objects.filter(user__isnull=True).exclude(pk=clinic.kwargs["paula"].pk).first()
    other.user = User.objects.create_user("other_patient", role="patient", password="x" * 16)
    other.save(update_fields=["user"])
    return {
        "intake": users["intake"],
        "therapist": users["therapist"],
        "outsider": users["therapist2"],
        "prescriber": users["prescriber"],
        "frontdesk": users["frontdesk"],
        "admin": users["admin"],
        "patient": users["patient"],
        "other_patient": other.user,
        "anonymous": None,
    }


def _filling(route, clinic) -> dict:  # noqa: F811
    """The patient's own objects; an admin page of a model the demo has no row of gets an id
    that names none (the admin's answer to that is decided too)."""
    found = fillings(route, clinic, "therapist")
    if found:
        return found[0]
    return {p: "patients" if p == "app_label" else 999_999 for p in route.params}


def _read_table() -> dict[tuple[str, str], list[str]]:
    rows = {}
    for line in TABLE.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        route, method, *answers = line.split()
        rows[(route, method)] = answers
    return rows


def _write_table(found: dict) -> None:
    width = max(len(route) for route, _ in found) + 2
    lines = [
        "# The URL × role matrix (tests/test_url_matrix.py): what each persona gets, GET and POST.",
        "# login = a redirect to the sign-in page; 302 = another redirect.",
        "# " + " " * (width + 5) + " ".join(f"{p[:10]:>10}" for p in PERSONAS),
    ]
    for (route, method), answers in sorted(found.items()):
        cells = " ".join(f"{a:>10}" for a in answers)
        lines.append(f"{route:<{width}} {method:<4} {cells}")
    TABLE.write_text("\n".join(lines) + "\n")


def test_every_url_has_a_row_in_the_matrix():
    """Cheap, on every run: a new page without a decided row fails here already."""
    rows = _read_table()
    missing = sorted(
        f"{route.name} {method}"
        for route in site.routes()
        if route.name not in SKIP
        for method in ("GET", "POST")
        if (route.name, method) not in rows
    )
    assert not missing, f"no row in {TABLE.name} for: " + ", ".join(missing)


@pytest.mark.heavy  # seeds the demo clinic and sends ~1,000 requests: the PostgreSQL pass
def test_every_url_answers_each_persona_as_the_matrix_says(clinic, settings):  # noqa: F811
    settings.TWO_FACTOR_REQUIRED = True  # test sign-ins come already verified (conftest)
    users = _users(clinic)
    clients = {}
    for persona, user in users.items():
        client = Client(raise_request_exception=False)
        if user is not None:
            client.force_login(user)
        clients[persona] = client
    found: dict[tuple[str, str], list[str]] = {}
    for route in site.routes():
        if route.name in SKIP:
            continue
        path = reverse(route.name, kwargs=_filling(route, clinic))
        for method in ("get", "post"):
            answers = []
            for persona, user in users.items():
                client = clients[persona]
                answers.append(_answer(send(client, method, path)))
                if user is not None and "_auth_user_id" not in client.session:
                    client.force_login(user)  # the request signed it out: sign in again
            found[(route.name, method.upper())] = answers
    if os.environ.get("URL_MATRIX_WRITE"):
        _write_table(found)
    expected = _read_table()
    problems = [f"{route} {method}: no row in {TABLE.name} (decide who may see it)"
                for route, method in found if (route, method) not in expected]  # fmt: skip
    for key, answers in found.items():
        if key in expected and expected[key] != answers:
            diff = ", ".join(
                f"{p} {want}→{got}"
                for p, want, got in zip(PERSONAS, expected[key], answers, strict=True)
                if want != got
            )
            problems.append(f"{key[0]} {key[1]}: {diff}")
    assert not problems, "\n".join(problems)
