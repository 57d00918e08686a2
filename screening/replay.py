"""Replaying a policy version over stored decisions: whose outcome, and which rules, would change.

Pure Python (no Django). A stored decision kept every fact it read, so replaying is only
`rules.judge(stored facts, other policy)` (the engine's outcome and fired rules, without scoring
the questionnaires again) and comparing the answer with what was stored: the outcome, and the set
of rule codes that fired. Nothing here reads or writes a database; the
selectors feed it plain `Stored` rows and the services act on its `Change`s.
"""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from screening import rules
from screening.facts import FactsError, parse_facts

EXCLUDED = "excluded"


@dataclass(frozen=True)
class Stored:
    """What a stored decision holds that a replay needs. `key` identifies it to the caller."""

    key: Hashable
    outcome: str
    codes: tuple[str, ...]  # the rule codes that fired, in rule order
    facts: Mapping[str, Any]  # the facts as stored (JSON)


@dataclass(frozen=True)
class Change:
    """One stored decision that the replayed policy answers differently."""

    key: Hashable
    old_outcome: str
    new_outcome: str
    newly_firing: tuple[str, ...]  # in rule order
    stopped_firing: tuple[str, ...]  # in rule order
    new_reasons: tuple[rules.FiredRule, ...]

    @property
    def outcome_changed(self) -> bool:
        return self.old_outcome != self.new_outcome

    @property
    def newly_excluded(self) -> bool:
        return self.new_outcome == EXCLUDED and self.old_outcome != EXCLUDED

    @property
    def exclusions(self) -> tuple[rules.FiredRule, ...]:
        """The exclusion rules that fire under the replayed policy, with their messages."""
        return tuple(r for r in self.new_reasons if r.severity == "exclusion")


_ORDER = {rule.code: index for index, rule in enumerate(rules.RULES)}


def _in_rule_order(codes: Iterable[str]) -> tuple[str, ...]:
    # A code the engine no longer knows sorts last, by name, rather than being dropped.
    return tuple(sorted(codes, key=lambda code: (_ORDER.get(code, len(_ORDER)), code)))


def replay_one(stored: Stored, policy: rules.Policy) -> Change | None:
    """The change `policy` makes to one stored decision, or None when it answers the same.

    Raises FactsError when the stored facts no longer parse (an engine change made them invalid).
    """
    outcome, reasons = rules.judge(parse_facts(stored.facts), policy)
    old, new = set(stored.codes), {reason.code for reason in reasons}
    if outcome == stored.outcome and old == new:
        return None
    return Change(
        key=stored.key,
        old_outcome=stored.outcome,
        new_outcome=outcome,
        newly_firing=_in_rule_order(new - old),
        stopped_firing=_in_rule_order(old - new),
        new_reasons=reasons,
    )


@dataclass(frozen=True)
class Impact:
    """What replaying `policy` over a set of stored decisions would change."""

    policy: str
    replayed: int
    changes: tuple[Change, ...]
    # (old outcome, new outcome) -> decisions, unchanged pairs included.
    transitions: Mapping[tuple[str, str], int] = field(hash=False)
    newly_firing: Mapping[str, int] = field(hash=False)  # rule code -> decisions, rule order
    stopped_firing: Mapping[str, int] = field(hash=False)
    unreadable: tuple[Hashable, ...] = ()  # keys whose stored facts no longer parse
    keys: frozenset = frozenset()  # every key replayed (readable), changed or not

    @property
    def outcome_changes(self) -> int:
        return sum(1 for change in self.changes if change.outcome_changed)

    @property
    def unchanged(self) -> int:
        return self.replayed - len(self.changes) - len(self.unreadable)


def replay(stored: Iterable[Stored], policy: rules.Policy) -> Impact:
    """Replay `policy` over every stored decision, in the order given."""
    changes: list[Change] = []
    unreadable: list[Hashable] = []
    transitions: Counter[tuple[str, str]] = Counter()
    newly: Counter[str] = Counter()
    stopped: Counter[str] = Counter()
    count = 0
    keys = set()
    for row in stored:
        count += 1
        try:
            change = replay_one(row, policy)
        except FactsError:
            unreadable.append(row.key)
            continue
        keys.add(row.key)
        if change is None:
            transitions[(row.outcome, row.outcome)] += 1
            continue
        changes.append(change)
        transitions[(change.old_outcome, change.new_outcome)] += 1
        newly.update(change.newly_firing)
        stopped.update(change.stopped_firing)
    return Impact(
        policy=policy.label,
        replayed=count,
        changes=tuple(changes),
        transitions=dict(transitions),
        newly_firing={code: newly[code] for code in _in_rule_order(newly)},
        stopped_firing={code: stopped[code] for code in _in_rule_order(stopped)},
        unreadable=tuple(unreadable),
        keys=frozenset(keys),
    )


def group_changes(changes: Sequence[Change]) -> list[tuple[tuple[str, str, tuple, tuple], int]]:
    """Changes counted by (old outcome, new outcome, newly firing, stopped firing), largest group
    first: the affected list for readers who may not see who the patients are."""
    groups = Counter(
        (c.old_outcome, c.new_outcome, c.newly_firing, c.stopped_firing) for c in changes
    )
    return sorted(groups.items(), key=lambda item: (-item[1], item[0]))


def months_before(day: date, months: int) -> date:
    """The same day of the month `months` months earlier (the month's last day if shorter)."""
    if months < 0:
        raise ValueError("months must not be negative")
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# What each number of the screening policy means, for the page that compares two versions.
NUMBER_LABELS: Mapping[str, str] = {
    "hypertension_elevated_systolic": "Review limit, mean systolic blood pressure (mmHg)",
    "hypertension_elevated_diastolic": "Review limit, mean diastolic blood pressure (mmHg)",
    "hypertension_uncontrolled_systolic": "Exclusion limit, mean systolic blood pressure (mmHg)",
    "hypertension_uncontrolled_diastolic": "Exclusion limit, mean diastolic blood pressure (mmHg)",
    "pcl5_probable_ptsd": "PCL-5 probable PTSD from (points)",
    "rescreen_interval_days": "Screening repeated after (days)",
}


def differences(old: rules.Policy, new: rules.Policy) -> list[tuple[str, str, str]]:
    """(what, before, after) for every screening value `new` sets differently from `old`."""
    rows = [
        (label, str(getattr(old, name)), str(getattr(new, name)))
        for name, label in NUMBER_LABELS.items()
        if getattr(old, name) != getattr(new, name)
    ]
    before, after = old.interacting_medications, new.interacting_medications
    for drug_class in [*before, *(c for c in after if c not in before)]:
        was = {name.strip().lower() for name in before.get(drug_class, ())}
        now = {name.strip().lower() for name in after.get(drug_class, ())}
        if was == now:
            continue
        changes = [f"added {', '.join(sorted(now - was))}"] if now - was else []
        changes += [f"removed {', '.join(sorted(was - now))}"] if was - now else []
        rows.append(
            (
                f"Interacting medications: {drug_class}",
                f"{len(was)} names" if drug_class in before else "not listed",
                "; ".join(changes) if drug_class in after else "class removed",
            )
        )
    return rows
