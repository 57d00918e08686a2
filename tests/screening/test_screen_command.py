"""`manage.py screen`: issue 3's contract for batch screening and replaying a policy change."""

import json
import os
import subprocess
import sys
import tempfile
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from screening import services
from screening.facts import Facts, FactsError
from screening.management.commands.screen import read_facts
from screening.models import ScreeningPolicy
from tests.screening.factories import candidate_facts

pytestmark = pytest.mark.django_db

CONTRACT_KEYS = {"file", "outcome", "reasons", "missing", "ruleset", "scores"}


def screen(*files: str, policy: str | None = None) -> tuple[int, list[dict], str]:
    """(exit code, the JSON lines, the error message) of one run."""
    out = StringIO()
    args = [*(["--policy", policy] if policy else []), *files]
    try:
        call_command("screen", *args, stdout=out, stderr=StringIO())
        code, message = 0, ""
    except CommandError as error:
        code, message = error.returncode, str(error)
    return code, [json.loads(line) for line in out.getvalue().splitlines()], message


@pytest.fixture
def admin_user(make_user):
    return make_user("admin", username="ada")


@pytest.fixture
def v2_bp130(admin_user, v1):
    """v1 with the review limit for systolic pressure lowered to 130, published, not active."""
    draft = services.policy_draft_from(by=admin_user)
    data = {**draft.data, "hypertension_elevated_systolic": 130}
    services.policy_update_draft(by=admin_user, policy=draft, data=data)
    return services.policy_publish(by=admin_user, policy=draft, activate=False)


# --- the decision line ------------------------------------------------------------------------


def test_one_line_per_file_in_the_contracts_shape(v1, write_facts):
    eligible = write_facts("eligible.json", candidate_facts())
    code, lines, _ = screen(eligible)
    assert code == 0
    (line,) = lines
    assert line.keys() >= CONTRACT_KEYS
    assert line["file"] == eligible
    assert (line["outcome"], line["reasons"], line["missing"], line["ruleset"]) == (
        "eligible",
        [],
        [],
        "v1",
    )
    assert line["scores"]["phq9"]["total"] == 15
    assert line["scores"]["phq9"]["severity"] == "moderately severe"
    assert line["scores"]["cssrs"]["risk"] == "none"
    # Instruments not given are left out.
    assert set(line["scores"]) == {"phq9", "cssrs"}


def test_every_instrument_given_is_scored(v1, write_facts):
    facts = candidate_facts(gad7=[3] * 7, pcl5=[2] * 20)
    (line,) = screen(write_facts("all.json", facts))[1]
    assert {"total": 21, "severity": "severe"}.items() <= line["scores"]["gad7"].items()
    assert {"total": 40, "probable_ptsd": True, "provisional_dsm5": True}.items() <= line["scores"][
        "pcl5"
    ].items()


def test_reasons_and_missing_are_codes_and_fact_keys(v1, write_facts):
    facts = candidate_facts(
        psychosis_history=True, bp_readings=[[150, 80]], medications=["Clonazepam 0.5 mg"]
    )
    del facts["age"]
    (line,) = screen(write_facts("f.json", facts))[1]
    assert line["outcome"] == "excluded"
    assert set(line["reasons"]) == {"psychosis", "interacting_medication"}
    assert set(line["missing"]) == {"age", "bp_readings"}


def test_files_are_answered_in_order_with_their_paths_as_given(v1, write_facts, monkeypatch):
    write_facts("a.json", candidate_facts())
    write_facts("b.json", candidate_facts(cardiac_condition=True))
    monkeypatch.chdir(Path(write_facts("c.json", {})).parent)
    code, lines, _ = screen("b.json", "./a.json", "c.json", "b.json")
    assert code == 0
    assert [(line["file"], line["outcome"]) for line in lines] == [
        ("b.json", "needs_review"),
        ("./a.json", "eligible"),
        ("c.json", "incomplete"),
        ("b.json", "needs_review"),
    ]


# --- invalid files ----------------------------------------------------------------------------

INVALID = [
    ({"age": 35, "smoker": True}, "smoker: unknown fact"),
    (candidate_facts(age=True), "age: must be a whole number"),
    (candidate_facts(age=1.5), "age: must be a whole number"),
    (candidate_facts(age=131), "age: must be a whole number"),
    (candidate_facts(pregnant=0), "pregnant: must be true or false"),
    (candidate_facts(substance_use="sometimes"), "substance_use: must be one of"),
    (candidate_facts(phq9=[0] * 8 + [4]), "phq9[8]: must be a whole number from 0 to 3"),
    (candidate_facts(phq9=[0] * 8 + [None]), "phq9[8]: is not answered"),
    (candidate_facts(gad7=[0] * 6), "gad7: must have 7 answers, not 6"),
    (candidate_facts(bp_readings=[[120, 80], [80, 120]]), "bp_readings[1]: diastolic"),
    (
        candidate_facts(cssrs={"q1": False, "q2": False, "q3": False, "q6": False}),
        "cssrs.q3: must be left out when q2 is no",
    ),
    (candidate_facts(cssrs={"q1": True, "q2": True, "q6": False}), "cssrs.q3: required"),
    ('{"age": NaN}', "age: NaN is not a JSON number"),
    ('{"bp_readings": [[Infinity, 80], [120, 80]]}', "bp_readings[0][0]: Infinity is not"),
    ('{"medications": ["-Infinity", -Infinity]}', "medications[1]: -Infinity is not"),
    ('{"pregnant": false, "pregnant": true}', "pregnant: is given more than once"),
    ('{"cssrs": {"q1": true, "q2": false, "q1": false, "q6": false}}', "cssrs.q1: is given"),
    ("[1, 2]", "facts must be a JSON object"),
    ('"age"', "facts must be a JSON object"),
    ("", "not JSON"),
    ('{"age": 35', "not JSON"),
    ("[" * 100_000, "not JSON"),
]


@pytest.mark.parametrize(("content", "error"), INVALID)
def test_an_invalid_file_names_its_first_problem(v1, write_facts, content, error):
    path = write_facts("bad.json", content)
    code, lines, message = screen(path)
    assert code == 2
    assert lines == [{"file": path, "error": lines[0]["error"]}]
    assert lines[0]["error"].startswith(error)
    assert message == "1 of 1 files could not be screened."


def test_invalid_files_do_not_stop_the_others(v1, write_facts, tmp_path):
    good = write_facts("good.json", candidate_facts())
    bad = write_facts("bad.json", '{"age": "35"}')
    code, lines, message = screen(good, bad, str(tmp_path / "missing.json"), str(tmp_path), good)
    assert code == 2
    assert [line.get("outcome") or line["error"] for line in lines] == [
        "eligible",
        "age: must be a whole number of years from 0 to 130",
        "no such file",
        "cannot read the file: Is a directory",
        "eligible",
    ]
    assert message == "3 of 5 files could not be screened."


def test_a_file_that_is_not_text_is_invalid(v1, tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(b"%PDF-1.7\n\xe2\x28\xa1")
    assert screen(str(path))[1] == [
        {"file": str(path), "error": "not JSON: the file is not UTF-8 text"}
    ]


@hypothesis_settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(
                st.sampled_from(["age", "phq9", "cssrs", "q1", "q2", "q6", "bp_readings", "x"]),
                inner,
                max_size=4,
            )
        ),
        max_leaves=12,
    )
)
def test_reading_any_json_gives_facts_or_a_facts_error(value):
    # json.dumps writes NaN and Infinity for such floats, as a careless exporter would.
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump(value, file)
    try:
        assert isinstance(read_facts(file.name), Facts)
    except FactsError as error:
        assert str(error)
    finally:
        os.unlink(file.name)


# --- the policy used ---------------------------------------------------------------------------


def test_the_active_version_is_used_unless_one_is_named(v2_bp130, write_facts):
    path = write_facts("f.json", candidate_facts())
    assert screen(path)[1][0]["ruleset"] == "v1"
    assert screen(path, policy="v2")[1][0]["ruleset"] == "v2"
    ScreeningPolicy.objects.filter(label="v1").update(active=False)
    ScreeningPolicy.objects.filter(label="v2").update(active=True)
    assert screen(path)[1][0]["ruleset"] == "v2"


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("v9", "There is no screening policy labelled 'v9'."),
        ("v3", "Screening policy 'v3' is a draft: publish it first."),
    ],
)
def test_an_unknown_or_draft_policy_is_a_command_error(
    v2_bp130, admin_user, write_facts, label, message
):
    services.policy_draft_from(by=admin_user)  # v3
    code, lines, error = screen(write_facts("f.json", candidate_facts()), policy=label)
    assert (code, lines, error) == (1, [], message)


def test_no_active_policy_is_a_command_error(v1, write_facts):
    ScreeningPolicy.objects.update(active=False)
    code, lines, error = screen(write_facts("f.json", candidate_facts()))
    assert (code, lines) == (1, [])
    assert error.startswith("No screening policy is active")


def test_the_command_only_reads_the_policy(v1, write_facts):
    files = [write_facts(f"{i}.json", candidate_facts(age=20 + i)) for i in range(5)]
    files.append(write_facts("bad.json", "{"))
    counts = {model: model.objects.count() for model in _all_models()}
    with CaptureQueriesContext(connection) as queries:
        code, lines, _ = screen(*files)
    assert (code, len(lines)) == (2, 6)
    # One SELECT of the policy, whatever the number of files.
    assert [q["sql"].split()[0].upper() for q in queries.captured_queries] == ["SELECT"]
    assert {model: model.objects.count() for model in _all_models()} == counts


def _all_models():
    from django.apps import apps

    return [model for model in apps.get_models() if not model._meta.proxy]


# --- replaying a policy change (issue 3, "Done when") ---------------------------------------------


def test_replaying_a_lower_bp_limit_shows_exactly_the_decisions_that_change(v2_bp130, write_facts):
    cases = {
        "normal.json": candidate_facts(bp_readings=[[122, 78], [118, 76]]),
        "mean_129_5.json": candidate_facts(bp_readings=[[130, 80], [129, 80]]),
        "mean_130.json": candidate_facts(bp_readings=[[131, 80], [129, 80]]),
        "mean_139_5.json": candidate_facts(bp_readings=[[140, 80], [139, 80]]),
        "cardiac_135.json": candidate_facts(bp_readings=[[135, 80]] * 2, cardiac_condition=True),
        "psychosis_135.json": candidate_facts(bp_readings=[[135, 80]] * 2, psychosis_history=True),
        "elevated_145.json": candidate_facts(bp_readings=[[145, 80]] * 2),
        "diastolic_92.json": candidate_facts(bp_readings=[[125, 92]] * 2),
        "uncontrolled_165.json": candidate_facts(bp_readings=[[165, 80]] * 2),
        "one_reading_135.json": candidate_facts(bp_readings=[[135, 80]]),
        "invalid.json": '{"age": 35, "bp_readings": [[135, 140]]}',
    }
    files = [write_facts(name, facts) for name, facts in cases.items()]

    def decisions(label):
        code, lines, _ = screen(*files, policy=label)
        assert code == 2  # the invalid file, in both runs
        assert [line["file"] for line in lines] == files
        return {
            Path(line["file"]).name: line.get("error")
            or (line["outcome"], sorted(line["reasons"]), line["missing"])
            for line in lines
        }

    before, after = decisions("v1"), decisions("v2")
    changed = {name: (before[name], after[name]) for name in cases if before[name] != after[name]}
    assert changed == {
        "mean_130.json": (("eligible", [], []), ("needs_review", ["hypertension_elevated"], [])),
        "mean_139_5.json": (
            ("eligible", [], []),
            ("needs_review", ["hypertension_elevated"], []),
        ),
        "cardiac_135.json": (
            ("needs_review", ["cardiac"], []),
            ("needs_review", ["cardiac", "hypertension_elevated"], []),
        ),
        "psychosis_135.json": (
            ("excluded", ["psychosis"], []),
            ("excluded", ["hypertension_elevated", "psychosis"], []),
        ),
    }


# --- the real process ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory):
    """Environment for a `manage.py` process on its own migrated SQLite file: a subprocess cannot
    see the test database's uncommitted data."""
    folder = tmp_path_factory.mktemp("screen")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "screening", "--noinput", "-v0"],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
    )
    return env


def manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.django_db(False)
def test_the_process_exits_2_after_all_files_without_a_traceback(migrated_sqlite, tmp_path):
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(candidate_facts()))
    bad.write_text('{"cssrs": {"q1": false, "q2": false, "q3": true, "q6": false}}')
    run = manage(migrated_sqlite, "screen", str(bad), str(tmp_path / "none.json"), str(good))
    assert run.returncode == 2
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert [line.get("error") or line["outcome"] for line in lines] == [
        "cssrs.q3: must be left out when q2 is no",
        "no such file",
        "eligible",
    ]
    assert "Traceback" not in run.stderr
    assert "2 of 3 files could not be screened." in run.stderr


@pytest.mark.django_db(False)
def test_the_process_exits_1_for_an_unknown_policy(migrated_sqlite, tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(candidate_facts()))
    run = manage(migrated_sqlite, "screen", "--policy", "v0", str(good))
    assert (run.returncode, run.stdout) == (1, "")
    assert "There is no screening policy labelled 'v0'." in run.stderr
    assert "Traceback" not in run.stderr
