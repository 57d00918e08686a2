"""Clinic words everywhere a person reads (issue 11): seed the demo, sign in as every demo role,
follow the links from each home page (htmx sections and PDFs included) and search the visible
text of every page and document reached for Python values: `[[`, `{'`, `False`, `True`, `None`.

Heavy: the seed and a few hundred pages and PDFs take a minute."""

import re
import subprocess
import tempfile
from collections import Counter, deque
from html.parser import HTMLParser
from io import StringIO
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from accounts.models import User
from screening.models import ScreeningDecision
from sessions.models import Dose

pytestmark = [pytest.mark.django_db, pytest.mark.heavy]

ROLES = ["intake", "therapist", "therapist2", "prescriber", "frontdesk", "admin", "patient"]
PYTHON_VALUES = re.compile(
    r"\[\[|\{'|\bFalse\b|\bTrue\b|\bNone\b|\b(PHQ9|GAD7|PCL5|CSSRS|phq9|cssrs)\b"
)
# English that happens to start with "None", on the chair-side pages another change rewrites
# (templates/sessions/dosing/): allowed only in these exact phrases.
PER_ROUTE = 4  # pages of one URL pattern a role visits (ids differ, templates do not)
SKIPPED = ("/logout", "/admin/", "/static/", ".ics", ".csv")


class _Reader(HTMLParser):
    """The text a person sees, and the links (hrefs and htmx GETs) a page offers."""

    HIDDEN = {"script", "style", "template", "head"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text, self.links, self._hidden = [], [], 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in self.HIDDEN:
            self._hidden += 1
        for name in ("href", "hx-get"):
            if a.get(name):
                self.links.append(a[name])
        if tag in ("input", "textarea") and a.get("type") not in ("hidden", "password"):
            self.text.append(a.get("value") or "")  # what a form shows, typed or not
        if tag == "input" and a.get("placeholder"):
            self.text.append(a["placeholder"])

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.text.append(data)


def pdf_text(content: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(content)
        f.flush()
        return subprocess.run(
            ["pdftotext", "-layout", f.name, "-"], capture_output=True, text=True, check=True
        ).stdout


def _route(path: str) -> str | None:
    try:
        return resolve(path).view_name
    except Resolver404:
        return None


def crawl(client: Client, starts: list[str], documents: list[str] | None = None) -> dict[str, str]:
    """Visit every page reachable from `starts` (at most PER_ROUTE per URL pattern): path → the
    visible text. `documents`, when given, collects the whole HTML pages (not htmx fragments)."""
    seen, per_route, texts = set(), Counter(), {}
    queue = deque(starts)
    while queue:
        url = queue.popleft()
        path = urlsplit(url).path
        query = urlsplit(url).query
        key = f"{path}?{query}" if query else path
        if key in seen or any(s in path for s in SKIPPED):
            continue
        route = _route(path)
        if route is None or (per_route[route] >= PER_ROUTE and url not in starts):
            continue
        seen.add(key)
        per_route[route] += 1
        response = client.get(key)
        if response.status_code in (301, 302):  # the patient's home is the portal's
            queue.appendleft(response["Location"])
            continue
        if response.status_code != 200:
            continue
        kind = response.get("Content-Type", "")
        if kind.startswith("application/pdf"):
            texts[key] = pdf_text(response.content)
            continue
        if not kind.startswith("text/html"):
            continue
        reader = _Reader()
        html = response.content.decode()
        if documents is not None and html.lstrip()[:9].lower() == "<!doctype":
            documents.append(key)
        reader.feed(html)
        texts[key] = " ".join(reader.text)
        for link in reader.links:
            target = urlsplit(urljoin(path, link))
            if target.netloc or target.scheme not in ("", "http"):
                continue
            queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return texts


def must_see(role: str) -> list[str]:
    """Beyond the links followed: the charts with doses, their dosing pages and records, and
    every screening summary, for the roles that may open them (others get a 404 and skip)."""
    if role not in ("therapist", "therapist2", "prescriber", "intake"):
        return []
    urls = []
    for dose in Dose.objects.exclude(status="booked").select_related("course"):
        urls += [
            reverse("chart", args=[dose.course.patient_id]),
            reverse("dose", args=[dose.pk]),
            reverse("dose_record_pdf", args=[dose.pk]),
        ]
    for decision in ScreeningDecision.objects.order_by("id"):
        urls += [
            reverse("screening_decision", args=[decision.pk]),
            reverse("screening_summary_pdf", args=[decision.pk]),
        ]
    return urls


def test_every_page_and_pdf_of_the_demo_reads_in_clinic_words(screening_policy, appointment_types):
    call_command("seed_demo", stdout=StringIO())
    assert Dose.objects.filter(status__in=["discharged", "integrated"]).exists()
    found, visited = [], 0
    for role in ROLES:
        client = Client()
        client.force_login(User.objects.get(username=role))
        texts = crawl(client, [reverse("home"), *must_see(role)])
        visited += len(texts)
        assert len(texts) > 1, role
        for url, text in texts.items():
            for match in PYTHON_VALUES.finditer(text):
                around = text[max(0, match.start() - 60) : match.end() + 60].replace("\n", " ")
                found.append(f"{role} {url}: …{around}…")
    assert visited > 100
    assert not found, "\n".join(found[:40])
