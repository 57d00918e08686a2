"""The screening gate: facts + a versioned clinic policy -> an explainable decision.

Pure Python (no Django). CLINICAL.md "Screening policy v1" is implemented as one rule table
(`RULES`); the numbers and the medication list come from a `Policy`, which the Django side stores
as JSON (`Policy.from_dict` / `to_dict`) and versions by label.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from fractions import Fraction
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Literal

from screening import instruments
from screening.facts import BpReading, Facts

Severity = Literal["exclusion", "review"]
Outcome = Literal["eligible", "needs_review", "excluded", "incomplete"]
SafetyLevel = Literal["crisis", "alert"]

# Unknown essential facts make the outcome `incomplete`; unknown others count as "no".
ESSENTIAL_FACTS: tuple[str, ...] = (
    "age",
    "psychosis_history",
    "bp_readings",
    "pregnant",
    "phq9",
    "cssrs",
)
ADULT_AGE = 18

# The v1 clinic policy, screening part, as CLINICAL.md gives it. The data migration copies this
# dict literally; never edit it in place: a change is a new policy version.
POLICY_V1_DATA: dict[str, Any] = {
    "label": "v1",
    "hypertension_elevated_systolic": 140,
    "hypertension_elevated_diastolic": 90,
    "hypertension_uncontrolled_systolic": 160,
    "hypertension_uncontrolled_diastolic": 100,
    "pcl5_probable_ptsd": 33,
    "rescreen_interval_days": 90,
    "interacting_medications": {
        "benzodiazepines": [
            "alprazolam",
            "chlordiazepoxide",
            "clobazam",
            "clonazepam",
            "clorazepate",
            "diazepam",
            "lorazepam",
            "oxazepam",
            "temazepam",
            "triazolam",
            "xanax",
            "klonopin",
            "ativan",
            "valium",
            "restoril",
            "halcion",
        ],
        "lamotrigine": ["lamotrigine", "lamictal"],
        "maois": [
            "isocarboxazid",
            "phenelzine",
            "rasagiline",
            "selegiline",
            "tranylcypromine",
            "marplan",
            "nardil",
            "emsam",
            "parnate",
        ],
        "psychostimulants": [
            "amphetamine",
            "dexmethylphenidate",
            "dextroamphetamine",
            "lisdexamfetamine",
            "methamphetamine",
            "methylphenidate",
            "modafinil",
            "armodafinil",
            "adderall",
            "vyvanse",
            "ritalin",
            "concerta",
            "focalin",
            "provigil",
            "nuvigil",
        ],
        "opioids": [
            "buprenorphine",
            "codeine",
            "fentanyl",
            "hydrocodone",
            "hydromorphone",
            "methadone",
            "morphine",
            "oxycodone",
            "oxymorphone",
            "tapentadol",
            "tramadol",
            "suboxone",
            "subutex",
            "oxycontin",
            "percocet",
            "vicodin",
            "norco",
            "dilaudid",
        ],
    },
}


class PolicyError(ValueError):
    """A policy document that cannot be used; `path` names the key."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


def _medication_classes(data: object) -> Mapping[str, tuple[str, ...]]:
    path = "interacting_medications"
    if not isinstance(data, Mapping):
        raise PolicyError(path, "must map a medication class to a list of names")
    classes = {}
    for name, names in data.items():
        where = f"{path}.{name}"
        if not isinstance(name, str) or not name.strip():
            raise PolicyError(where, "a medication class needs a name")
        if isinstance(names, str) or not isinstance(names, list | tuple):
            raise PolicyError(where, "must be a list of medication names")
        for i, drug in enumerate(names):
            if not isinstance(drug, str) or not drug.strip():
                raise PolicyError(f"{where}[{i}]", "must be a medication name")
        classes[name] = tuple(names)
    return MappingProxyType(classes)


@dataclass(frozen=True)
class Policy:
    """The screening part of one clinic policy version. Thresholds are mmHg, points or days."""

    label: str
    hypertension_elevated_systolic: int = POLICY_V1_DATA["hypertension_elevated_systolic"]
    hypertension_elevated_diastolic: int = POLICY_V1_DATA["hypertension_elevated_diastolic"]
    hypertension_uncontrolled_systolic: int = POLICY_V1_DATA["hypertension_uncontrolled_systolic"]
    hypertension_uncontrolled_diastolic: int = POLICY_V1_DATA["hypertension_uncontrolled_diastolic"]
    pcl5_probable_ptsd: int = POLICY_V1_DATA["pcl5_probable_ptsd"]
    rescreen_interval_days: int = POLICY_V1_DATA["rescreen_interval_days"]
    # class name -> names that match it; read-only once built.
    interacting_medications: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: POLICY_V1_DATA["interacting_medications"], hash=False
    )

    def __post_init__(self) -> None:
        if not isinstance(self.label, str) or not self.label.strip():
            raise PolicyError("label", "a policy needs a label")
        for name in _NUMBERS:
            value = getattr(self, name)
            if not instruments.is_integer(value) or value <= 0:
                raise PolicyError(name, "must be a positive whole number")
        for side in ("systolic", "diastolic"):
            # Otherwise the review band would be empty or upside down.
            if getattr(self, f"hypertension_elevated_{side}") >= getattr(
                self, f"hypertension_uncontrolled_{side}"
            ):
                raise PolicyError(
                    f"hypertension_elevated_{side}", "must be below the uncontrolled limit"
                )
        object.__setattr__(
            self, "interacting_medications", _medication_classes(self.interacting_medications)
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, label: str | None = None) -> Policy:
        """Build from stored JSON. Every screening key is required (a typo must not fall back to
        a default); other keys belong to other parts of the clinic policy and are ignored.
        `label` is for callers that keep the label beside the JSON rather than in it."""
        if not isinstance(data, Mapping):
            raise PolicyError("", "a policy must be a JSON object")
        for name in _KEYS:
            if name not in data:
                raise PolicyError(name, "required")
        return cls(
            label=data.get("label") if label is None else label,
            **{name: data[name] for name in _KEYS},
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; `Policy.from_dict(p.to_dict()) == p`."""
        return {
            "label": self.label,
            **{name: getattr(self, name) for name in _NUMBERS},
            "interacting_medications": {
                name: list(drugs) for name, drugs in self.interacting_medications.items()
            },
        }

    def screening_current(self, screened_on: date, today: date) -> bool:
        """A screening is repeated once it is older than the re-screen interval."""
        return (today - screened_on).days <= self.rescreen_interval_days


_KEYS = tuple(f.name for f in fields(Policy) if f.name != "label")
_NUMBERS = tuple(name for name in _KEYS if name != "interacting_medications")
POLICY_V1 = Policy.from_dict(POLICY_V1_DATA)


# --- the facts a rule reads -----------------------------------------------------------------


def mean_blood_pressure(readings: tuple[BpReading, ...] | None) -> tuple[Fraction, Fraction] | None:
    """Exact mean (systolic, diastolic): Fractions, so 139.5 never rounds up to 140."""
    if not readings or len(readings) < 2:
        return None
    count = len(readings)
    return (
        Fraction(sum(s for s, _ in readings), count),
        Fraction(sum(d for _, d in readings), count),
    )


@lru_cache(maxsize=256)
def _whole_word(names: tuple[str, ...]) -> re.Pattern[str]:
    # A word is a run of letters, so digits and punctuation end it: "Xanax2mg" and
    # "buprenorphine/naloxone" match, "Klonopinex" and "dextroamphetamine" (for amphetamine) do
    # not. Longest names first, so the reported name is the most specific one.
    alternatives = "|".join(re.escape(n.strip()) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![^\W\d_])(?:{alternatives})(?![^\W\d_])", re.IGNORECASE)


def interacting_medications(
    medications: tuple[str, ...] | None, policy: Policy
) -> tuple[tuple[str, str, str], ...]:
    """(medication entry, class, matched name) for each entry that names an interacting drug."""
    found = []
    for entry in medications or ():
        for drug_class, names in policy.interacting_medications.items():
            match = _whole_word(names).search(entry)
            if match:
                found.append((entry, drug_class, match.group(0).lower()))
    return tuple(found)


@dataclass(frozen=True)
class _Case:
    facts: Facts
    policy: Policy
    mean_bp: tuple[Fraction, Fraction] | None
    cssrs_risk: instruments.Risk | None


def _case(facts: Facts, policy: Policy) -> _Case:
    risk = instruments.cssrs_risk(facts.cssrs) if facts.cssrs is not None else None
    return _Case(facts, policy, mean_blood_pressure(facts.bp_readings), risk)


# --- the rule table ---------------------------------------------------------------------------

# A check returns False (did not fire), True (fired: the description is the message) or a
# sentence with the details that made it fire.
Check = Callable[[_Case], bool | str]


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity
    description: str  # what the rule means, for the decision page
    check: Check = field(repr=False, compare=False)


@dataclass(frozen=True)
class FiredRule:
    code: str
    severity: Severity
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "severity": self.severity, "message": self.message}


def _yes(fact: str) -> Check:
    return lambda case: getattr(case.facts, fact) is True


def _mmhg(value: Fraction) -> str:
    # Rounded down to 0.1 so a shown mean never crosses a whole-number limit the exact one did not.
    tenths = value * 10 // 1
    return str(tenths // 10) if tenths % 10 == 0 else f"{tenths // 10}.{tenths % 10}"


def _bp_at_or_above(case: _Case, band: str) -> bool | str:
    if case.mean_bp is None:
        return False
    systolic, diastolic = case.mean_bp
    limit_s = getattr(case.policy, f"hypertension_{band}_systolic")
    limit_d = getattr(case.policy, f"hypertension_{band}_diastolic")
    if systolic < limit_s and diastolic < limit_d:
        return False
    count = len(case.facts.bp_readings or ())
    return (
        f"Mean seated blood pressure {_mmhg(systolic)}/{_mmhg(diastolic)} mmHg over {count} "
        f"readings is at or above the {band} limit of {limit_s}/{limit_d} mmHg."
    )


def _hypertension_elevated(case: _Case) -> bool | str:
    # The bands never fire together: uncontrolled takes the reading.
    if _bp_at_or_above(case, "uncontrolled"):
        return False
    return _bp_at_or_above(case, "elevated")


def _minor(case: _Case) -> bool | str:
    age = case.facts.age
    return age is not None and age < ADULT_AGE and f"Age {age}: under {ADULT_AGE}."


def _substance_use(case: _Case) -> bool | str:
    wording = {
        "active": "Active substance use disorder.",
        "remission_under_12m": "Substance use disorder in remission for less than 12 months.",
    }
    return wording.get(case.facts.substance_use or "", False)


def _interacting_medication(case: _Case) -> bool | str:
    found = interacting_medications(case.facts.medications, case.policy)
    listed = "; ".join(f"{entry} ({cls}: {name})" for entry, cls, name in found)
    return bool(found) and f"Interacting medication: {listed}."


def _phq9_item9(case: _Case) -> bool | str:
    answers = case.facts.phq9
    if answers is None or answers[instruments.PHQ9_ITEM9] == 0:
        return False
    value = answers[instruments.PHQ9_ITEM9]
    return (
        f"PHQ-9 item 9 (thoughts of being better off dead or of self-harm) answered "
        f"{value}, {instruments.PHQ9.label_of(value).lower()}: clinician safety assessment."
    )


def _risk(level: instruments.Risk) -> Check:
    return lambda case: case.cssrs_risk == level


def _suicidal_ideation(case: _Case) -> bool:
    cssrs = case.facts.cssrs
    return cssrs is not None and cssrs.q2 and case.cssrs_risk == "low"


EXCLUDE: Severity = "exclusion"
REVIEW: Severity = "review"
# In CLINICAL.md's order, which is also the order reasons are listed in.
RULES: tuple[Rule, ...] = (
    Rule(
        "psychosis",
        EXCLUDE,
        "History of a primary psychotic disorder or psychotic episode.",
        _yes("psychosis_history"),
    ),
    Rule(
        "hypertension_uncontrolled",
        EXCLUDE,
        "Mean seated systolic or diastolic blood pressure at or above the policy's "
        "uncontrolled limit (v1: 160/100 mmHg).",
        lambda case: _bp_at_or_above(case, "uncontrolled"),
    ),
    Rule(
        "ketamine_allergy",
        EXCLUDE,
        "Known hypersensitivity to ketamine or esketamine.",
        _yes("ketamine_allergy"),
    ),
    Rule(
        "vascular",
        EXCLUDE,
        "Aneurysmal vascular disease, arteriovenous malformation, or a history of "
        "intracerebral haemorrhage.",
        _yes("vascular_disease"),
    ),
    Rule("pregnancy", EXCLUDE, "Currently pregnant.", _yes("pregnant")),
    Rule("minor", EXCLUDE, "Age under 18.", _minor),
    Rule("mania", EXCLUDE, "Current manic or mixed episode.", _yes("current_mania")),
    Rule(
        "suicide_risk_high",
        EXCLUDE,
        "C-SSRS screener high risk (intent, a plan, or suicidal behaviour in the past 3 "
        "months): refer for crisis evaluation now and alert a clinician.",
        _risk("high"),
    ),
    Rule(
        "hypertension_elevated",
        REVIEW,
        "Mean seated systolic or diastolic blood pressure at or above the policy's review "
        "limit (v1: 140/90 mmHg) but below the uncontrolled limit.",
        _hypertension_elevated,
    ),
    Rule(
        "bipolar",
        REVIEW,
        "Bipolar disorder, not in a current manic or mixed episode.",
        lambda case: case.facts.bipolar_disorder is True and case.facts.current_mania is not True,
    ),
    Rule(
        "substance_use",
        REVIEW,
        "Active substance use disorder, or in remission for less than 12 months.",
        _substance_use,
    ),
    Rule(
        "family_psychosis",
        REVIEW,
        "First-degree relative with a psychotic disorder.",
        _yes("family_psychosis_history"),
    ),
    Rule(
        "cardiac",
        REVIEW,
        "Arrhythmia, angina, coronary disease or heart failure: medical clearance needed.",
        _yes("cardiac_condition"),
    ),
    Rule(
        "neuro_eye",
        REVIEW,
        "Raised intracranial pressure or uncontrolled glaucoma.",
        _yes("raised_icp_or_glaucoma"),
    ),
    Rule("hepatic", REVIEW, "Severe liver disease.", _yes("severe_liver_disease")),
    Rule(
        "urologic",
        REVIEW,
        "Interstitial cystitis or ketamine-related bladder problems.",
        _yes("interstitial_cystitis"),
    ),
    Rule("thyroid", REVIEW, "Uncontrolled hyperthyroidism.", _yes("uncontrolled_hyperthyroidism")),
    Rule(
        "respiratory",
        REVIEW,
        "Sleep apnoea or significant respiratory disease.",
        _yes("respiratory_disease"),
    ),
    Rule("breastfeeding", REVIEW, "Currently breastfeeding.", _yes("breastfeeding")),
    Rule(
        "interacting_medication",
        REVIEW,
        "Takes a benzodiazepine, lamotrigine, an MAOI, a psychostimulant or an opioid (the "
        "policy's medication list).",
        _interacting_medication,
    ),
    Rule(
        "suicide_risk_moderate",
        REVIEW,
        "C-SSRS screener moderate risk (thoughts with a method, or suicidal behaviour more "
        "than 3 months ago): safety plan before enrollment.",
        _risk("moderate"),
    ),
    Rule(
        "suicidal_ideation",
        REVIEW,
        "C-SSRS Q2 yes (active suicidal thoughts) while the risk is only low: clinician review.",
        _suicidal_ideation,
    ),
    Rule(
        "phq9_item9",
        REVIEW,
        "PHQ-9 item 9 above 0 (thoughts of being better off dead or of self-harm): clinician "
        "safety assessment.",
        _phq9_item9,
    ),
)
RULES_BY_CODE: Mapping[str, Rule] = MappingProxyType({rule.code: rule for rule in RULES})

# Each rule's short name for pages, alerts and reports (its code shown small beside it).
TITLES: Mapping[str, str] = MappingProxyType(
    {
        "psychosis": "History of psychosis",
        "hypertension_uncontrolled": "Uncontrolled blood pressure",
        "ketamine_allergy": "Ketamine allergy",
        "vascular": "Vascular disease or intracerebral haemorrhage",
        "pregnancy": "Pregnancy",
        "minor": "Under 18",
        "mania": "Current manic or mixed episode",
        "suicide_risk_high": "High suicide risk (C-SSRS)",
        "hypertension_elevated": "Blood pressure in the review band",
        "bipolar": "Bipolar disorder",
        "substance_use": "Substance use disorder",
        "family_psychosis": "Family history of psychosis",
        "cardiac": "Heart condition",
        "neuro_eye": "Raised intracranial pressure or glaucoma",
        "hepatic": "Severe liver disease",
        "urologic": "Bladder problems",
        "thyroid": "Uncontrolled hyperthyroidism",
        "respiratory": "Sleep apnoea or respiratory disease",
        "breastfeeding": "Breastfeeding",
        "interacting_medication": "Interacting medication",
        "suicide_risk_moderate": "Moderate suicide risk (C-SSRS)",
        "suicidal_ideation": "Active suicidal thoughts (C-SSRS)",
        "phq9_item9": "PHQ-9 item 9 above 0",
    }
)


def title(code: str) -> str:
    """A rule's short name; an unknown code (from an older engine) is shown as it is."""
    return TITLES.get(code, code)


# The rules that are also safety alerts, and how urgent each is (CLINICAL.md "Safety alerts").
SAFETY_LEVELS: Mapping[str, SafetyLevel] = MappingProxyType(
    {
        "suicide_risk_high": "crisis",
        "suicide_risk_moderate": "alert",
        "suicidal_ideation": "alert",
        "phq9_item9": "alert",
    }
)


def explain(code: str) -> Rule:
    """The rule behind a reason code (KeyError for an unknown code)."""
    return RULES_BY_CODE[code]


# --- the decision -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SafetyFlag:
    code: str  # the rule code that raised it
    level: SafetyLevel  # crisis: protocol on screen now; alert: the care team the same day
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "level": self.level, "message": self.message}


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    reasons: tuple[FiredRule, ...]
    missing: tuple[str, ...]  # unknown essential facts, whatever the outcome
    policy: str  # the label of the policy version used
    scores: Mapping[str, Mapping[str, Any]] = field(hash=False)
    safety_flags: tuple[SafetyFlag, ...] = ()

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(reason.code for reason in self.reasons)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, in the `manage.py screen` shape plus `details` and `safety_flags`."""
        return {
            "outcome": self.outcome,
            "reasons": list(self.codes),
            "missing": list(self.missing),
            "ruleset": self.policy,
            "scores": {code: dict(result) for code, result in self.scores.items()},
            "details": [reason.as_dict() for reason in self.reasons],
            "safety_flags": [flag.as_dict() for flag in self.safety_flags],
        }


def _fire(rules: tuple[Rule, ...], case: _Case) -> tuple[FiredRule, ...]:
    fired = []
    for rule in rules:
        result = rule.check(case)
        if result:
            message = result if isinstance(result, str) else rule.description
            fired.append(FiredRule(rule.code, rule.severity, message))
    return tuple(fired)


def _flags(reasons: tuple[FiredRule, ...]) -> tuple[SafetyFlag, ...]:
    return tuple(
        SafetyFlag(r.code, SAFETY_LEVELS[r.code], r.message)
        for r in reasons
        if r.code in SAFETY_LEVELS
    )


def missing_facts(facts: Facts) -> tuple[str, ...]:
    return tuple(key for key in ESSENTIAL_FACTS if getattr(facts, key) is None)


def scores(facts: Facts, policy: Policy) -> dict[str, dict[str, Any]]:
    """Each instrument given, scored; the policy sets the PCL-5 threshold."""
    return {
        code: instruments.score(
            code, getattr(facts, code), pcl5_threshold=policy.pcl5_probable_ptsd
        ).as_dict()
        for code in instruments.SCORED_CODES
        if getattr(facts, code) is not None
    }


def outcome_of(reasons: tuple[FiredRule, ...], missing: tuple[str, ...]) -> Outcome:
    """Precedence: an exclusion, then missing facts, then review items."""
    if any(reason.severity == "exclusion" for reason in reasons):
        return "excluded"
    if missing:
        return "incomplete"
    if reasons:
        return "needs_review"
    return "eligible"


def judge(facts: Facts, policy: Policy) -> tuple[Outcome, tuple[FiredRule, ...]]:
    """The outcome and the rules that fire, as `evaluate` gives them, without scoring the
    instruments: what a replay over many stored decisions compares."""
    reasons = _fire(RULES, _case(facts, policy))
    return outcome_of(reasons, missing_facts(facts)), reasons


def evaluate(facts: Facts, policy: Policy) -> Decision:
    reasons = _fire(RULES, _case(facts, policy))
    missing = missing_facts(facts)
    return Decision(
        outcome=outcome_of(reasons, missing),
        reasons=reasons,
        missing=missing,
        policy=policy.label,
        scores=scores(facts, policy),
        safety_flags=_flags(reasons),
    )


_SAFETY_RULES = tuple(rule for rule in RULES if rule.code in SAFETY_LEVELS)


def safety_flags(facts: Facts) -> tuple[SafetyFlag, ...]:
    """The safety alerts the facts raise, on their own (no policy value takes part)."""
    return _flags(_fire(_SAFETY_RULES, _case(facts, POLICY_V1)))
