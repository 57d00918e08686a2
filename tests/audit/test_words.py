"""Audit events in clinic words (audit/words.py): every action and every model of the clinic has
words, the module is pure, and the patient's sentences read as sentences, never codes."""

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps

from audit import words
from audit.models import Action

CLINIC_APPS = {
    "accounts",
    "audit",
    "patients",
    "screening",
    "kap_sessions",
    "integration",
    "notifications",
    "outcomes",
    "portal",
}
CODE = re.compile(r"[_.]|\b[a-z]+[A-Z]")  # snake_case, dotted labels, camelCase


def test_the_module_imports_no_django():
    tree = ast.parse(Path(words.__file__).read_text())
    imported = {
        name.name if isinstance(node, ast.Import) else node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in (node.names if isinstance(node, ast.Import) else [node])
    }
    assert not {m for m in imported if m and m.split(".")[0] in {"django", *CLINIC_APPS}}


def test_every_action_has_words_and_the_admin_word_is_the_action_label():
    for action in Action:
        assert action.value in words.ACTIONS
        assert words.action_word(action.value) == action.label


def test_every_model_of_the_clinic_has_words():
    labels = {m._meta.label_lower for m in apps.get_models() if m._meta.app_label in CLINIC_APPS}
    assert labels - set(words.OBJECTS) == set()


@pytest.mark.parametrize(
    "action, object_type, detail, admin, patient",
    [
        ("view", "patients.patient", {"record": True}, "Chart", "Viewed your chart"),
        ("print", "kap_sessions.dose", {}, "Session record PDF", "Printed your session record"),
        ("print", "kap_sessions.dose", {"document": "rems form"}, "REMS form PDF",
         "Printed a REMS form"),
        ("print", "patients.treatmentcourse", {"document": "course summary"}, "Course summary PDF",
         "Printed your course summary"),
        ("print", "screening.screeningdecision", {}, "Screening summary PDF",
         "Printed your screening summary"),
        ("export", "", {"dispensing": True}, "Dispensing log", "Exported your dispensing log"),
        ("view", "", {"audit_log": {"rows": 3}}, "Audit log",
         "Viewed the access log of your record"),
        ("search", "", {"audit_log": "find", "found": True}, "Audit log",
         "Looked up the access log of your record"),
        ("break_glass", "accounts.breakglassaccess", {"hours": 4}, "Emergency access",
         "Used emergency access to your chart"),
        ("change", "kap_sessions.vitalsigns", {"moment": "peak"}, "Vital signs",
         "Updated your vital signs"),
        ("create", "kap_sessions.progressnote", {}, "Progress note", "Added a progress note"),
        ("view", "", {}, "Record", "Viewed your record"),
        ("sign_in_failed", "", {"path": "/accounts/login/"}, "Sign-in page", "Failed to sign in"),
    ],
)  # fmt: skip
def test_words_for_events(action, object_type, detail, admin, patient):
    assert words.thing(action, object_type, detail).admin == admin
    assert words.sentence(action, object_type, detail) == patient


def test_no_combination_reads_as_a_code():
    details = [{}, {"document": "patient record"}, *({key: True} for key in words.PAGES)]
    for action in words.ACTIONS:
        for object_type in ["", *words.OBJECTS]:
            for detail in details:
                said = words.sentence(action, object_type, detail)
                shown = words.thing(action, object_type, detail).admin
                assert not CODE.search(said), said
                assert not CODE.search(shown), shown
                assert said[0].isupper() and "{}" not in said


def test_something_new_still_reads_as_words():
    assert words.action_word("held_for_review") == "Held for review"
    assert words.thing("view", "newapp.thing", {}).admin == "Thing"
    assert words.thing("view", "", "not a dict") == words.UNNAMED
