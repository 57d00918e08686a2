"""Screenshots for looking at pages (never asserted), taken when SCREENSHOTS_DIR is set."""

import os

from tests.browser.axe import assert_accessible

SIZES = {"desktop": (1366, 900), "tablet": (820, 1180)}
# A tablet on a stand turned sideways (the dosing page is used both ways).
LANDSCAPE = {"tablet-landscape": (1180, 820)}


def shoot(page, name, *, landscape=False, full_page=True):
    """Screenshots at each size, and axe-core on the page at each size (whether or not
    SCREENSHOTS_DIR is set)."""
    folder = os.environ.get("SCREENSHOTS_DIR")
    assert_accessible(page, name)
    if not folder:
        return
    sizes = {**SIZES, **LANDSCAPE} if landscape else SIZES
    for label, (width, height) in sizes.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=f"{folder}/{name}-{label}.png", full_page=full_page)
        assert_accessible(page, f"{name} at {label}")
    page.set_viewport_size({"width": 1366, "height": 900})
