"""Policy replay (issue 20): a draft replayed over 10,000 stored decisions.

Seeds a throw-away database with 10,000 screening decisions (the synthetic candidates of
`tests.bench.screen`, each decided under the active version and stored as intake stores them,
a third of them on enrolled courses), then times, each as a median of a few runs:
- the service an impact preview calls (`policy_preview`: the one query that reads the stored
  facts, the pure replay, the names query, the audit event), split into its read and its replay;
- the preview page for an administrator (counts) and for a prescriber with the policy permission
  who may see a quarter of the patients (names), through Django's test client, with its queries;
- `manage.py screen --replay LABEL --json` in-process;
- publishing the draft (the review and alerts for every enrolled patient it newly excludes).
"""

import os
import random
import statistics
import time
from io import StringIO

DECISIONS = int(os.environ.get("BENCH_DECISIONS", "10000"))
RUNS = int(os.environ.get("BENCH_REPLAY_RUNS", "3"))


def _median(action) -> tuple[tuple[float, float], object]:
    """Median wall time and median CPU time of this process (on a shared machine the CPU time
    is the steadier figure; on PostgreSQL it leaves out the server's own work)."""
    walls, cpus, result = [], [], None
    for _ in range(RUNS):
        started, cpu = time.perf_counter(), time.process_time()
        result = action()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return (statistics.median(walls), statistics.median(cpus)), result


def _row(label: str, seconds: tuple[float, float], queries="") -> None:
    wall, cpu = seconds
    print(f"| {label:<52} | {wall:7.2f} | {cpu:7.2f} | {queries!s:>7} |")


def seed():
    from django.contrib.auth.models import Permission

    from accounts.models import User
    from patients.models import CareTeamMember, Patient, TreatmentCourse
    from screening import rules
    from screening.facts import parse_facts
    from screening.models import Screening, ScreeningDecision
    from screening.selectors import active_policy
    from tests.bench.screen import candidate

    intake = User.objects.create(username="bench-intake", role="intake")
    admin = User.objects.create(username="bench-admin", role="admin")
    director = User.objects.create(username="bench-director", role="prescriber")
    director.user_permissions.add(Permission.objects.get(codename="view_screeningpolicy"))
    policy = active_policy().to_policy()
    rng = random.Random(20)
    phases = ["screening", "screening", "preparation", "treatment", "maintenance", "completed"]
    patients = Patient.objects.bulk_create(
        Patient(
            mrn=f"KR{i:07d}",
            first_name=f"First{i}",
            last_name=f"Last{i}",
            date_of_birth="1980-01-01",
        )
        for i in range(DECISIONS)
    )
    courses = TreatmentCourse.objects.bulk_create(
        TreatmentCourse(patient=p, phase=phases[i % len(phases)]) for i, p in enumerate(patients)
    )
    CareTeamMember.objects.bulk_create(
        CareTeamMember(patient=p, clinician=director) for i, p in enumerate(patients) if i % 4 == 0
    )
    screenings = Screening.objects.bulk_create(
        Screening(course=c, started_by=intake, status="eligible") for c in courses
    )
    decisions = []
    for screening in screenings:
        facts = candidate(rng)
        decision = rules.evaluate(parse_facts(facts), policy)
        decisions.append(
            ScreeningDecision(
                screening=screening,
                decided_by=intake,
                policy_label=decision.policy,
                facts=facts,
                outcome=decision.outcome,
                reasons=[r.as_dict() for r in decision.reasons],
                missing=list(decision.missing),
                scores={code: dict(result) for code, result in decision.scores.items()},
                safety_flags=[flag.as_dict() for flag in decision.safety_flags],
            )
        )
    ScreeningDecision.objects.bulk_create(decisions, batch_size=1000)
    return admin, director


def run() -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from screening import replay, selectors, services

        started = time.perf_counter()
        admin, director = seed()
        draft = services.policy_draft_from(by=admin, label="bench")
        data = {
            **draft.data,
            "hypertension_elevated_systolic": 130,
            "hypertension_uncontrolled_systolic": 150,
            "interacting_medications": {
                **draft.data["interacting_medications"],
                "antidepressants": ["bupropion"],
            },
        }
        draft = services.policy_update_draft(by=admin, policy=draft, data=data)
        print(
            f"\nPolicy replay: seeded {DECISIONS:,} decisions in "
            f"{time.perf_counter() - started:.1f} s on {connection.vendor}."
        )
        engine = draft.to_policy()

        read, (stored, _) = _median(lambda: selectors.replay_decisions(since=None))
        pure, impact = _median(lambda: replay.replay(stored, engine))
        service, preview = _median(
            lambda: services.policy_preview(by=admin, policy=draft, since=None)
        )
        print(
            f"{impact.replayed:,} replayed, {len(impact.changes):,} changed "
            f"({impact.outcome_changes:,} outcomes), {preview.reviews_on_publish:,} enrolled "
            f"patients newly excluded."
        )
        print(f"load average before: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
        print(f"| {'step':<52} | {'wall s':>7} | {'cpu s':>7} | {'queries':>7} |")
        print(f"|{'-' * 54}|{'-' * 9}|{'-' * 9}|{'-' * 9}|")
        _row("read the stored decisions (selector)", read, 1)
        _row("replay them (pure)", pure, 0)
        _row("policy_preview, administrator", service)
        for label, user in (("administrator (counts)", admin), ("director (names)", director)):
            client = Client()
            client.force_login(user)
            url = reverse("screening_policy_impact", args=[draft.pk])
            client.get(url)
            page, _ = _median(lambda client=client, url=url: client.get(url))
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            assert response.status_code == 200, response.status_code
            _row(f"preview page, {label}", page, len(queries))
        command, _ = _median(
            lambda: call_command("screen", "--replay", "bench", "--json", stdout=StringIO())
        )
        _row("manage.py screen --replay bench --json (in-process)", command)
        started, cpu = time.perf_counter(), time.process_time()
        services.policy_publish(by=admin, policy=draft)
        publish = (time.perf_counter() - started, time.process_time() - cpu)
        _row("publish: reviews and alerts for the newly excluded", publish)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
