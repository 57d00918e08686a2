"""`manage.py screen --replay LABEL [--since DATE] [--json]` (issue 20)."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from audit.models import AuditEvent
from screening import services
from tests.patients.factories import CourseFactory
from tests.screening.factories import candidate_facts, store_decision

pytestmark = pytest.mark.django_db

IN_NEW_BAND = [[134, 80], [132, 80]]


def run(*args) -> str:
    out = StringIO()
    call_command("screen", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def draft(screening_policy, clinic_admin):
    draft = services.policy_draft_from(by=clinic_admin, label="bp130")
    data = {**draft.data, "hypertension_elevated_systolic": 130}
    return services.policy_update_draft(by=clinic_admin, policy=draft, data=data)


@pytest.fixture
def decisions(screening_policy, intake):
    def one(facts, **kwargs):
        return store_decision(course=CourseFactory(), by=intake, facts=facts, **kwargs)

    return {
        "recent": one(candidate_facts(bp_readings=IN_NEW_BAND)),
        "old": one(
            candidate_facts(bp_readings=IN_NEW_BAND),
            decided_at=timezone.now() - timedelta(days=900),
        ),
        "same": one(candidate_facts()),
    }


def test_replay_as_json(draft, decisions):
    result = json.loads(run("--replay", "bp130", "--json"))
    assert result["policy"] == "bp130"
    assert (result["replayed"], result["unchanged"], result["changed"]) == (2, 1, 1)
    assert result["transitions"] == [
        {"from": "eligible", "to": "eligible", "count": 1},
        {"from": "eligible", "to": "needs_review", "count": 1},
    ]
    assert result["newly_firing"] == {"hypertension_elevated": 1}
    [change] = result["changes"]
    assert change["decision"] == decisions["recent"].pk
    assert (change["from"], change["to"]) == ("eligible", "needs_review")
    assert change["policy"] == decisions["recent"].policy_label
    assert change["newly_firing"] == ["hypertension_elevated"]


def test_since_reaches_further_back(draft, decisions):
    since = (timezone.localdate() - timedelta(days=1000)).isoformat()
    result = json.loads(run("--replay", "bp130", "--since", since, "--json"))
    assert result["since"] == since and result["replayed"] == 3
    assert {c["decision"] for c in result["changes"]} == {
        decisions["recent"].pk,
        decisions["old"].pk,
    }


def test_the_report_speaks_clinic_words_and_names_nobody(draft, decisions):
    report = run("--replay", "bp130")
    assert "Policy bp130 replayed over 2 decisions made since" in report
    assert "Eligible -> Needs review: 1" in report
    assert "Blood pressure in the review band (hypertension_elevated): 1" in report
    assert f"decision {decisions['recent'].pk} of " in report
    patient = decisions["recent"].screening.course.patient
    assert patient.last_name not in report and patient.mrn not in report


def test_a_replay_writes_one_audit_event(draft, decisions):
    before = AuditEvent.objects.count()
    run("--replay", "bp130", "--json")
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("id")
    assert event.user is None and event.detail["via"] == "command"
    assert event.detail["patients"] == []


def test_replaying_the_active_policy_changes_nothing(screening_policy, decisions):
    result = json.loads(run("--replay", screening_policy.label, "--json"))
    assert result["changed"] == 0 and result["changes"] == []


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--replay", "nope"], "no screening policy labelled 'nope'"),
        (["--replay", "v2", "--since", "30/11/2026"], "is not a date"),
        (["--replay", "v2", "facts.json"], "give no --policy or FILE"),
        (["--replay", "v2", "--policy", "v2"], "give no --policy or FILE"),
        (["--since", "2026-01-01", "facts.json"], "go with --replay"),
        (["--json", "facts.json"], "go with --replay"),
        ([], "at least one FILE"),
    ],
)
def test_misuse_is_a_command_error(screening_policy, args, error):
    with pytest.raises(CommandError, match=error):
        run(*args)
