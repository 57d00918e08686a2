"""Driving a page with the keyboard only (issue 19): Tab / Shift+Tab to a control, then Enter,
Space, arrows or typing. `tab_to` fails when Tab never reaches the control (a tab-order gap or a
focus trap), and checks that the focused control shows its focus."""

FOCUSED = "el => el === document.activeElement"
# A visible focus indicator: an outline, a ring (box-shadow), or, for a btn-check radio (the input
# is clipped), the ring on its label.
FOCUS_SHOWN = """el => {
  const target = el.classList.contains('btn-check') ? el.nextElementSibling : el;
  const style = getComputedStyle(target);
  return (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2)
    || style.boxShadow !== 'none';
}"""


def tab_to(page, locator, *, back=False, limit=250):
    """Press Tab (Shift+Tab with `back`) until `locator` has the focus."""
    locator.wait_for(state="attached")
    for _ in range(limit):
        if locator.evaluate(FOCUSED):
            assert locator.evaluate(FOCUS_SHOWN), f"no visible focus on {locator}"
            return locator
        page.keyboard.press("Shift+Tab" if back else "Tab")
    raise AssertionError(f"Tab never reached {locator}")


def press(page, locator, key="Enter", **kwargs):
    tab_to(page, locator, **kwargs)
    page.keyboard.press(key)


def type_into(page, locator, text, **kwargs):
    tab_to(page, locator, **kwargs)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def choose(page, select, *, label=None, value=None, **kwargs):
    """Pick the option reading `label` (or of `value`) in a <select> with the arrow keys."""
    tab_to(page, select, **kwargs)
    page.keyboard.press("Home")
    for _ in range(100):
        now = select.evaluate(
            "el => [el.value, el.selectedIndex < 0 ? '' : el.options[el.selectedIndex].text.trim()]"
        )
        if (value is not None and now[0] == value) or (label is not None and now[1] == label):
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"no option {label or value!r} in {select}")


def pick_radio(page, radios, index, **kwargs):
    """Check the `index`-th radio of a group: Tab into the group, then arrows (or Space)."""
    first = radios.nth(0)
    tab_to(page, first, **kwargs)
    if index == 0:
        page.keyboard.press("Space")
    for _ in range(index):
        page.keyboard.press("ArrowRight")
    assert radios.nth(index).is_checked()
