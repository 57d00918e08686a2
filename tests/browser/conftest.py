import re

import pytest

from tests.conftest import PASSWORD


@pytest.fixture
def sign_in(page, live_server):
    """`sign_in(user)`: sign in through the real form in Chromium; returns the page."""

    def go(user):
        page.context.clear_cookies()
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        # Staff land on the home page, a patient on the portal.
        page.wait_for_url(re.compile(rf"{re.escape(live_server.url)}/(me/)?$"))
        return page

    return go
