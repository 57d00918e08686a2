"""`manage.py screen [--policy LABEL] FILE [FILE...]`: batch screening, and replaying a policy
change over the same files (issue 3's contract).

One JSON line per file on stdout, in order: the decision, or `{"file", "error"}` for a file that
cannot be screened, in which case the command exits 2 after all files. Reads the policy from the
database and writes nothing.
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from screening.errors import ScreeningError
from screening.facts import Facts, FactsError, parse_facts
from screening.rules import Policy, PolicyError, evaluate
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
        "if any file is invalid. Writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--policy", metavar="LABEL", help="a published policy version (default: the active)"
        )
        parser.add_argument("files", nargs="+", metavar="FILE")

    def handle(self, *args, policy=None, files=(), **options):
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
