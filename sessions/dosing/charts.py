"""The vitals chart as SVG: drawn once, shown on the dosing page and in the session record PDF.

Pure: takes (minutes since the axis begins, systolic, diastolic, heart rate) rows, returns SVG
text built from numbers only (nothing the user typed reaches it). The caller makes the axis span the
whole session (`span` minutes, from the booked start or the first reading) and marks the dose's
start (`start_minute`), so a chart of the first readings is not stretched over ten minutes.
"""

WIDTH, HEIGHT, PAD = 640, 240, 36
SERIES = (("systolic", "#b02a37"), ("diastolic", "#e07b86"), ("heart rate", "#2f5d62"))


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
        f'role="img" aria-label="Blood pressure and heart rate over the session" '
        f'font-family="sans-serif" font-size="11">',
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
    for index, (name, colour) in enumerate(SERIES, start=1):
        series = [(x(r[0]), y(r[index])) for r in points if r[index] is not None]
        if series:
            path = " ".join(f"{px},{py}" for px, py in series)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
            parts.extend(
                f'<circle cx="{px}" cy="{py}" r="3" fill="{colour}"/>' for px, py in series
            )
        parts.append(
            f'<text x="{PAD + 110 * (index - 1)}" y="{PAD - 10}" fill="{colour}">● {name}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
