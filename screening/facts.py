"""A screening candidate's facts: strict parsing of one JSON object into `Facts`.

Pure Python (no Django). The contract is issue 3's: a key that is absent and one that is null both
mean unknown; anything else must have exactly the right JSON type. The first problem is reported
with the key path that names it (`age`, `bp_readings[1][0]`, `phq9[8]`, `cssrs.q3`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

from screening import instruments
from screening.instruments import CssrsAnswers, InstrumentError, is_integer

SUBSTANCE_USE = ("none", "remission_12m_plus", "remission_under_12m", "active")
AGE_RANGE = range(0, 131)
MIN_BP_READINGS = 2  # fewer readings leave blood pressure unknown

BpReading = tuple[int, int]  # (systolic, diastolic) in mmHg


class FactsError(ValueError):
    """Invalid facts; `path` names the offending key (`bp_readings[1][0]`, `cssrs.q3`)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


@dataclass(frozen=True)
class Facts:
    """What is known about a candidate; None means unknown. Field names are the fact keys."""

    age: int | None = None
    bp_readings: tuple[BpReading, ...] | None = None  # None also when fewer than two readings
    psychosis_history: bool | None = None
    family_psychosis_history: bool | None = None
    bipolar_disorder: bool | None = None
    current_mania: bool | None = None
    substance_use: str | None = None
    pregnant: bool | None = None
    breastfeeding: bool | None = None
    ketamine_allergy: bool | None = None
    vascular_disease: bool | None = None
    cardiac_condition: bool | None = None
    raised_icp_or_glaucoma: bool | None = None
    severe_liver_disease: bool | None = None
    interstitial_cystitis: bool | None = None
    uncontrolled_hyperthyroidism: bool | None = None
    respiratory_disease: bool | None = None
    medications: tuple[str, ...] | None = None
    phq9: tuple[int, ...] | None = None
    gad7: tuple[int, ...] | None = None
    pcl5: tuple[int, ...] | None = None
    cssrs: CssrsAnswers | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready; `parse_facts(facts.as_dict()) == facts`."""
        return asdict(self)  # tuples become lists, CssrsAnswers a dict


FACT_KEYS: tuple[str, ...] = tuple(f.name for f in fields(Facts))


# --- one parser per kind of fact; each gets the key (its path) and a value that is not None ---


def _is_list(value: object) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def _yes_no(path: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise FactsError(path, "must be true or false")
    return value


def _age(path: str, value: object) -> int:
    if not is_integer(value) or value not in AGE_RANGE:
        raise FactsError(path, "must be a whole number of years from 0 to 130")
    return value


def _substance_use(path: str, value: object) -> str:
    if not isinstance(value, str) or value not in SUBSTANCE_USE:
        raise FactsError(path, f"must be one of {', '.join(SUBSTANCE_USE)}")
    return value


def _bp_readings(path: str, value: object) -> tuple[BpReading, ...] | None:
    if not _is_list(value):
        raise FactsError(path, "must be a list of [systolic, diastolic] readings")
    readings = []
    for i, pair in enumerate(value):
        where = f"{path}[{i}]"
        if not _is_list(pair) or len(pair) != 2:
            raise FactsError(where, "must be a [systolic, diastolic] pair")
        for j, mmhg in enumerate(pair):
            if not is_integer(mmhg) or mmhg <= 0:
                raise FactsError(f"{where}[{j}]", "must be a positive whole number of mmHg")
        systolic, diastolic = pair
        if diastolic >= systolic:
            raise FactsError(where, "diastolic must be below systolic")
        readings.append((systolic, diastolic))
    # Every reading given is checked, but the mean of fewer than two is not a fact.
    return tuple(readings) if len(readings) >= MIN_BP_READINGS else None


def _medications(path: str, value: object) -> tuple[str, ...]:
    if not _is_list(value):
        raise FactsError(path, "must be a list of medication names")
    for i, name in enumerate(value):
        if not isinstance(name, str):
            raise FactsError(f"{path}[{i}]", "must be a medication name (text)")
    return tuple(value)


def _instrument(code: str) -> Callable[[str, object], Any]:
    # Instruments name their own paths by code, and each code is also its fact key.
    if code == instruments.CSSRS.code:
        return lambda path, value: instruments.validate_cssrs(value)
    scale = instruments.INSTRUMENTS[code]
    return lambda path, value: instruments.validate_answers(scale, value)


_NOT_YES_NO: dict[str, Callable[[str, Any], Any]] = {
    "age": _age,
    "bp_readings": _bp_readings,
    "substance_use": _substance_use,
    "medications": _medications,
    **{code: _instrument(code) for code in instruments.SCORED_CODES},
}
_PARSERS = {key: _NOT_YES_NO.get(key, _yes_no) for key in FACT_KEYS}
YES_NO_FACTS: tuple[str, ...] = tuple(key for key in FACT_KEYS if key not in _NOT_YES_NO)


def parse_facts(obj: object) -> Facts:
    """Validate one JSON-decoded object of facts; raise FactsError naming the first problem.

    Keys are checked in the order the object gives them, so "first" means first in the file.
    """
    if not isinstance(obj, Mapping):
        raise FactsError("", "facts must be a JSON object")
    values: dict[str, Any] = {}
    for key, value in obj.items():
        parser = _PARSERS.get(key) if isinstance(key, str) else None
        if parser is None:
            raise FactsError(key if isinstance(key, str) and key else repr(key), "unknown fact")
        try:
            values[key] = None if value is None else parser(key, value)
        except InstrumentError as error:
            raise FactsError(error.path, error.message) from error
    return Facts(**values)
