"""Screenshots for looking at pages (never asserted), taken when SCREENSHOTS_DIR is set."""

import os

SIZES = {"desktop": (1366, 900), "tablet": (820, 1180)}


def shoot(page, name):
    folder = os.environ.get("SCREENSHOTS_DIR")
    if not folder:
        return
    for label, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=f"{folder}/{name}-{label}.png", full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})
