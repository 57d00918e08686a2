"""The patient's PHQ-9 and GAD-7 over the course as SVG, in the style of the vitals chart
(`sessions.dosing.charts`): pure, built from numbers and fixed labels only (nothing typed by a
user reaches it), drawn once and used on the page and in the record PDF.

The vitals renderer draws minutes against mmHg with fixed series; scores need days against a
0–27 scale with severity bands, so this is its sibling rather than a call to it.
"""

from datetime import date

# Drawn at about the width of a phone, so its text keeps its size there.
WIDTH, HEIGHT, PAD = 360, 230, 34
SERIES_COLOURS = {"PHQ-9": "#6f42c1", "GAD-7": "#2f5d62"}
# Told apart without colour too (issue 19): GAD-7 is dashed with square markers.
DASHED = {"GAD-7": "7 4"}
TITLE = "Questionnaire scores over the course; lower is better"
# Bands shaded behind the lines: the PHQ-9 severity boundaries (CLINICAL.md).
BANDS = ((0, 4, "#eef7ee"), (5, 9, "#f7f7e8"), (10, 14, "#fbf1e4"), (15, 27, "#f9e6e6"))
TOP = 27


def _marker(title: str, px: float, py: float, colour: str) -> str:
    if title in DASHED:
        return f'<rect x="{px - 4.5}" y="{py - 4.5}" width="9" height="9" fill="{colour}"/>'
    return f'<circle cx="{px}" cy="{py}" r="5" fill="{colour}"/>'


def scores_svg(series: dict[str, list[tuple[date, int]]]) -> str:
    """`series`: title ("PHQ-9", "GAD-7") → (day, total) oldest first. "" when there is nothing."""
    days = [d for points in series.values() for d, _ in points]
    if not days:
        return ""
    first, last = min(days), max(days)
    span = max((last - first).days, 1)

    def x(day: date) -> float:
        if first == last:  # one day: in the middle
            return WIDTH / 2
        return round(PAD + (WIDTH - 2 * PAD) * (day - first).days / span, 1)

    def y(value: float) -> float:
        return round(HEIGHT - PAD - (HEIGHT - 2 * PAD) * value / TOP, 1)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{TITLE}" font-family="sans-serif" font-size="12">',
        f"<title>{TITLE}</title><desc>The scores are listed by date beside the chart.</desc>",
    ]
    for low, high, colour in BANDS:
        parts.append(
            f'<rect x="{PAD}" y="{y(high + 0.5 if high < TOP else TOP)}" width="{WIDTH - 2 * PAD}" '
            f'height="{round(y(max(low - 0.5, 0)) - y(high + 0.5 if high < TOP else TOP), 1)}" '
            f'fill="{colour}"/>'
        )
    for tick in (0, 5, 10, 15, 20, 27):
        parts.append(
            f'<text x="{PAD - 6}" y="{y(tick) + 4}" text-anchor="end" fill="#555">{tick}</text>'
        )
    parts.append(
        f'<rect x="{PAD}" y="{PAD}" width="{WIDTH - 2 * PAD}" height="{HEIGHT - 2 * PAD}" '
        f'fill="none" stroke="#bbb"/>'
    )
    if last == first:
        parts.append(
            f'<text x="{WIDTH / 2}" y="{HEIGHT - PAD + 18}" text-anchor="middle" fill="#555">'
            f"{first:%b} {first.day}</text>"
        )
    else:
        parts.append(
            f'<text x="{PAD}" y="{HEIGHT - PAD + 18}" fill="#555">{first:%b} {first.day}</text>'
        )
        parts.append(
            f'<text x="{WIDTH - PAD}" y="{HEIGHT - PAD + 18}" text-anchor="end" fill="#555">'
            f"{last:%b} {last.day}</text>"
        )
    for index, (title, points) in enumerate(series.items()):
        colour = SERIES_COLOURS.get(title, "#333")
        dash = f' stroke-dasharray="{DASHED[title]}"' if title in DASHED else ""
        coords = [(x(d), y(v), v) for d, v in points]
        if len(coords) > 1:
            path = " ".join(f"{px},{py}" for px, py, _ in coords)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="3"{dash}/>'
            )
        for px, py, value in coords:
            parts.append(_marker(title, px, py, colour))
            parts.append(
                f'<text x="{px}" y="{py - 9}" text-anchor="middle" fill="{colour}" '
                f'font-weight="bold">{value}</text>'
            )
        left = PAD + 90 * index
        parts.append(
            f'<line x1="{left}" x2="{left + 20}" y1="{PAD - 18}" y2="{PAD - 18}" stroke="{colour}" '
            f'stroke-width="3"{dash}/>'
            f'<text x="{left + 25}" y="{PAD - 14}" fill="#212529" font-weight="bold">{title}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
