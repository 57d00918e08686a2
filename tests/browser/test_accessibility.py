"""Every page of the seeded demo meets WCAG 2.1 A and AA by axe-core (issue 19): each demo role
signs in, the pages it reaches from its home page (the crawl of tests/test_demo_words.py) are
opened in Chromium at desktop, tablet and phone sizes, and axe finds nothing.

Pages of one URL pattern share a template: a role's first PER_ROUTE pages of each pattern are
checked (the words test reads more), which keeps the run to a few minutes."""

from collections import Counter
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.browser.axe import describe, violations
from tests.test_demo_words import ROLES, _route, crawl, must_see

pytestmark = [pytest.mark.heavy, pytest.mark.django_db(transaction=True)]
SIZES = {"desktop": (1366, 900), "tablet": (820, 1180), "phone": (390, 844)}
PER_ROUTE = 2


def _sample(documents: list[str]) -> list[str]:
    per_route = Counter()
    kept = []
    for key in documents:
        route = _route(urlsplit(key).path)
        per_route[route] += 1
        if per_route[route] <= PER_ROUTE:
            kept.append(key)
    return kept


def test_every_demo_page_passes_axe_at_every_size(
    page, live_server, screening_policy, appointment_types
):
    call_command("seed_demo", stdout=StringIO())
    found, visited, rules = [], 0, Counter()
    for role in ROLES:
        client = Client()
        client.force_login(User.objects.get(username=role))
        documents = []
        crawl(client, [reverse("home"), *must_see(role)], documents)
        page.context.clear_cookies()
        page.context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
        for label, (width, height) in SIZES.items():
            page.set_viewport_size({"width": width, "height": height})
            for path in _sample(documents):
                page.goto(live_server.url + path)
                visited += 1
                seen = violations(page)
                rules.update({v["id"]: len(v["nodes"]) for v in seen})
                found += describe(seen, f"{role} {label} {path}: ")
    assert visited > 100
    summary = ", ".join(f"{rule} ×{count}" for rule, count in rules.most_common())
    assert not found, (
        f"{visited} pages checked; {len(found)} (page, rule) violations over {rules.total()} "
        f"elements: {summary}\n" + "\n".join(found[:60])
    )
