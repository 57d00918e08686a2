"""The decision page and the screening summary PDF read in clinic words (issue 11)."""

import subprocess
import tempfile

import pytest
from django.urls import reverse

from screening.demo import screen_candidate

pytestmark = pytest.mark.django_db


@pytest.fixture
def decision(candidate, intake, screening_policy):
    screening = screen_candidate(
        course=candidate.courses.get(),
        by=intake,
        history={"bipolar_disorder": True},
        bp=((128, 82), (132, 84)),
    )
    return screening.decisions.get()


def test_the_decision_page_shows_rule_titles_with_their_codes_small(signed_in, intake, decision):
    page = signed_in(intake).get(reverse("screening_decision", args=[decision.pk])).content
    page = page.decode()
    assert "<code" not in page
    assert (
        "Bipolar disorder" in page and '<small class="text-muted rule-code">bipolar</small>' in page
    )
    assert "PHQ-9" in page and "C-SSRS" in page and "PHQ9" not in page and "CSSRS" not in page


def test_the_summary_pdf_prints_facts_in_words(signed_in, intake, decision):
    response = signed_in(intake).get(reverse("screening_summary_pdf", args=[decision.pk]))
    assert response.status_code == 200
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(response.content)
        f.flush()
        text = subprocess.run(
            ["pdftotext", f.name, "-"], capture_output=True, text=True, check=True
        ).stdout
    text = " ".join(text.split())
    assert "History of psychosis no" in text
    assert "Mean blood pressure 130/83 from 2 readings" in text
    assert "Wish to be dead: no" in text and "PHQ-9" in text
    for raw in ("psychosis_history", "bp_readings", "[[", "{'", "False", "True", "None", "PHQ9"):
        assert raw not in text, raw
