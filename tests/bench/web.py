"""Pages through gunicorn with locust on loopback (issue 21), beside the floor and the 1/100 clinic.

For each seeded clinic (tests/bench/seed.py): a subprocess with Django on that database picks the
objects to show (`inprocess`: a long chart, the dose with 60 vitals rows, a decision…), counts
each page's queries and audit rows through the test client and times the PDFs; then gunicorn (5
sync workers, debug off, plain http on 127.0.0.1, persistent connections) serves the clinic and
locust, headless in its own process, requests:
- every page in turn as one user ("cycle"): median and p95 at one user;
- each page alone from 10 users at once ("single"): throughput;
- the load test ("mix"): 50 users of every role with think times.
"""

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from tests.bench import seed

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
FLOOR = "floor: password change (signed in)"
ANONYMOUS = "floor: sign-in page (anonymous)"


# --- In-process: the plan, query counts, PDFs (`python -m tests.bench.web inprocess`) ---------


def _pick():
    """The objects the pages show, chosen by what makes each page heavy."""
    from django.db import connection
    from django.db.models import Count

    from accounts.models import User
    from patients.models import Patient
    from screening.models import ScreeningDecision
    from sessions.models import Dose

    info = json.loads(_one(connection, "SELECT info FROM bench_seed"))
    users = {
        role: list(
            User.objects.filter(role=role, is_active=True)
            .order_by("id")
            .values_list("username", flat=True)
        )
        for role in ("therapist", "prescriber", "intake", "frontdesk", "admin")
    }
    therapist = User.objects.get(username=users["therapist"][0])
    chart = (
        Patient.objects.filter(care_team__clinician=therapist, care_team__primary=True)
        .annotate(n=Count("appointments"))
        .order_by("-n", "pk")
        .first()
    )
    dose = Dose.objects.select_related("appointment", "course__patient").get(pk=info["long_dose"])
    dosing = User.objects.get(pk=dose.ordered_by_id)
    with_account = Patient.objects.filter(user__isnull=False).annotate(n=Count("appointments"))
    portal = (
        with_account.filter(courses__phase="treatment").order_by("-n", "pk").first()
        or with_account.order_by("-n", "pk").first()  # a tiny clinic may have none in treatment
    )
    # The decision that enrolled the dosed patient, seen by their prescriber.
    decision = ScreeningDecision.objects.get(screening__course=dose.course_id)
    enrolled = list(
        User.objects.filter(
            role="patient", patient__courses__phase__in=["treatment", "maintenance"]
        )
        .order_by("id")
        .values_list("username", flat=True)[:200]
    )
    surname = chart.last_name
    return {
        "info": info,
        "accounts": {
            **users,
            "patient": enrolled,
            "chart-therapist": [therapist.username],
            "dosing-prescriber": [dosing.username],
            "portal-patient": [portal.user.username],
            "big-prescriber": [users["prescriber"][-1]],
        },
        "chart": str(chart.pk),
        "dose": dose.pk,
        "course": dose.course_id,
        "decision": decision.pk,
        "surname": surname,
        "clinician": therapist.pk,
    }


def _one(connection, sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        value = cursor.fetchone()[0]
    return value if isinstance(value, str) else json.dumps(value)


def pages(picked: dict) -> list[dict]:
    """Every page people use daily: name, method, path, form data, the account it is seen as
    ("as": a role, rotating in the load test, or one fixed account) and its role in the mix."""
    from django.urls import reverse
    from django.utils import timezone

    today = timezone.localdate().isoformat()
    calendar = reverse("clinician_calendar", args=[picked["clinician"]])
    room = reverse("room_calendar", args=[1])

    def page(name, as_, path, role=None, method="get", data=None):
        return {
            "name": name,
            "as": as_,
            "role": role or as_,
            # In the load test every user of the role signs in as their own account, except on
            # pages bound to one patient's record.
            "rotate": role is None or as_ == "portal-patient",
            "path": path,
            "method": method,
            "data": data or {},
        }

    return [
        page(FLOOR, "frontdesk", reverse("password_change")),
        page(ANONYMOUS, "anonymous", reverse("login")),
        page("therapist home", "therapist", "/"),
        page(
            "prescriber home (3,300-patient panel at full size)",
            "big-prescriber",
            "/",
            role="prescriber",
        ),
        page("intake home", "intake", "/"),
        page("front desk home (the day, In clinic now)", "frontdesk", "/"),
        page("admin home", "admin", "/"),
        page(
            "patient list, front desk",
            "frontdesk",
            reverse("patient_list"),
            method="post",
            data={"q": ""},
        ),
        page(
            "patient list, intake", "intake", reverse("patient_list"), method="post", data={"q": ""}
        ),
        page(
            "patient list, therapist",
            "therapist",
            reverse("patient_list"),
            method="post",
            data={"q": ""},
        ),
        page(
            "name search, front desk",
            "frontdesk",
            reverse("patient_list"),
            method="post",
            data={"q": picked["surname"]},
        ),
        page(
            "chart with a long history",
            "chart-therapist",
            reverse("chart", args=[picked["chart"]]),
            role="therapist",
        ),
        page("clinician day, front desk", "frontdesk", f"{calendar}?view=day&day={today}"),
        page("clinician week, front desk", "frontdesk", f"{calendar}?view=week&day={today}"),
        page("room week, front desk", "frontdesk", f"{room}?view=week&day={today}"),
        page("my week, therapist", "therapist", reverse("my_schedule")),
        page("intake queue", "intake", reverse("intake_queue")),
        page(
            "screening decision",
            "dosing-prescriber",
            reverse("screening_decision", args=[picked["decision"]]),
            role="prescriber",
        ),
        page(
            "dosing page (60 vitals rows)",
            "dosing-prescriber",
            reverse("dose", args=[picked["dose"]]),
            role="prescriber",
        ),
        page(
            "outcomes dashboard", "big-prescriber", reverse("outcomes_dashboard"), role="prescriber"
        ),
        page("portal home", "portal-patient", reverse("portal:home"), role="patient"),
        page(
            "patient's messages (portal)",
            "portal-patient",
            reverse("portal:messages"),
            role="patient",
        ),
    ]


def _measure_inprocess(plan_pages, picked) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from audit.models import AuditEvent

    results = {}
    for page in plan_pages:
        client = Client()
        if page["as"] != "anonymous":
            client.force_login(User.objects.get(username=picked["accounts"][page["as"]][0]))
        call = getattr(client, page["method"])
        call(page["path"], page["data"])  # warm: imports, templates, caches
        before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
        with CaptureQueriesContext(connection) as queries:
            response = call(page["path"], page["data"])
        audited = AuditEvent.objects.filter(id__gt=before).count()
        results[page["name"]] = {
            "status": response.status_code,
            "queries": len(queries),
            "audit_rows": audited,
            "kb": round(len(response.content) / 1024, 1),
        }
    return results


def _pdfs(picked, runs: int) -> dict:
    from django.test import Client
    from django.urls import reverse

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=picked["accounts"]["dosing-prescriber"][0]))
    out = {}
    for name, path in (
        ("session record PDF (60 vitals rows)", reverse("dose_record_pdf", args=[picked["dose"]])),
        ("course summary PDF", reverse("course_summary_pdf", args=[picked["course"]])),
        ("screening summary PDF", reverse("screening_summary_pdf", args=[picked["decision"]])),
    ):
        times, status = [], None
        for _ in range(runs + 1):
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            status = response.status_code
        out[name] = {"status": status, "ms": statistics.median(times[1:]), "runs": runs}
    return out


def sessions(name: str, out: str) -> None:
    """A fresh signed-in session for every bench account (as `force_login` makes them): locust
    sends its cookie, so the password hasher's deliberate cost stays out of the page figures."""
    seed.django_setup(seed.database_url(name))
    from django.test import Client

    from accounts.models import User

    picked = _pick()
    names = sorted({n for names in picked["accounts"].values() for n in names})
    cookies = {}
    for user in User.objects.filter(username__in=names):
        client = Client()
        client.force_login(user)
        cookies[user.username] = client.cookies["sessionid"].value
    Path(out).write_text(json.dumps(cookies))


def inprocess(name: str, out: str) -> None:
    seed.django_setup(seed.database_url(name))
    from django.test.utils import setup_test_environment

    setup_test_environment()
    picked = _pick()
    plan_pages = pages(picked)
    result = {
        "picked": picked,
        "pages": plan_pages,
        "inprocess": _measure_inprocess(plan_pages, picked),
        "pdf": _pdfs(picked, runs=int(os.environ.get("BENCH_PDF_RUNS", "3"))),
    }
    Path(out).write_text(json.dumps(result, default=str))


# --- gunicorn and locust ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(url: str) -> dict:
    return {
        **os.environ,
        **seed.BENCH_ENV,
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": url,
        "DJANGO_CONN_MAX_AGE": "600",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }


class Gunicorn:
    def __init__(self, name: str, workers: int = 5):
        self.port = free_port()
        self.tmp = tempfile.mkdtemp(prefix="bench-gunicorn-")
        self.pidfile = Path(self.tmp) / "gunicorn.pid"
        self.log = Path(self.tmp) / "gunicorn.log"
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "kap_clinic.wsgi",
                f"--workers={workers}",
                f"--bind=127.0.0.1:{self.port}",
                "--timeout=120",
                "--no-control-socket",
                f"--pid={self.pidfile}",
                f"--error-logfile={self.log}",
            ],
            cwd=ROOT,
            env=server_env(seed.database_url(name)),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/accounts/login/", timeout=5).read()
                break
            except OSError as error:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    log = self.log.read_text()[-3000:]
                    raise RuntimeError(f"gunicorn did not start:\n{log}") from error
                time.sleep(0.3)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def locust(url: str, plan: dict, users: int, seconds: float) -> dict:
    """One headless locust run, bounded in time; the samples of every page request."""
    with tempfile.TemporaryDirectory(prefix="bench-locust-") as tmp:
        plan = {**plan, "out": f"{tmp}/samples.json"}
        Path(tmp, "plan.json").write_text(json.dumps(plan))
        completed = subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                str(LOCUSTFILE),
                "--headless",
                f"--users={users}",
                f"--spawn-rate={users}",
                f"--run-time={max(1, round(seconds))}s",
                f"--host={url}",
                "--only-summary",
                "--stop-timeout=10",
                "--loglevel=ERROR",
            ],
            cwd=ROOT,
            env={**os.environ, "BENCH_PLAN": f"{tmp}/plan.json"},
            capture_output=True,
            text=True,
            timeout=seconds + 300,
        )
        out = Path(tmp, "samples.json")
        if not out.exists():
            raise RuntimeError(f"locust failed:\n{completed.stderr[-3000:]}")
        return json.loads(out.read_text())


def summary(sample: dict) -> dict:
    times = sorted(sample["times"])
    n = len(times)
    span = (sample["last"] or 0) - (sample["first"] or 0)
    return {
        "n": n,
        "failures": sample["failures"],
        "median": statistics.median(times) if times else None,
        "p95": times[min(n - 1, int(n * 0.95))] if times else None,
        "rps": n / span if span > 0 else None,
        "errors": sample.get("errors", [])[:3],
    }


def run_size(name: str, *, cycle_seconds: float, single_seconds: float, concurrent: int) -> dict:
    """Everything for one seeded clinic: in-process figures, then gunicorn and locust."""
    result = _subprocess("inprocess", name)
    plan = {
        "accounts": result["picked"]["accounts"],
        "cookies": _subprocess("sessions", name),
        "pages": result["pages"],
    }
    server = Gunicorn(name)
    try:
        cycle = locust(server.url, {**plan, "mode": "cycle"}, 1, cycle_seconds)
        result["one_user"] = {page: summary(sample) for page, sample in cycle.items()}
        result["concurrent"] = {}
        for page in result["pages"]:
            alone = locust(
                server.url, {**plan, "mode": "cycle", "pages": [page]}, concurrent, single_seconds
            )
            result["concurrent"][page["name"]] = figures = summary(
                alone.get(page["name"], _empty())
            )
            # Requests still in gunicorn's queue when locust stops would slow the next page.
            time.sleep(min(30, 1 + 3 * (figures["median"] or 0) / 1000))
    finally:
        server.stop()
    return result


def _empty() -> dict:
    return {"times": [], "failures": 0, "first": None, "last": None}


def _subprocess(command: str, name: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-inprocess-") as tmp:
        out = f"{tmp}/out.json"
        subprocess.run(
            [sys.executable, "-m", "tests.bench.web", command, name, out],
            cwd=ROOT,
            env={
                **os.environ,
                **seed.BENCH_ENV,
                "DJANGO_DEBUG": "false",
                "DJANGO_LOG_LEVEL": "ERROR",
            },
            check=True,
        )
        return json.loads(Path(out).read_text())


if __name__ == "__main__":
    {"inprocess": inprocess, "sessions": sessions}[sys.argv[1]](sys.argv[2], sys.argv[3])
