"""The one scores chart: PHQ-9, GAD-7 and PCL-5 over a course on one time axis, each dose marked,
the baseline, response and remission marked. Pure (no Django), built from numbers and fixed
labels only (nothing a user typed reaches it), so its text is safe to place in a page as is.

The same SVG is drawn on the chart, in the portal's progress page and in the PDFs. PHQ-9 and
GAD-7 read against the left scale (0–27), PCL-5 against the right one (0–80).
"""

from datetime import datetime
from html import escape

from outcomes import rules

COLOURS = {"PHQ-9": "#6f42c1", "GAD-7": "#2f5d62", "PCL-5": "#b35900"}
# Each questionnaire also has its own line pattern: the lines are told apart without colour.
DASHES = {"PHQ-9": "", "GAD-7": "7 4", "PCL-5": "2 3"}
LEFT_TOP, RIGHT_TOP = 27, 80


def scores_svg(
    series: dict[str, list[rules.Point]],
    dose_times: list[datetime] = (),
    *,
    width: int = 640,
    height: int = 260,
) -> str:
    """`series`: title → points oldest first (local times); `dose_times`: the doses' starts.
    "" when there is no score at all."""
    times = [p.at for points in series.values() for p in points] + list(dose_times)
    if not any(series.values()):
        return ""
    pad_x, pad_top, pad_bottom = 40, 44, 34
    first, last = min(times), max(times)
    span = max((last - first).total_seconds(), 1)
    inner_w, inner_h = width - 2 * pad_x, height - pad_top - pad_bottom

    def x(at: datetime) -> float:
        if first == last:
            return width / 2
        return round(pad_x + inner_w * (at - first).total_seconds() / span, 1)

    def y(value: float, top: int) -> float:
        return round(height - pad_bottom - inner_h * value / top, 1)

    outcomes = {t: rules.outcome(t, ps, list(dose_times)) for t, ps in series.items() if ps}
    words = "; ".join(o.words for o in outcomes.values())
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="scores-title" font-family="sans-serif" font-size="12" '
        f'class="scores-chart">',
        f'<title id="scores-title">Questionnaire scores over the course, lower is better. '
        f"{escape(words)}</title>",
        f'<rect x="{pad_x}" y="{pad_top}" width="{inner_w}" height="{inner_h}" fill="#fafafa" '
        f'stroke="#bbb"/>',
    ]
    for tick in (0, 5, 10, 15, 20, 27):
        parts.append(
            f'<text x="{pad_x - 6}" y="{y(tick, LEFT_TOP) + 4}" text-anchor="end" '
            f'fill="#555">{tick}</text>'
        )
    if "PCL-5" in outcomes:
        for tick in (0, 20, 33, 40, 60, 80):
            parts.append(
                f'<text x="{width - pad_x + 6}" y="{y(tick, RIGHT_TOP) + 4}" '
                f'fill="{COLOURS["PCL-5"]}">{tick}</text>'
            )
    # Remission lines: PHQ-9 and GAD-7 under 5 (left scale), PCL-5 under 33 (right scale).
    parts.append(
        f'<line x1="{pad_x}" x2="{width - pad_x}" y1="{y(5, LEFT_TOP)}" y2="{y(5, LEFT_TOP)}" '
        f'stroke="#2e7d32" stroke-dasharray="2 3"/>'
    )
    if "PCL-5" in outcomes:
        parts.append(
            f'<line x1="{pad_x}" x2="{width - pad_x}" y1="{y(33, RIGHT_TOP)}" '
            f'y2="{y(33, RIGHT_TOP)}" stroke="{COLOURS["PCL-5"]}" stroke-dasharray="2 3"/>'
        )
    for number, at in enumerate(sorted(dose_times), start=1):
        px = x(at)
        parts.append(
            f'<line x1="{px}" x2="{px}" y1="{pad_top}" y2="{height - pad_bottom}" '
            f'stroke="#888" stroke-dasharray="4 3"/>'
            f'<text x="{px}" y="{pad_top - 4}" text-anchor="middle" fill="#444" '
            f'font-size="10">D{number}</text>'
        )
    axis_y = height - pad_bottom + 18
    parts.append(f'<text x="{pad_x}" y="{axis_y}" fill="#555">{first:%b} {first.day}</text>')
    if last != first:
        parts.append(
            f'<text x="{width - pad_x}" y="{height - pad_bottom + 18}" text-anchor="end" '
            f'fill="#555">{last:%b} {last.day}</text>'
        )
    legend_x = pad_x
    for title, points in series.items():
        if not points:
            continue
        colour, top = COLOURS.get(title, "#333"), RIGHT_TOP if title == "PCL-5" else LEFT_TOP
        result = outcomes[title]
        coords = [(x(p.at), y(p.total, top), p) for p in points]
        if len(coords) > 1:
            path = " ".join(f"{px},{py}" for px, py, _ in coords)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5" '
                f'stroke-dasharray="{DASHES.get(title, "")}"/>'
            )
        for px, py, point in coords:
            parts.append(f'<circle cx="{px}" cy="{py}" r="4.5" fill="{colour}"/>')
            if point == result.baseline:
                parts.append(
                    f'<circle cx="{px}" cy="{py}" r="8" fill="none" stroke="{colour}" '
                    f'stroke-width="1.5"/>'
                )
            after = result.baseline and point.at > result.baseline.at
            if after and rules.is_remission(title, point.total):
                parts.append(
                    f'<rect x="{px - 7}" y="{py - 7}" width="14" height="14" fill="none" '
                    f'stroke="#2e7d32" stroke-width="2"/>'
                )
            elif after and rules.is_response(result.baseline.total, point.total):
                parts.append(
                    f'<path d="M{px} {py - 9} L{px + 9} {py} L{px} {py + 9} L{px - 9} {py} Z" '
                    f'fill="none" stroke="#2e7d32" stroke-width="2"/>'
                )
            parts.append(
                f'<text x="{px}" y="{py - 12}" text-anchor="middle" fill="{colour}" '
                f'font-weight="bold">{point.total}</text>'
            )
        parts.append(
            f'<line x1="{legend_x}" y1="10" x2="{legend_x + 22}" y2="10" stroke="{colour}" '
            f'stroke-width="2.5" stroke-dasharray="{DASHES.get(title, "")}"/>'
            f'<text x="{legend_x + 26}" y="14" fill="{colour}" font-weight="bold">{title}</text>'
        )
        legend_x += 90
    parts.append(
        f'<text x="{pad_x}" y="30" fill="#444" font-size="10">'
        "○ baseline  ◇ response  □ remission  ┆ dose</text>"
    )
    parts.append("</svg>")
    return "".join(parts)
