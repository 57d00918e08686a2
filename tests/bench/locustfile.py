"""Locust users for `make bench` (run headless by tests/bench/web.py, never imported by Django).

The plan is a JSON file named by BENCH_PLAN:
- "pages": [{"name", "method", "path", "data", "role"}]: what to request;
- "accounts": {role: [usernames]} and "cookies": {username: session id};
- "mode": "cycle" (each user requests every page in turn: latency at one user), "single" (every
  user requests the plan's one page: throughput), or "mix" (the load test: each user takes the
  next role of "mix", signs in as its own account and picks that role's pages at random, with a
  think time).
- "out": where to write every page request's time and outcome when the run ends (JSON).

Users arrive signed in (a session made beforehand): the figures are the pages' alone.
"""

import itertools
import json
import os
import random
import time

from locust import HttpUser, between, constant, events, task
from locust.clients import HttpSession

with open(os.environ["BENCH_PLAN"]) as plan:
    PLAN = json.load(plan)
CSRF_SECRET = "benchcsrfsecret0123456789abcdefg"
SAMPLES: dict[str, dict] = {}
_next_account: dict[str, itertools.count] = {}
_next_role = itertools.count()


def account(role: str) -> str:
    names = PLAN["accounts"][role]
    counter = _next_account.setdefault(role, itertools.count())
    return names[next(counter) % len(names)]


@events.request.add_listener
def _record(name, response_time, exception, response, context, **kwargs):
    if not context.get("page"):
        return
    sample = SAMPLES.setdefault(name, {"times": [], "failures": 0, "first": None, "last": None})
    now = time.time()
    sample["first"] = sample["first"] or now - response_time / 1000
    sample["last"] = now
    if exception is not None:
        sample["failures"] += 1
        sample.setdefault("errors", []).append(str(exception)[:200])
    else:
        sample["times"].append(response_time)


@events.quitting.add_listener
def _write(environment, **kwargs):
    with open(PLAN["out"], "w") as out:
        json.dump(SAMPLES, out)


def sign_in(session: HttpSession, username: str) -> None:
    """The session made for this account before the run (web.sessions)."""
    session.cookies.set("sessionid", PLAN["cookies"][username])


class Clinic(HttpUser):
    wait_time = between(*PLAN["think"]) if PLAN.get("think") else constant(0)

    def on_start(self):
        self.sessions: dict[str, HttpSession] = {}
        if PLAN["mode"] == "mix":
            role = PLAN["mix"][next(_next_role) % len(PLAN["mix"])]
            self.pages = [page for page in PLAN["pages"] if page["role"] == role]
        else:
            self.pages = PLAN["pages"]
        self.cycle = itertools.cycle(self.pages)
        for key in {self.key(page) for page in self.pages}:
            session = HttpSession(
                self.host, request_event=self.environment.events.request, user=self
            )
            # Django accepts its 32-character secret unmasked as the form's token.
            session.cookies.set("csrftoken", CSRF_SECRET)
            if key != "anonymous":
                sign_in(session, account(key))
            self.sessions[key] = session

    @staticmethod
    def key(page) -> str:
        """The account a page is seen as: the role's next account in the load test."""
        return page["role"] if PLAN["mode"] == "mix" and page["rotate"] else page["as"]

    @task
    def page(self):
        page = random.choice(self.pages) if PLAN["mode"] == "mix" else next(self.cycle)
        session = self.sessions[self.key(page)]
        kwargs = {"name": page["name"], "context": {"page": True}, "catch_response": True}
        if page["method"] == "post":
            data = {**page.get("data", {}), "csrfmiddlewaretoken": CSRF_SECRET}
            headers = {"Referer": self.host + page["path"]}
            call = session.post(page["path"], data, headers=headers, **kwargs)
        else:
            call = session.get(page["path"], **kwargs)
        with call as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} from {page['path']}")
            elif "/accounts/login/" in response.url and page["as"] != "anonymous":
                response.failure("signed out")
