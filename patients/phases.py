"""The course of treatment's phases and the only moves between them (DESIGN.md).

Pure: no Django. `patients.services.course_change_phase` is the one writer of a course's phase and
asks this table first; guards that need other apps' data (enrollment, first dose) are registered
with that service.
"""

SCREENING = "screening"
PREPARATION = "preparation"
TREATMENT = "treatment"
MAINTENANCE = "maintenance"
COMPLETED = "completed"
DISCONTINUED = "discontinued"

PHASES = (SCREENING, PREPARATION, TREATMENT, MAINTENANCE, COMPLETED, DISCONTINUED)
LABELS = {
    SCREENING: "Screening",
    PREPARATION: "Preparation",
    TREATMENT: "Treatment",
    MAINTENANCE: "Maintenance",
    COMPLETED: "Completed",
    DISCONTINUED: "Discontinued",
}
CLOSED = frozenset({COMPLETED, DISCONTINUED})
# Phases in which the patient is enrolled: dosing may be booked from preparation on.
ENROLLED = frozenset({PREPARATION, TREATMENT, MAINTENANCE})

TRANSITIONS: dict[str, frozenset[str]] = {
    SCREENING: frozenset({PREPARATION, DISCONTINUED}),
    PREPARATION: frozenset({TREATMENT, DISCONTINUED}),
    TREATMENT: frozenset({MAINTENANCE, DISCONTINUED}),
    MAINTENANCE: frozenset({COMPLETED, DISCONTINUED}),
    COMPLETED: frozenset(),
    DISCONTINUED: frozenset(),
}

# Moves that need a written reason whoever makes them.
REASON_REQUIRED = frozenset({DISCONTINUED})


def next_phases(current: str) -> list[str]:
    """The phases a course may move to from `current`, in course order."""
    allowed = TRANSITIONS[current]
    return [phase for phase in PHASES if phase in allowed]


def refusal(current: str, target: str, reason: str) -> str | None:
    """Why the move from `current` to `target` is not allowed, or None when it is."""
    if current not in TRANSITIONS:
        return f"Unknown phase {current!r}."
    if target not in TRANSITIONS:
        return f"Unknown phase {target!r}."
    if target not in TRANSITIONS[current]:
        if current in CLOSED:
            return f"The course is {LABELS[current].lower()}; its phase can no longer change."
        return f"A course cannot move from {LABELS[current]} to {LABELS[target]}."
    if target in REASON_REQUIRED and not reason.strip():
        return f"Moving a course to {LABELS[target]} needs a reason."
    return None
