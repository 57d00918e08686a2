"""`manage.py screen [--policy LABEL] FILE [FILE...]`: batch screening, and replaying a policy
change over the same files (issue 3's contract).

One JSON line per file on stdout, in order: the decision, or `{"file", "error"}` for a file that
cannot be screened, in which case the command exits 2 after all files. Reads the policy from the
database and writes nothing.

`manage.py screen --replay LABEL [--since DATE] [--json]` replays a version (a draft too) over the
stored facts of every decision made since DATE (default: 24 months ago) and reports what would
change, without names; it writes one audit event, like the preview page.
"""

import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import timezone

from screening import replay, services
from screening.errors import ScreeningError
from screening.facts import Facts, FactsError, parse_facts
from screening.models import ScreeningDecision
from screening.rules import Policy, PolicyError, evaluate, title
from screening.selectors import active_policy, policy_by_label

INVALID_FILES = 2


class _Object(dict):
    """A JSON object that remembers the first key it was given twice."""

    repeated: str | None = None


def _object(pairs: list[tuple[str, object]]) -> _Object:
    obj = _Object(pairs)
    if len(obj) < len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                obj.repeated = key
                break
            seen.add(key)
    return obj


class _Constant(str):
    """NaN, Infinity or -Infinity: Python's json reads them, JSON has no such numbers."""


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _first_oddity(obj: dict) -> FactsError | None:
    """A key given twice (the file says two things about one fact) or a non-JSON number, with
    its key path, in file order. A loop, not recursion: nesting depth is the file's choice."""
    stack: list[tuple[str, object]] = [("", obj)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, _Constant):
            return FactsError(path, f"{value} is not a JSON number")
        if isinstance(value, _Object):
            if value.repeated is not None:
                return FactsError(_join(path, value.repeated), "is given more than once")
            children = [(_join(path, key), item) for key, item in value.items()]
        elif isinstance(value, list):
            children = [(f"{path}[{i}]", item) for i, item in enumerate(value)]
        else:
            continue
        stack.extend(reversed(children))
    return None


def read_facts(path: str) -> Facts:
    """One file of facts, strictly: FactsError says the first problem, naming its key path."""
    try:
        with open(path, "rb") as file:
            raw = file.read()
    except FileNotFoundError:
        raise FactsError("", "no such file") from None
    except OSError as error:
        raise FactsError("", f"cannot read the file: {error.strerror or error}") from None
    try:
        obj = json.loads(raw, object_pairs_hook=_object, parse_constant=_Constant)
    except json.JSONDecodeError as error:
        raise FactsError("", f"not JSON: {error.msg} (line {error.lineno})") from None
    except UnicodeDecodeError:
        raise FactsError("", "not JSON: the file is not UTF-8 text") from None
    except RecursionError:
        raise FactsError("", "not JSON: nested too deeply") from None
    oddity = _first_oddity(obj) if isinstance(obj, dict) else None
    if oddity is not None:
        raise oddity
    return parse_facts(obj)


class Command(BaseCommand):
    help = (
        "Screen candidates' facts (one JSON object per file) against the active screening "
        "policy, or the published one named by --policy. Prints one JSON line per file; exits 2 "
        "if any file is invalid. Writes nothing. With --replay LABEL, replay that version (a "
        "draft too) over the stored decisions instead and report what would change."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--policy", metavar="LABEL", help="a published policy version (default: the active)"
        )
        parser.add_argument(
            "--replay",
            metavar="LABEL",
            help="replay this policy version over the stored decisions (no files)",
        )
        parser.add_argument(
            "--since",
            metavar="DATE",
            help=f"with --replay: decisions made on or after DATE, YYYY-MM-DD "
            f"(default: {services.DEFAULT_MONTHS} months ago)",
        )
        parser.add_argument(
            "--json", action="store_true", help="with --replay: one JSON object, not a report"
        )
        parser.add_argument("files", nargs="*", metavar="FILE")

    def handle(self, *args, policy=None, files=(), replay=None, since=None, **options):
        if replay is not None:
            if files or policy:
                raise CommandError("--replay reads the stored decisions: give no --policy or FILE.")
            return self._replay(replay, since, as_json=options["json"])
        if since is not None or options["json"]:
            raise CommandError("--since and --json go with --replay.")
        if not files:
            raise CommandError("Give at least one FILE of facts (or --replay LABEL).")
        rules = self._policy(policy)
        invalid = 0
        for path in files:
            try:
                line = {"file": path, **evaluate(read_facts(path), rules).as_dict()}
            except FactsError as error:
                invalid += 1
                line = {"file": path, "error": str(error)}
            self.stdout.write(json.dumps(line))
            self.stdout.flush()
        if invalid:
            raise CommandError(
                f"{invalid} of {len(files)} files could not be screened.", returncode=INVALID_FILES
            )

    def _policy(self, label: str | None) -> Policy:
        try:
            stored = policy_by_label(label, published=True) if label else active_policy()
            return stored.to_policy()
        except ScreeningError as error:
            raise CommandError(error.message) from None
        except PolicyError as error:
            raise CommandError(f"Screening policy {stored.label} is unusable: {error}") from None
        except DatabaseError as error:
            raise CommandError(f"Cannot read the screening policy: {error}") from None

    def _replay(self, label: str, since: str | None, *, as_json: bool) -> None:
        if since is None:
            start = replay.months_before(timezone.localdate(), services.DEFAULT_MONTHS)
        else:
            try:
                start = date.fromisoformat(since)
            except ValueError:
                raise CommandError(f"--since {since!r} is not a date (YYYY-MM-DD).") from None
        try:
            preview = services.policy_preview(by=None, policy=policy_by_label(label), since=start)
        except ScreeningError as error:
            raise CommandError(error.message) from None
        except DatabaseError as error:
            raise CommandError(f"Cannot read the stored decisions: {error}") from None
        self.stdout.write(json.dumps(_as_json(preview)) if as_json else "\n".join(_report(preview)))


def _changes(preview):
    for change in preview.impact.changes:
        meta = preview.changed[change.key]
        yield change, meta


def _as_json(preview) -> dict:
    impact = preview.impact
    return {
        "policy": preview.policy.label,
        "since": preview.since.isoformat() if preview.since else None,
        "replayed": impact.replayed,
        "unchanged": impact.unchanged,
        "changed": len(impact.changes),
        "outcome_changed": impact.outcome_changes,
        "unreadable": list(impact.unreadable),
        "transitions": [
            {"from": old, "to": new, "count": count}
            for (old, new), count in sorted(impact.transitions.items())
        ],
        "newly_firing": dict(impact.newly_firing),
        "stopped_firing": dict(impact.stopped_firing),
        "changes": [
            {
                "decision": change.key,
                "decided_at": meta.decided_at.isoformat(),
                "policy": meta.policy_label,
                "from": change.old_outcome,
                "to": change.new_outcome,
                "newly_firing": list(change.newly_firing),
                "stopped_firing": list(change.stopped_firing),
            }
            for change, meta in _changes(preview)
        ],
    }


def _outcome(code: str) -> str:
    return ScreeningDecision.OUTCOME_LABELS.get(code, code)


def _rule(code: str) -> str:
    return f"{title(code)} ({code})"


def _report(preview) -> list[str]:
    impact = preview.impact
    since = f" made since {preview.since:%Y-%m-%d}" if preview.since else ""
    lines = [
        f"Policy {preview.policy.label} replayed over {impact.replayed:,} decisions{since}.",
        f"Unchanged: {impact.unchanged:,}. Changed: {len(impact.changes):,} (outcome changed: "
        f"{impact.outcome_changes:,}). Could not be replayed: {len(impact.unreadable):,}.",
    ]
    moved = sorted((k, n) for k, n in impact.transitions.items() if k[0] != k[1])
    lines += ["", "Outcomes that change (before -> after):"]
    lines += [f"  {_outcome(old)} -> {_outcome(new)}: {n:,}" for (old, new), n in moved] or [
        "  none"
    ]
    for heading, counts in (
        ("Rules newly firing:", impact.newly_firing),
        ("Rules no longer firing:", impact.stopped_firing),
    ):
        lines += ["", heading]
        lines += [f"  {_rule(code)}: {n:,}" for code, n in counts.items()] or ["  none"]
    lines += ["", "Affected decisions:"]
    for change, meta in _changes(preview):
        rules = [f"+{code}" for code in change.newly_firing]
        rules += [f"-{code}" for code in change.stopped_firing]
        lines.append(
            f"  decision {change.key} of {meta.decided_at:%Y-%m-%d} (policy {meta.policy_label}): "
            f"{_outcome(change.old_outcome)} -> {_outcome(change.new_outcome)}"
            f"{' (' + ', '.join(rules) + ')' if rules else ''}"
        )
    if not impact.changes:
        lines.append("  none")
    return lines
