"""axe-core in Chromium (issue 19): `assert_accessible(page)` runs the WCAG 2.1 A and AA rules
over the page as it is now and fails with each violation, its elements and axe's advice.

axe-core is the copy bundled in the axe-playwright-python package (a dev dependency): nothing is
fetched at run time."""

from axe_playwright_python.sync_playwright import Axe

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
_axe = Axe()


def violations(page) -> list[dict]:
    """axe's WCAG 2.1 A/AA violations on the page's current document ([] for a non-HTML one)."""
    if page.evaluate("document.contentType") != "text/html":
        return []
    result = _axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    return result.response["violations"]


def describe(found: list[dict], where: str = "") -> list[str]:
    lines = []
    for v in found:
        targets = ", ".join(str(n["target"]) for n in v["nodes"][:4])
        more = f" (+{len(v['nodes']) - 4} more)" if len(v["nodes"]) > 4 else ""
        summary = v["nodes"][0].get("failureSummary", "").replace("\n", " ")[:300]
        count = len(v["nodes"])
        lines.append(f"{where}{v['id']} ({v['impact']}) ×{count}: {targets}{more} — {summary}")
    return lines


def assert_accessible(page, where: str = ""):
    found = violations(page)
    assert not found, (
        "axe-core (WCAG 2.1 AA) on " + (where or page.url) + ":\n" + "\n".join(describe(found))
    )
