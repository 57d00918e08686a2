"""The vitals chart as SVG: drawn once, shown on the dosing page and in the session record PDF.

Pure: takes (minutes since the axis begins, systolic, diastolic, heart rate) rows, returns SVG
text built from numbers only (nothing the user typed reaches it). The caller makes the axis span the
whole session (`span` minutes, from the booked start or the first reading) and marks the dose's
start (`start_minute`), so a chart of the first readings is not stretched over ten minutes.
"""

WIDTH, HEIGHT, PAD = 640, 240, 36
# Each series has its own colour, line pattern and marker, so it is told apart without colour;
# the legend is dark text beside a sample of the line (issue 19).
SERIES = (
    ("systolic", "#b02a37", "", "circle"),
    ("diastolic", "#c4505e", "6 4", "square"),
    ("heart rate", "#2f5d62", "2 3", "diamond"),
)
TITLE = "Blood pressure and heart rate over the session"
DESCRIPTION = "A line chart of the readings listed in the vitals table."


def _marker(shape: str, px: float, py: float, colour: str) -> str:
    if shape == "square":
        return f'<rect x="{px - 3}" y="{py - 3}" width="6" height="6" fill="{colour}"/>'
    if shape == "diamond":
        return (
            f'<polygon points="{px},{py - 4} {px + 4},{py} {px},{py + 4} {px - 4},{py}" '
            f'fill="{colour}"/>'
        )
    return f'<circle cx="{px}" cy="{py}" r="3" fill="{colour}"/>'


def vitals_svg(
    rows: list[tuple[float, int | None, int | None, int | None]],
    *,
    span: float | None = None,
    start_minute: float | None = None,
) -> str:
    points = [row for row in rows if any(v is not None for v in row[1:])]
    if not points:
        return ""
    span = max(max(r[0] for r in points), span or 0, 15.0)
    step = 15 if span <= 180 else 30 if span <= 360 else 60
    values = [v for r in points for v in r[1:] if v is not None]
    low, high = min(40, min(values)) - 10, max(200, max(values)) + 10

    def x(minutes: float) -> float:
        return round(PAD + (WIDTH - 2 * PAD) * minutes / span, 1)

    def y(value: float) -> float:
        return round(HEIGHT - PAD - (HEIGHT - 2 * PAD) * (value - low) / (high - low), 1)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{TITLE}. {DESCRIPTION}" '
        f'font-family="sans-serif" font-size="11">',
        f"<title>{TITLE}</title><desc>{DESCRIPTION}</desc>",
        f'<rect x="{PAD}" y="{PAD}" width="{WIDTH - 2 * PAD}" height="{HEIGHT - 2 * PAD}" '
        f'fill="none" stroke="#ccc"/>',
    ]
    for tick in range(int(low // 20 * 20 + 20), int(high), 20):
        parts.append(
            f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{y(tick)}" y2="{y(tick)}" '
            f'stroke="#eee"/><text x="{PAD - 4}" y="{y(tick) + 4}" '
            f'text-anchor="end" fill="#666">{tick}</text>'
        )
    for minute in range(0, int(span) + 1, step):
        parts.append(
            f'<text x="{x(minute)}" y="{HEIGHT - PAD + 14}" text-anchor="middle" '
            f'fill="#666">{minute}′</text>'
        )
    if start_minute is not None and 0 <= start_minute <= span:
        at = x(start_minute)
        parts.append(
            f'<line x1="{at}" x2="{at}" y1="{PAD}" y2="{HEIGHT - PAD}" stroke="#6f42c1" '
            f'stroke-dasharray="4 3"/><text x="{at + 3}" y="{HEIGHT - PAD - 4}" '
            f'fill="#6f42c1">dose</text>'
        )
    for index, (name, colour, dashes, shape) in enumerate(SERIES, start=1):
        series = [(x(r[0]), y(r[index])) for r in points if r[index] is not None]
        dash = f' stroke-dasharray="{dashes}"' if dashes else ""
        if series:
            path = " ".join(f"{px},{py}" for px, py in series)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>'
            )
            parts.extend(_marker(shape, px, py, colour) for px, py in series)
        left, top = PAD + 120 * (index - 1), PAD - 14
        parts.append(
            f'<line x1="{left}" x2="{left + 22}" y1="{top}" y2="{top}" '
            f'stroke="{colour}" stroke-width="2"{dash}/>{_marker(shape, left + 11, top, colour)}'
            f'<text x="{left + 27}" y="{PAD - 10}" fill="#212529">{name}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
