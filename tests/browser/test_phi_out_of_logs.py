"""PHI out of logs (issue 17): a clinic day in Chromium across roles — intake screens a candidate,
the front desk books and invites, a prescriber discharges a dose (a real Celery worker books the
follow-up and sends the reminders), the patient signs in to the portal — with everything an
operator could read captured:

- every log record of this process (root and `django` loggers at DEBUG, as with
  `DJANGO_LOG_LEVEL=DEBUG`), exceptions included;
- an access log as gunicorn writes it (the request line: method, full path and query string),
  from the live server's request handler, and every URL Chromium asked for;
- the Celery worker's own log at DEBUG;
- every e-mail's subject (and the bodies and text messages of reminders sent without the
  patient's consent to unencrypted messages), and every download's file name and
  Content-Disposition header.

None may hold a patient's first or last name, birth date (ISO, and as pages print it), MRN,
phone or e-mail address. The detector itself is proven on planted values."""

import logging
import os
import re
from dataclasses import dataclass, field
from datetime import date
from email import message_from_string
from email.header import decode_header, make_header
from pathlib import Path
from urllib.parse import unquote_plus

import pytest
from django.contrib.admin import site
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.template import Context, Template
from django.test import testcases
from django.urls import reverse
from playwright.sync_api import expect

from audit.tasks import seal_audit_events
from integration.models import FollowUp
from notifications.models import ContactPreference, Message
from notifications.tasks import dispatch_messages
from patients.models import Patient
from sessions.dosing import services as doses
from tests.browser.test_booking import book_from_first_proposal
from tests.browser.test_dosing import vitals
from tests.browser.test_intake import answer, give_questionnaire
from tests.notifications.test_worker import Outbox
from tests.sessions.dosing.setup import administer, dose_ready, wind_back
from tests.sessions.factories import RoomFactory, restore_appointment_types, works
from tests.workers import wait_for

pytestmark = [pytest.mark.heavy, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


# --- The detector ---------------------------------------------------------------------------------


def identifiers(patient) -> dict[str, str]:
    """What identifies `patient` in text: label → value (values lower-cased)."""
    born = patient.date_of_birth
    values = {
        "first name": patient.first_name,
        "last name": patient.last_name,
        "birth date (ISO)": born.isoformat(),
        "birth date (page)": f"{born:%b} {born.day}, {born.year}",  # "M j, Y"
        "birth date (US)": f"{born:%m/%d/%Y}",
        "MRN": patient.mrn,
        "phone": patient.phone,
        "phone digits": re.sub(r"\D", "", patient.phone),
        "e-mail": patient.email,
    }
    return {label: value.lower() for label, value in values.items() if value}


def leaks(texts: dict[str, list[str]], patients) -> list[str]:
    """Every (where, which identifier, the line) where a patient's identifier shows. Each text is
    read as written and URL-decoded (a name in a query string is `Paula+Reyes`); names match as
    whole words, so "Reyes" is not found in "preyesterday"."""
    found = []
    for patient in patients:
        for label, value in identifiers(patient).items():
            pattern = re.compile(
                rf"(?<![\w]){re.escape(value)}(?![\w])"
                if "name" in label or label == "MRN"
                else re.escape(value)
            )
            for where, lines in texts.items():
                for line in lines:
                    for seen in {line.lower(), unquote_plus(line).lower()}:
                        if match := pattern.search(seen):
                            around = seen[max(0, match.start() - 150) : match.end() + 60]
                            found.append(f"{where}: {label} of patient {patient.pk}: …{around}…")
                            break
    return sorted(set(found))


class Planted:
    first_name, last_name, mrn = "Zebulon", "Quattlebaum", "KT999001"
    date_of_birth, phone, email = date(1961, 2, 3), "(555) 017-2233", "zq@example.org"
    pk = "planted"


def test_the_detector_finds_each_planted_identifier():
    clean = {"log": ["GET /patients/6f1c…/ 200", "reminder 12 sent", "Zebulonia is a town"]}
    assert leaks(clean, [Planted]) == []
    planted = {
        "log": ["chart opened for Zebulon"],
        "access log": ['"POST /patients/?q=Quattlebaum+Zebulon HTTP/1.1" 200 12'],
        "worker log": ["Task x[1] succeeded: 'KT999001'"],
        "e-mail subject": ["Your visit, born Feb 3, 1961"],
        "file name": ["record-1961-02-03.pdf"],
        "url": ["http://x/?phone=5550172233", "http://x/?email=zq%40example.org"],
    }
    found = "\n".join(leaks(planted, [Planted]))
    for label in (
        "first name",
        "last name",
        "MRN",
        "birth date (page)",
        "birth date (ISO)",
        "phone digits",
        "e-mail",
    ):
        assert f"{label} of patient planted" in found, label


# --- What is captured -----------------------------------------------------------------------------


class Records(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record):
        if record.name.startswith("factory"):  # the test's own data builders, not the product
            return
        try:
            self.lines.append(self.format(record))
        except Exception as error:  # a record that does not format is still read
            self.lines.append(f"{record.name} {record.msg!r} {record.args!r} ({error})")


@dataclass
class Capture:
    logs: Records
    access: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


@pytest.fixture
def capture(monkeypatch):
    """Log records at DEBUG from the root and `django` loggers, and the live server's access log
    (the handler Django's test server keeps quiet, given gunicorn's request line back)."""
    handler = Records()
    loggers = [logging.getLogger(), logging.getLogger("django")]
    levels = [one.level for one in loggers]
    for one in loggers:
        one.addHandler(handler)
        one.setLevel(logging.DEBUG)
    seen = Capture(handler)

    def log_message(self, format, *args):
        seen.access.append(f"{self.client_address[0]} {format % args}")

    monkeypatch.setattr(testcases.QuietWSGIRequestHandler, "log_message", log_message)
    yield seen
    for one, level in zip(loggers, levels, strict=True):
        one.removeHandler(handler)
        one.setLevel(level)


@pytest.fixture
def watched(page, capture):
    """The page, with each request's URL, each download's suggested name and each response's
    Content-Disposition recorded."""
    page.context.on("request", lambda request: capture.urls.append(request.url))
    page.on("download", lambda download: capture.files.append(download.suggested_filename))

    def disposition(response):
        value = response.headers.get("content-disposition")
        if value:
            capture.files.append(value)

    page.context.on("response", disposition)
    return page


def fetch(page, capture, url: str):
    """A download through the browser's own session (PDFs open inline: Chromium headless would
    not show them); the file name it would be saved under is recorded."""
    response = page.context.request.get(url)
    assert response.status == 200, url
    capture.urls.append(url)
    capture.files.append(response.headers.get("content-disposition", ""))
    return response


def sign_out(page):
    """Sign out through the menu, as at a shared workstation: the server ends the session, so a
    late answer to the last page cannot sign the next user in as the previous one."""
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))


def download(page, capture, click) -> str:
    with page.expect_download() as info:
        click()
    name = info.value.suggested_filename
    capture.files.append(name)
    return name


class Mailbox(Outbox):
    """The worker's file outboxes, its e-mails read as messages (headers and body apart)."""

    def messages(self):
        texts = [p.read_text() for p in self.email_dir.glob("*")] if self.email_dir.exists() else []
        # The file backend writes a connection's messages into one file, a line of dashes apart.
        parts = [part for text in texts for part in re.split(r"\n-{79}\n", text) if part.strip()]
        return [message_from_string(part) for part in parts]


def subject(message) -> str:
    return str(make_header(decode_header(message["Subject"] or "")))


def body(message) -> str:
    if message.is_multipart():
        part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
        return part.get_payload(decode=True).decode()
    return message.get_payload(decode=True).decode()


def test_query_and_template_debug_records_stay_out_of_the_log(capture, patient):
    """What the journey found: at DEBUG, `django.template` logs a missing variable with the
    template context's repr and `django.db.backends` (in debug mode) each query's parameters —
    both name the patient. LOGGING pins them at INFO; lowered, the same records leak."""

    def touch():
        connection.force_debug_cursor = True  # as in debug mode (`make demo`)
        try:
            Patient.objects.filter(last_name=patient.last_name).count()
        finally:
            connection.force_debug_cursor = False
        Template("{{ patient.no_such_thing }}").render(Context({"patient": patient}))

    touch()
    assert leaks({"log record": capture.logs.lines}, [patient]) == []
    pinned = [logging.getLogger(name) for name in ("django.template", "django.db.backends")]
    levels = [one.level for one in pinned]
    for one in pinned:
        one.setLevel(logging.DEBUG)
    try:
        touch()
    finally:
        for one, level in zip(pinned, levels, strict=True):
            one.setLevel(level)
    found = "\n".join(leaks({"log record": capture.logs.lines}, [patient]))
    assert "last name" in found and "MRN" in found


def test_a_database_errors_detail_stays_out_of_the_log(capture, patient):
    """PostgreSQL's DETAIL repeats the row ("Failing row contains (…, Paula, Reyes, …)"): logged
    as a 500 is (`django.request`, with the traceback) and as Celery logs a failed task (the
    exception's repr in the message), it is cut (`kap_clinic/logs.py`)."""
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        Patient.objects.filter(pk=patient.pk).update(date_of_birth=date(1899, 12, 31))
    error = raised.value
    assert leaks({"exception": [str(error)]}, [patient])  # the database did name her
    logging.getLogger("django.request").error(
        "Internal Server Error: %s",
        f"/patients/{patient.pk}/",
        exc_info=(type(error), error, error.__traceback__),
    )
    logging.getLogger("celery.app.trace").error(
        "Task %(name)s[%(id)s] raised unexpected: %(exc)s",
        {"name": "integration.followups.tasks.book_followup", "id": "1", "exc": repr(error)},
    )
    logging.getLogger("integration.schedule.services").exception("scheduled failed", exc_info=error)
    lines = capture.logs.lines[-3:]
    assert all("DETAIL: (left out of the log" in line for line in lines), lines
    assert "violates check constraint" in lines[0]  # what went wrong is still said
    assert leaks({"log record": lines}, [patient]) == []


def test_no_admin_list_searches_patients_by_what_identifies_them():
    """The admin's search box is a GET form: what is typed lands in the URL. None of its lists
    searches a patient's name, birth date, MRN, phone or e-mail (the directory does, by POST), nor
    an account's names: a patient's account holds their name, their user name is their e-mail."""
    identifying = {"first_name", "last_name", "date_of_birth", "mrn", "phone", "email"}
    account = identifying | {"username"}
    found = []
    for model, model_admin in site._registry.items():
        for term in model_admin.search_fields:
            target, *path = [model, *term.lstrip("=^@").split("__")]
            for name in path[:-1]:
                target = target._meta.get_field(name).related_model
            if (target is Patient and path[-1] in identifying) or (
                target is get_user_model() and path[-1] in account
            ):
                found.append(f"{model._meta.label}: {term}")
    assert found == []


# --- The journey ----------------------------------------------------------------------------------


@pytest.fixture
def clinic(patient, candidate, therapist, prescriber, screening_policy):
    """Paula Reyes in treatment, reachable by e-mail and text (no consent to unencrypted
    messages), her portal user name her e-mail address as an invitation makes it; Cara Nakamura
    in screening with a phone and an e-mail; the clinicians' hours and two rooms."""
    restore_appointment_types()
    works(therapist)
    works(prescriber)
    rooms = [RoomFactory(name="Sage"), RoomFactory(name="Cedar")]
    patient.email, patient.phone = "paula.reyes@example.org", "(555) 014-8812"
    patient.save(update_fields=["email", "phone"])
    patient.user.username = patient.user.email = patient.email
    patient.user.save(update_fields=["username", "email"])
    ContactPreference.objects.create(patient=patient, email=True, sms=True)
    candidate.date_of_birth = date(1979, 11, 23)
    candidate.email, candidate.phone = "cara.nakamura@example.net", "(555) 013-4471"
    candidate.save(update_fields=["date_of_birth", "email", "phone"])
    return rooms


def test_a_clinic_day_leaves_no_patient_identifier_in_logs_urls_subjects_or_file_names(
    watched,
    capture,
    sign_in,
    live_server,
    start_worker,
    tmp_path,
    clinic,
    patient,
    candidate,
    intake,
    frontdesk,
    therapist,
    prescriber,
    clinic_admin,
):
    outbox = Mailbox(tmp_path / "out")
    worker = start_worker(env=outbox.env(DJANGO_LOG_LEVEL="DEBUG"), loglevel="DEBUG")
    page = watched
    # Today's dose, charted up to the discharge (first: the front desk's bookings go around it).
    dose = dose_ready(patient, therapist=therapist, prescriber=prescriber, admin=clinic_admin)
    dose = doses.dose_start(by=prescriber, dose=dose)
    administer(dose, by=prescriber)
    dose = wind_back(dose)

    # Intake screens the candidate: history, blood pressure, questionnaires, the summary PDF.
    page = sign_in(intake)
    page.get_by_role("link", name="Intake queue").click()
    page.get_by_role("row").filter(has_text="Nakamura").get_by_role("button").click()
    for fact in ("bipolar_disorder", "psychosis_history"):
        answer(page, fact, 1)
    page.select_option("#id_substance_use", "none")
    page.fill("#id_weight_kg", "68")
    page.get_by_role("button", name="Save history").click()
    expect(page.locator(".alert-success")).to_contain_text("History saved")
    page.fill("#id_systolic", "122")
    page.fill("#id_diastolic", "78")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_test_id("bp-readings")).to_contain_text("122/78")
    give_questionnaire(page, "PHQ-9", {f"item{i}": 1 for i in range(8)} | {"item8": 0})
    page.get_by_role("button", name="Run screening").click()
    expect(page.get_by_test_id("outcome")).to_be_visible()
    decision_pk = int(re.search(r"/decisions/(\d+)/", page.url).group(1))
    fetch(page, capture, f"{live_server.url}{reverse('screening_summary_pdf', args=[decision_pk])}")
    # The directory search, by name (in the body, never the URL).
    page.goto(f"{live_server.url}{reverse('patient_list')}")
    page.get_by_role("searchbox").fill("Nakamura")
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Nakamura, Cara")).to_be_visible()

    # The front desk books Paula's preparation and dosing, and invites the candidate.
    sign_out(page)
    page = sign_in(frontdesk)
    page.goto(f"{live_server.url}{reverse('chart', args=[patient.pk])}")
    book_from_first_proposal(page, "Book preparation", "Sage")
    expect(page.get_by_role("alert")).to_contain_text("Booked: Preparation")
    book_from_first_proposal(page, "Book dosing", "Cedar")
    expect(page.get_by_role("alert")).to_contain_text("Booked: Dosing")
    page.goto(f"{live_server.url}{reverse('chart', args=[candidate.pk])}")
    invite = page.get_by_test_id("portal-invite")
    invite.get_by_role("button", name="Invite to the portal").click()
    expect(page.get_by_text("Portal invitation sent")).to_be_visible()

    # The prescriber discharges today's dose at the chair side.
    sign_out(page)
    page = sign_in(prescriber)
    page.goto(f"{live_server.url}{reverse('dose', args=[dose.pk])}")
    vitals(page, "discharge", 132, 84, 76, 98, 14)
    for label in ("Alert and oriented", "Walking steadily", "Named escort present"):
        page.get_by_label(label).check()
    page.get_by_label("Patient acknowledges", exact=False).check()
    page.get_by_role("button", name="Discharge", exact=True).click()
    expect(page.get_by_test_id("dose-status")).to_have_text("Discharged")
    fetch(page, capture, f"{live_server.url}{reverse('dose_record_pdf', args=[dose.pk])}")
    # The worker books the integration follow-up the discharge queued.
    wait_for(
        lambda: FollowUp.objects.filter(dose=dose, appointment__isnull=False).exists(),
        what="the follow-up booked by the worker",
    )
    page.goto(f"{live_server.url}{reverse('chart', args=[patient.pk])}")
    course = patient.courses.get()
    page.goto(f"{live_server.url}{reverse('course_summary', args=[course.pk])}")
    fetch(page, capture, f"{live_server.url}{reverse('course_summary_pdf', args=[course.pk])}")
    for name in ("stock_patient_pdf", "stock_patient_csv"):
        fetch(page, capture, f"{live_server.url}{reverse(name, args=[patient.pk])}")

    # The patient on her phone: home, an appointment into her calendar, her record.
    sign_out(page)
    page = sign_in(patient.user)
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_test_id("appointment-line").first.click()
    ics = download(page, capture, lambda: page.get_by_role("link", name="calendar").first.click())
    assert ics.endswith(".ics")
    page.get_by_role("link", name="My record").click()
    download(page, capture, lambda: page.get_by_test_id("record-pdf").click())
    page.goto(f"{live_server.url}/me/questionnaires/")

    # Beat's runs at each reminder's time, then the audit seal: all on the worker.
    for due in sorted(set(Message.objects.values_list("due_at", flat=True))):
        before = worker.output().count("succeeded")
        dispatch_messages.apply_async(kwargs={"now": due.isoformat()})
        wait_for(lambda b=before: worker.output().count("succeeded") > b, what="a dispatcher run")
    seal_audit_events.apply_async(kwargs={"settle_seconds": 0})
    wait_for(lambda: "seal_audit_events" in worker.output(), what="the audit seal")
    page.wait_for_load_state("networkidle")

    emails = outbox.messages()
    sent = Message.objects.filter(status="sent").count()
    assert sent >= 2 and emails, "the journey sends reminders through the worker"
    assert outbox.sms(), "and text messages"
    assert mail.outbox, "the invitation went from the web process"
    assert capture.logs.lines and capture.access and capture.urls and capture.files
    assert any(".ics" in name for name in capture.files)
    for task in ("book_followup", "dispatch_messages", "seal_audit_events"):
        assert task in worker.output(), f"{task} ran on the worker"

    texts = {
        "log record": capture.logs.lines,
        "access log": capture.access,
        "browser URL": capture.urls,
        "worker log": worker.output().splitlines(),
        "file name": capture.files,
        "e-mail subject": [subject(m) for m in emails] + [m.subject for m in mail.outbox],
        # Without consent to unencrypted messages, a reminder says when to come and no more.
        "reminder e-mail": [body(m) for m in emails],
        # A text message's file starts with the number it went to: its address, not its text.
        "text message": [text.split("\n\n", 1)[-1] for text in outbox.sms()],
        "invitation e-mail": [m.body for m in mail.outbox],
    }
    if os.environ.get("PHI_LOGS_DUMP"):  # to read what was captured
        Path(os.environ["PHI_LOGS_DUMP"]).write_text(
            "\n".join(f"{where}: {line}" for where, lines in texts.items() for line in lines)
        )
    patients = list(Patient.objects.all())
    assert {patient.pk, candidate.pk} <= {p.pk for p in patients}
    found = leaks(texts, patients)
    assert found == [], "patient identifiers where an operator reads:\n" + "\n".join(found)

    # And the detector would have seen one: a name logged by mistake is found.
    logging.getLogger("kap_clinic").info("opened %s", patient.display_name)
    assert leaks({"log record": capture.logs.lines[-1:]}, [patient])
