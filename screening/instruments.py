"""Screening instruments as data: item texts, answer choices, validation and scoring.

Pure Python (no Django). Models store the answers; this module says what they mean. Numbers and
bands follow CLINICAL.md ("Instruments"). Item texts are data so the clinic can replace them under
a new `version` without touching the scoring.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

Risk = Literal["none", "low", "moderate", "high"]
RISK_LEVELS: tuple[Risk, ...] = ("none", "low", "moderate", "high")


class InstrumentError(ValueError):
    """Answers that do not fit the instrument; `path` names the item (`phq9[8]`, `cssrs.q3`)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def is_integer(value: object) -> bool:
    """A real integer: JSON `true` decodes to a bool, which Python counts as an int."""
    return isinstance(value, int) and not isinstance(value, bool)


# --- definitions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    value: int
    label: str


@dataclass(frozen=True)
class Instrument:
    """A rating scale: every item answered with one of the same choices, scored by the sum."""

    code: str
    title: str
    version: str
    stem: str  # read before the items: the time frame and the question
    items: tuple[str, ...]
    choices: tuple[Choice, ...]
    # (highest total in the band, label), ascending; empty when the scale has no bands.
    severity_bands: tuple[tuple[int, str], ...] = ()
    loinc_panel: str | None = None
    loinc_total: str | None = None
    loinc_items: tuple[tuple[int, str], ...] = ()  # (0-based item index, LOINC code)
    remission_below: int | None = None  # remission: total strictly below this
    meaningful_change: int | None = None  # a change of at least this many points matters

    @property
    def min_answer(self) -> int:
        return min(c.value for c in self.choices)

    @property
    def max_answer(self) -> int:
        return max(c.value for c in self.choices)

    @property
    def max_total(self) -> int:
        return self.max_answer * len(self.items)

    def label_of(self, value: int) -> str:
        return next(c.label for c in self.choices if c.value == value)

    def severity(self, total: int) -> str:
        for highest, label in self.severity_bands:
            if total <= highest:
                return label
        raise ValueError(f"{self.code}: total {total} is outside every band")


_FREQUENCY = (
    Choice(0, "Not at all"),
    Choice(1, "Several days"),
    Choice(2, "More than half the days"),
    Choice(3, "Nearly every day"),
)
_TWO_WEEKS = "Over the last 2 weeks, how often have you been bothered by"

PHQ9 = Instrument(
    code="phq9",
    title="Patient Health Questionnaire (PHQ-9)",
    version="1",
    stem=f"{_TWO_WEEKS} any of the following problems?",
    items=(
        "Little interest or pleasure in doing things",
        "Feeling down, depressed, or hopeless",
        "Trouble falling or staying asleep, or sleeping too much",
        "Feeling tired or having little energy",
        "Poor appetite or overeating",
        "Feeling bad about yourself — or that you are a failure or have let yourself or your "
        "family down",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "Moving or speaking so slowly that other people could have noticed? Or the opposite — "
        "being so fidgety or restless that you have been moving around a lot more than usual",
        "Thoughts that you would be better off dead or of hurting yourself in some way",
    ),
    choices=_FREQUENCY,
    severity_bands=(
        (4, "minimal"),
        (9, "mild"),
        (14, "moderate"),
        (19, "moderately severe"),
        (27, "severe"),
    ),
    loinc_panel="44249-1",
    loinc_total="44261-6",
    loinc_items=((8, "44260-8"),),
    remission_below=5,
)
PHQ9_ITEM9 = 8  # 0-based index of the self-harm item, the safety flag

GAD7 = Instrument(
    code="gad7",
    title="Generalized Anxiety Disorder scale (GAD-7)",
    version="1",
    stem=f"{_TWO_WEEKS} the following problems?",
    items=(
        "Feeling nervous, anxious, or on edge",
        "Not being able to stop or control worrying",
        "Worrying too much about different things",
        "Trouble relaxing",
        "Being so restless that it is hard to sit still",
        "Becoming easily annoyed or irritable",
        "Feeling afraid, as if something awful might happen",
    ),
    choices=_FREQUENCY,
    severity_bands=((4, "minimal"), (9, "mild"), (14, "moderate"), (21, "severe")),
    loinc_total="70274-6",
    remission_below=5,
)

_EVENT = "the stressful experience"
PCL5 = Instrument(
    code="pcl5",
    title="PTSD Checklist for DSM-5 (PCL-5)",
    version="1",
    stem="In the past month, how much were you bothered by:",
    items=(
        f"Repeated, disturbing, and unwanted memories of {_EVENT}?",
        f"Repeated, disturbing dreams of {_EVENT}?",
        f"Suddenly feeling or acting as if {_EVENT} were actually happening again (as if you "
        "were actually back there reliving it)?",
        f"Feeling very upset when something reminded you of {_EVENT}?",
        f"Having strong physical reactions when something reminded you of {_EVENT} (for "
        "example, heart pounding, trouble breathing, sweating)?",
        f"Avoiding memories, thoughts, or feelings related to {_EVENT}?",
        f"Avoiding external reminders of {_EVENT} (for example, people, places, conversations, "
        "activities, objects, or situations)?",
        f"Trouble remembering important parts of {_EVENT}?",
        "Having strong negative beliefs about yourself, other people, or the world (for example, "
        "having thoughts such as: I am bad, there is something seriously wrong with me, no one "
        "can be trusted, the world is completely dangerous)?",
        f"Blaming yourself or someone else for {_EVENT} or what happened after it?",
        "Having strong negative feelings such as fear, horror, anger, guilt, or shame?",
        "Loss of interest in activities that you used to enjoy?",
        "Feeling distant or cut off from other people?",
        "Trouble experiencing positive feelings (for example, being unable to feel happiness or "
        "have loving feelings for people close to you)?",
        "Irritable behavior, angry outbursts, or acting aggressively?",
        "Taking too many risks or doing things that could cause you harm?",
        'Being "superalert" or watchful or on guard?',
        "Feeling jumpy or easily startled?",
        "Having difficulty concentrating?",
        "Trouble falling or staying asleep?",
    ),
    choices=(
        Choice(0, "Not at all"),
        Choice(1, "A little bit"),
        Choice(2, "Moderately"),
        Choice(3, "Quite a bit"),
        Choice(4, "Extremely"),
    ),
    meaningful_change=10,
)
PCL5_PROBABLE_PTSD = 33  # the v1 policy's default; the policy passes its own
PCL5_ENDORSED = 2  # an item rated at least this counts as a symptom
# DSM-5 clusters as (name, 0-based item indexes, symptoms needed): B = items 1-5, C = 6-7,
# D = 8-14, E = 15-20.
PCL5_CLUSTERS: tuple[tuple[str, range, int], ...] = (
    ("B", range(0, 5), 1),
    ("C", range(5, 7), 1),
    ("D", range(7, 14), 2),
    ("E", range(14, 20), 2),
)

INSTRUMENTS: dict[str, Instrument] = {i.code: i for i in (PHQ9, GAD7, PCL5)}


@dataclass(frozen=True)
class YesNoQuestion:
    key: str
    text: str
    asked_when: str | None = None  # asked only when this earlier question was answered yes


@dataclass(frozen=True)
class YesNoScreener:
    code: str
    title: str
    version: str
    stem: str
    questions: tuple[YesNoQuestion, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(q.key for q in self.questions)


CSSRS = YesNoScreener(
    code="cssrs",
    title="Columbia Suicide Severity Rating Scale, screener (C-SSRS)",
    version="1",
    stem="In the past month:",
    questions=(
        YesNoQuestion(
            "q1", "Have you wished you were dead or wished you could go to sleep and not wake up?"
        ),
        YesNoQuestion("q2", "Have you actually had any thoughts of killing yourself?"),
        YesNoQuestion("q3", "Have you been thinking about how you might do this?", "q2"),
        YesNoQuestion(
            "q4", "Have you had these thoughts and had some intention of acting on them?", "q2"
        ),
        YesNoQuestion(
            "q5",
            "Have you started to work out or worked out the details of how to "
            "kill yourself? Do you intend to carry out this plan?",
            "q2",
        ),
        YesNoQuestion(
            "q6",
            "Have you ever done anything, started to do anything, or prepared to "
            "do anything to end your life?",
        ),
        YesNoQuestion("q6_recent", "Was this within the past 3 months?", "q6"),
    ),
)


@dataclass(frozen=True)
class CssrsAnswers:
    """Validated screener answers; a question skipped by the skip logic is None."""

    q1: bool
    q2: bool
    q3: bool | None
    q4: bool | None
    q5: bool | None
    q6: bool
    q6_recent: bool | None

    def as_dict(self) -> dict[str, bool | None]:
        return asdict(self)


# --- validation --------------------------------------------------------------------------------


def validate_answers(instrument: Instrument, answers: object) -> tuple[int, ...]:
    """Check a complete list of answers and return it as a tuple; raise InstrumentError."""
    code = instrument.code
    if isinstance(answers, str | bytes) or not isinstance(answers, Sequence):
        raise InstrumentError(code, f"must be a list of {len(instrument.items)} answers")
    if len(answers) != len(instrument.items):
        raise InstrumentError(
            code, f"must have {len(instrument.items)} answers, not {len(answers)}"
        )
    low, high = instrument.min_answer, instrument.max_answer
    for index, answer in enumerate(answers):
        path = f"{code}[{index}]"
        if answer is None:
            raise InstrumentError(path, "is not answered")
        if not is_integer(answer) or not low <= answer <= high:
            raise InstrumentError(path, f"must be a whole number from {low} to {high}")
    return tuple(answers)


def validate_cssrs(answers: Mapping[str, Any] | CssrsAnswers) -> CssrsAnswers:
    """Check the screener's answers against its skip logic; raise InstrumentError."""
    if isinstance(answers, CssrsAnswers):
        answers = answers.as_dict()
    if not isinstance(answers, Mapping):
        raise InstrumentError(CSSRS.code, "must be an object of yes/no answers")
    for key in answers:
        if key not in CSSRS.keys:
            raise InstrumentError(f"{CSSRS.code}.{key}", "is not a question of the screener")
    for question in CSSRS.questions:
        path, value = f"{CSSRS.code}.{question.key}", answers.get(question.key)
        # Questions run in order, so the one that opens this is already a checked bool.
        asked = question.asked_when is None or answers.get(question.asked_when) is True
        if not asked:
            if value is not None:
                raise InstrumentError(path, f"must be left out when {question.asked_when} is no")
        elif value is None:
            when = f" when {question.asked_when} is yes" if question.asked_when else ""
            raise InstrumentError(path, f"required{when}")
        elif not isinstance(value, bool):
            raise InstrumentError(path, "must be true or false")
    return CssrsAnswers(**{key: answers.get(key) for key in CSSRS.keys})


# --- scoring -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Phq9Result:
    total: int
    severity: str
    item9: int

    @property
    def item9_flag(self) -> bool:
        return self.item9 > 0

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "item9_flag": self.item9_flag}


@dataclass(frozen=True)
class Gad7Result:
    total: int
    severity: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Pcl5Result:
    total: int
    probable_ptsd: bool
    provisional_dsm5: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CssrsResult:
    risk: Risk
    active_ideation: bool  # Q2 yes

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


ScoreResult = Phq9Result | Gad7Result | Pcl5Result | CssrsResult


def score_phq9(answers: Sequence[int]) -> Phq9Result:
    valid = validate_answers(PHQ9, answers)
    total = sum(valid)
    return Phq9Result(total, PHQ9.severity(total), valid[PHQ9_ITEM9])


def score_gad7(answers: Sequence[int]) -> Gad7Result:
    total = sum(validate_answers(GAD7, answers))
    return Gad7Result(total, GAD7.severity(total))


def score_pcl5(answers: Sequence[int], threshold: int = PCL5_PROBABLE_PTSD) -> Pcl5Result:
    valid = validate_answers(PCL5, answers)
    total = sum(valid)
    provisional = all(
        sum(valid[i] >= PCL5_ENDORSED for i in items) >= needed
        for _, items, needed in PCL5_CLUSTERS
    )
    return Pcl5Result(total, total >= threshold, provisional)


def cssrs_risk(answers: CssrsAnswers) -> Risk:
    """Triage exactly as CLINICAL.md words it; skipped answers (None) count as no."""
    if answers.q4 or answers.q5 or answers.q6_recent:
        return "high"
    if answers.q3 or (answers.q6 and not answers.q6_recent):
        return "moderate"
    if answers.q1 or answers.q2:
        return "low"
    return "none"


def score_cssrs(answers: Mapping[str, Any] | CssrsAnswers) -> CssrsResult:
    valid = validate_cssrs(answers)
    return CssrsResult(cssrs_risk(valid), valid.q2)


def score(code: str, answers: Any, *, pcl5_threshold: int = PCL5_PROBABLE_PTSD) -> ScoreResult:
    """Validate and score one instrument by its code (`phq9`, `gad7`, `pcl5`, `cssrs`)."""
    if code == "phq9":
        return score_phq9(answers)
    if code == "gad7":
        return score_gad7(answers)
    if code == "pcl5":
        return score_pcl5(answers, pcl5_threshold)
    if code == "cssrs":
        return score_cssrs(answers)
    raise KeyError(code)


SCORED_CODES: tuple[str, ...] = (*INSTRUMENTS, CSSRS.code)


# --- outcomes over a course --------------------------------------------------------------------


def response(baseline_total: int, current_total: int) -> bool:
    """Response: the total has fallen by at least half from the course baseline.

    Compared in integers (2 * fall >= baseline) so an odd baseline needs no rounding. A baseline
    of 0 has nothing to fall from, so it is never a response.
    """
    if baseline_total < 0 or current_total < 0:
        raise ValueError("totals are never negative")
    return baseline_total > 0 and 2 * (baseline_total - current_total) >= baseline_total


def remission(code: str, total: int) -> bool:
    """Remission: PHQ-9 < 5, GAD-7 < 5; other instruments define none."""
    cutoff = INSTRUMENTS[code].remission_below
    if cutoff is None:
        raise ValueError(f"{code} has no remission cut-off")
    return total < cutoff


def meaningful_change(code: str, baseline_total: int, current_total: int) -> bool:
    """A clinically meaningful change either way (PCL-5: 10 points)."""
    points = INSTRUMENTS[code].meaningful_change
    if points is None:
        raise ValueError(f"{code} has no meaningful-change size")
    return abs(current_total - baseline_total) >= points
