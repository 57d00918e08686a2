"""The practice dashboard: its figures on a seeded clinic against answers worked out in Python,
a fixed number of queries whatever the size, who may see it, the CSV and its audit."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from outcomes import selectors
from outcomes.forms import DashboardFilterForm
from tests.accounts.factories import UserFactory
from tests.outcomes.seed import seed

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return {
        "a": UserFactory(username="oc-a", role="prescriber"),
        "b": UserFactory(username="oc-b", role="therapist"),
        "admin": UserFactory(username="oc-admin", role="admin"),
    }


def _filters(**kw):
    form = DashboardFilterForm(kw)
    assert form.is_valid(), form.errors
    d = form.cleaned_data
    return selectors.Filters(
        start=d["start"],
        end=d["end"],
        clinician_id=d["clinician"].pk if d["clinician"] else None,
        drug=d["drug"],
    )


def _rates(row):
    return (
        row["courses"],
        row["judged"],
        row["responders"],
        row["scored"],
        row["remitters"],
    )


def test_figures_match_the_plan(staff):
    truth = seed(60, clinicians=[staff["a"], staff["b"]], by=staff["a"])
    f = selectors.dashboard(_filters())
    assert dict(f["phases"]) == dict(truth.phases)
    assert f["total_doses"] == truth.doses
    assert f["followups"]["due"] == truth.followups_due
    assert f["followups"]["inside"] == truth.followups_inside
    by_doses = {row["doses"]: _rates(row) for row in f["by_doses"]}
    assert by_doses == {
        n: (c["courses"], c["judged"], c["responders"], c["scored"], c["remitters"])
        for n, c in truth.by_doses.items()
    }
    for key, name in ((1, "integrated"), (0, "not_integrated")):
        c = truth.by_integration[key]
        assert _rates(f[name]) == (
            c["courses"],
            c["judged"],
            c["responders"],
            c["scored"],
            c["remitters"],
        )
        assert f[name]["response_rate"] == round(100 * c["responders"] / c["judged"], 1)
    events = {(r["kind"], r["severity"]): (r["n"], r["per_100"]) for r in f["events"]}
    assert events == {k: (n, round(100 * n / truth.doses, 1)) for k, n in truth.events.items()}
    assert sum(r["missed"] for r in f["no_shows"]) == truth.no_shows
    assert {r["outcome"]: r["n"] for r in f["screening_outcomes"]} == dict(truth.screening_outcomes)
    assert {(r["code"], r["severity"]): r["n"] for r in f["screening_rules"]} == dict(
        truth.screening_rules
    )


def test_filters_by_clinician_and_drug(staff):
    seed(30, clinicians=[staff["a"], staff["b"]], by=staff["a"])
    every = selectors.dashboard(_filters())["total_doses"]
    a = selectors.dashboard(_filters(clinician=staff["a"].pk))["total_doses"]
    b = selectors.dashboard(_filters(clinician=staff["b"].pk))["total_doses"]
    # Plan: even courses with clinician A; 1 + i % 6 doses, none when i % 9 == 8.
    doses = [0 if i % 9 == 8 else 1 + i % 6 for i in range(30)]
    assert (a, b, every) == (sum(doses[0::2]), sum(doses[1::2]), sum(doses))
    esk = selectors.dashboard(_filters(drug="esketamine"))["total_doses"]
    assert esk == sum(n for i, n in enumerate(doses) if i % 3 == 0)


def _count_queries(client):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("outcomes_dashboard"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_same_number_of_queries_at_any_size(client, staff):
    client.force_login(staff["a"])
    seed(5, clinicians=[staff["a"], staff["b"]], by=staff["a"])
    small = _count_queries(client)
    seed(120, clinicians=[staff["a"], staff["b"]], by=staff["a"])
    assert _count_queries(client) == small


def test_admin_sees_counts_never_a_name_and_therapists_are_refused(client, staff):
    seed(12, clinicians=[staff["a"], staff["b"]], by=staff["a"])
    client.force_login(staff["admin"])
    page = client.get(reverse("outcomes_dashboard")).content.decode()
    assert "Outcome1" not in page and "OC0000" not in page
    assert "Response when every dose was integrated inside its window" in page
    client.force_login(staff["b"])
    assert client.get(reverse("outcomes_dashboard")).status_code == 403


def test_a_refused_filter_answers_400_with_the_default_range(client, staff):
    client.force_login(staff["a"])
    wrong_way = {"start": "2026-12-01", "end": "2026-01-01"}
    response = client.get(reverse("outcomes_dashboard"), wrong_way)
    assert response.status_code == 400
    assert "The first day comes after the last day." in response.content.decode()
    assert client.get(reverse("outcomes_dashboard"), {"drug": "\x00"}).status_code == 400


def test_every_table_exports_as_csv_audited(client, staff):
    seed(12, clinicians=[staff["a"], staff["b"]], by=staff["a"])
    client.force_login(staff["a"])
    page = client.get(reverse("outcomes_dashboard"))
    for table in page.context["tables"]:
        response = client.get(reverse("outcomes_csv"), {"table": table.slug})
        assert response.status_code == 200
        assert "attachment" in response["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0] == table.headers
        assert len(rows) == len(table.rows) + 1
    exports = AuditEvent.objects.filter(action="export", user=staff["a"])
    assert exports.count() == len(page.context["tables"])
    assert client.get(reverse("outcomes_csv"), {"table": "nope"}).status_code == 400
