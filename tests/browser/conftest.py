import re

import pytest

from tests.browser.axe import assert_accessible
from tests.conftest import PASSWORD
from tests.sessions.dosing.conftest import ready  # noqa: F401  (the dose fixture, shared)


@pytest.fixture
def sign_in(page, live_server):
    """`sign_in(user)`: sign in through the real form in Chromium; returns the page."""

    def go(user):
        # The last page's requests (htmx sections) finish first: a late answer would set the
        # previous user's session cookie again after the clear.
        page.wait_for_load_state("networkidle")
        page.context.clear_cookies()
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        # Staff land on the home page, a patient on the portal.
        page.wait_for_url(re.compile(rf"{re.escape(live_server.url)}/(me/)?$"))
        return page

    return go


@pytest.fixture(autouse=True)
def axe_on_every_page(request, page):
    """Issue 19: every page a browser test opens (`page.goto`) or lands on after a form or a link
    (`page.wait_for_url`) is checked by axe-core for WCAG 2.1 A/AA; `shoot()` checks too. A module
    that collects the violations itself sets `AXE_ON_EVERY_PAGE = False`."""
    if not getattr(request.module, "AXE_ON_EVERY_PAGE", True):
        yield
        return
    goto, wait_for_url = page.goto, page.wait_for_url

    def checked_goto(*args, **kwargs):
        response = goto(*args, **kwargs)
        assert_accessible(page)
        return response

    def checked_wait_for_url(*args, **kwargs):
        wait_for_url(*args, **kwargs)
        page.wait_for_load_state()
        assert_accessible(page)

    page.goto, page.wait_for_url = checked_goto, checked_wait_for_url
    yield
