"""`make bench`: a large synthetic group practice on PostgreSQL, measured through gunicorn with
locust on loopback (issue 21), written to docs/benchmarks.md. Not a test: nothing asserts.

    python -m tests.bench            # everything (see docs/benchmarks.md for how long)
    BENCH_QUICK=1 python -m tests.bench   # a smoke test of the harness at a tiny scale
    python -m tests.bench report     # render docs/benchmarks.md from the last run's JSON
    python -m tests.bench screen | replay   # the batch-screening and policy-replay benches

DATABASE_URL names the PostgreSQL server (default postgres://postgres@127.0.0.1:5432/postgres);
the clinics go into databases named BENCH_DB_PREFIX (default kap_bench) _full, _small, … and are
reused while their seed, scale, schema and day are the same. REDIS_URL (or BENCH_REDIS_URL) is
the broker of the reminder dispatch.
"""

import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from tests.bench import seed

ROOT = Path(__file__).resolve().parents[2]
QUICK = os.environ.get("BENCH_QUICK", "").lower() in ("1", "true", "yes")
RESULTS = Path(os.environ.get("BENCH_RESULTS", ROOT / ".bench-results.json"))
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"

if QUICK:
    SIZES = {"full": 0.02, "small": 0.005}
    CYCLE, SINGLE, CONCURRENT = 10, 2, 10
    LOAD_USERS, LOAD_SECONDS = 10, 10
    REMINDERS = 200
else:
    SIZES = {"full": 1.0, "small": 0.01}
    CYCLE, SINGLE, CONCURRENT = 90, 8, 10
    LOAD_USERS, LOAD_SECONDS = 50, 90
    REMINDERS = int(os.environ.get("BENCH_REMINDERS", "10000"))
# The load test's 50 users: clinicians, front desk, intake and patients.
MIX = ["therapist"] * 3 + ["prescriber"] + ["frontdesk"] * 2 + ["intake"] + ["patient"] * 3


def _save(results: dict) -> None:
    RESULTS.write_text(json.dumps(results, indent=1, default=str))


def machine() -> dict:
    import django

    conn = seed.connect(seed.database_url("postgres"))
    cursor = conn.cursor()
    cursor.execute("SHOW server_version")
    version = cursor.fetchone()[0]
    conn.close()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": version.split()[0],
        "load_before": round(os.getloadavg()[0], 1),
        "quick": QUICK,
    }


def load_test(name: str, size: dict) -> dict:
    """50 users of every role for 90 s, think time 1–3 s; every audited request's row counted."""
    from tests.bench import web

    plan = {
        "accounts": size["picked"]["accounts"],
        "cookies": web._subprocess("sessions", name),
        "pages": size["pages"],
        "mode": "mix",
        "mix": [MIX[i % len(MIX)] for i in range(LOAD_USERS)],
        "think": [1, 3],
    }
    conn = seed.connect(seed.database_url(name))
    cursor = conn.cursor()
    cursor.execute("SELECT max(id) FROM audit_auditevent")
    before = cursor.fetchone()[0]
    conn.close()
    server = web.Gunicorn(name)
    try:
        started = time.perf_counter()
        samples = web.locust(server.url, plan, LOAD_USERS, LOAD_SECONDS)
        seconds = time.perf_counter() - started
    finally:
        server.stop()
    conn = seed.connect(seed.database_url(name))
    cursor = conn.cursor()
    cursor.execute("SELECT count(*) FROM audit_auditevent WHERE id > %s", [before])
    written = cursor.fetchone()[0]
    conn.close()
    per_page = {page: web.summary(sample) for page, sample in samples.items()}
    expected = sum(s["n"] * size["inprocess"][page]["audit_rows"] for page, s in per_page.items())
    requests = sum(s["n"] + s["failures"] for s in per_page.values())
    times = sorted(t for sample in samples.values() for t in sample["times"])
    return {
        "users": LOAD_USERS,
        "seconds": LOAD_SECONDS,
        "wall": round(seconds, 1),
        "requests": requests,
        "errors": sum(s["failures"] for s in per_page.values()),
        "rps": round(requests / LOAD_SECONDS, 1),
        "median": times[len(times) // 2] if times else None,
        "p95": times[int(len(times) * 0.95)] if times else None,
        "audit_expected": expected,
        "audit_written": written,
        "pages": per_page,
    }


def run() -> dict:
    from tests.bench import web, work

    seed.require_postgres()
    started = time.perf_counter()
    results = {"machine": machine(), "seed": {}, "sizes": {}, "timings": {}}
    names = {key: f"{seed.PREFIX}_{'quick_' if QUICK else ''}{key}" for key in SIZES}
    for key, scale in SIZES.items():
        phase = time.perf_counter()
        results["seed"][key] = seed.ensure(names[key], scale=scale)
        results["timings"][f"seed {key}"] = round(time.perf_counter() - phase)
    _save(results)
    for key in ("small", "full"):
        phase = time.perf_counter()
        results["sizes"][key] = web.run_size(
            names[key], cycle_seconds=CYCLE, single_seconds=SINGLE, concurrent=CONCURRENT
        )
        results["timings"][f"pages {key}"] = round(time.perf_counter() - phase)
        _save(results)
        print(f"pages at {key} size measured ({results['timings'][f'pages {key}']} s)")
    phase = time.perf_counter()
    results["load"] = load_test(names["full"], results["sizes"]["full"])
    results["timings"]["load test"] = round(time.perf_counter() - phase)
    _save(results)
    phase = time.perf_counter()
    results["booking"] = work.booking(names["small"])
    results["timings"]["booking"] = round(time.perf_counter() - phase)
    _save(results)
    results["reminders"] = []
    for workers in (1, 4):
        phase = time.perf_counter()
        results["reminders"].append(work.reminders(names["small"], workers, count=REMINDERS))
        label = f"reminders, {workers} worker{'s' if workers > 1 else ''}"
        results["timings"][label] = round(time.perf_counter() - phase)
        _save(results)
    results["timings"]["total"] = round(time.perf_counter() - started)
    _save(results)
    return results


# --- The report -----------------------------------------------------------------------------------


def _ms(value) -> str:
    return "—" if value is None else f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _ratio(a, b) -> str:
    return "—" if not a or not b else f"{a / b:.1f}×"


def table(results: dict) -> list[str]:
    from tests.bench.web import FLOOR

    full, small = results["sizes"]["full"], results["sizes"]["small"]
    floor = full["one_user"].get(FLOOR, {}).get("median")
    lines = [
        "| page | queries | audit rows | KB | full: p50 / p95 ms | full: req/s at 10 "
        "| 1/100: p50 ms | 1/100: req/s | full ÷ 1/100 | full ÷ floor |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for page in full["pages"]:
        name = page["name"]
        one, many = full["one_user"].get(name, {}), full["concurrent"].get(name, {})
        one_s, many_s = small["one_user"].get(name, {}), small["concurrent"].get(name, {})
        counted = full["inprocess"][name]
        failures = one.get("failures", 0) + many.get("failures", 0)
        lines.append(
            f"| {name}{f' (**{failures} errors**)' if failures else ''} "
            f"| {counted['queries']} ({small['inprocess'][name]['queries']}) "
            f"| {counted['audit_rows']} | {counted['kb']:,.0f} "
            f"| {_ms(one.get('median'))} / {_ms(one.get('p95'))} | {_ms(many.get('rps'))} "
            f"| {_ms(one_s.get('median'))} | {_ms(many_s.get('rps'))} "
            f"| {_ratio(one.get('median'), one_s.get('median'))} "
            f"| {_ratio(one.get('median'), floor)} |"
        )
    return lines


def report(results: dict) -> str:
    m = results["machine"]
    seeds = results["seed"]
    full_seed = seeds["full"]
    lines = [
        BEGIN,
        "## Group-practice scale through gunicorn (issue 21)",
        "",
        f"Run {m['date']} on {m['cores']} cores (load average {m['load_before']} before the "
        f"run{'; **quick mode**: tiny clinics, short runs' if m['quick'] else ''}), Python "
        f"{m['python']}, Django {m['django']}, PostgreSQL {m['postgresql']} on loopback. "
        "`make bench` took "
        + ", ".join(f"{k} {v:,} s" for k, v in results["timings"].items())
        + ".",
        "",
        "### The clinics",
        "",
        "| table | full size | 1/100 |",
        "|---|---|---|",
    ]
    for table_name, rows in full_seed["rows"].items():
        lines.append(f"| {table_name} | {rows:,} | {seeds['small']['rows'].get(table_name, 0):,} |")
    lines += [
        "",
        f"Seeded by `tests/bench/seed.py` with COPY: {full_seed['rows_total']:,} rows in "
        f"{full_seed['seconds_total']:,} s at full size ({full_seed['rows_per_second']:,} rows/s "
        f"while generating and copying, {full_seed['seconds_analyze']} s of VACUUM ANALYZE), "
        f"{seeds['small']['rows_total']:,} rows in {seeds['small']['seconds_total']} s at 1/100. "
        "A clinic already seeded (same seed, scale, schema and day) is reused.",
        "",
        "### Pages",
        "",
        f"One user requesting every page in turn for {results.get('cycle', CYCLE)} s gives p50 "
        "and p95; each page alone from 10 users at once (no think time) gives req/s. Queries "
        "and audit rows are one request's, counted through the test client (at 1/100 in "
        "brackets); KB is the page's HTML. The floor is the signed-in password-change page.",
        "",
        *table(results),
        "",
    ]
    pdf_full, pdf_small = results["sizes"]["full"]["pdf"], results["sizes"]["small"]["pdf"]
    lines += ["| PDF (in-process, median of 3) | full ms | 1/100 ms |", "|---|---|---|"]
    for name, value in pdf_full.items():
        lines.append(f"| {name} | {_ms(value['ms'])} | {_ms(pdf_small[name]['ms'])} |")
    load = results.get("load")
    if load:
        lines += [
            "",
            "### Load test",
            "",
            f"{load['users']} users for {load['seconds']} s (locust headless, think time 1–3 s; "
            "each user of a role signs in as its own account: therapists, prescribers, front "
            "desk, intake and patients 3:1:2:1:3), at full size: "
            f"{load['requests']:,} requests, **{load['errors']} errors**, {load['rps']} req/s, "
            f"p50 {_ms(load['median'])} ms, p95 {_ms(load['p95'])} ms. Audit rows written "
            f"{load['audit_written']:,}, expected from the requests made "
            f"{load['audit_expected']:,} (lost writes: "
            f"{load['audit_expected'] - load['audit_written']}).",
        ]
    booking = results.get("booking")
    if booking:
        lines += [
            "",
            "### Booking under concurrency",
            "",
            f"{booking['racers']} processes each try the same {booking['candidates']} sessions "
            f"in a different order through `appointment_book` (1/100 clinic): "
            f"{booking['attempts']} attempts in {booking['seconds']} s "
            f"({booking['attempts_per_second']} attempts/s), {booking['booked']} booked, "
            f"{booking['refused']} refused as taken, {booking['stored']} stored.",
        ]
    if results.get("reminders"):
        lines += [
            "",
            "### Reminder dispatch",
            "",
            "Reminders due now, sent by real Celery workers (Redis, `--pool=solo`) running the "
            "beat's task (`dispatch_messages`, 50 a claim), on a copy of the 1/100 clinic:",
            "",
            "| workers | due | seconds | per second | sent | deliveries | e-mails written "
            "| sweep's own |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in results["reminders"]:
            lines.append(
                f"| {r['workers']} | {r['due']:,} | {r['seconds']} | {r['per_second']} "
                f"| {r['statuses'].get('sent', 0):,} | {r['deliveries']:,} "
                f"| {r['e-mails written']:,} | {r['other_deliveries']} |"
            )
    lines += ["", END]
    return "\n".join(lines)


def write_doc(results: dict) -> None:
    text = DOC.read_text()
    block = report(results)
    if BEGIN in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        first, _, body = text.partition("\n\n")
        text = f"{first}\n\n{block}\n\n{body}"
    DOC.write_text(text)


def main(argv: list[str]) -> int:
    os.environ.setdefault("DATABASE_URL", seed.DEFAULT_URL)
    if argv[:1] in (["screen"], ["replay"]):
        os.environ.update({k: v for k, v in seed.BENCH_ENV.items() if k not in os.environ})
        import django

        django.setup()
        from tests.bench import replay, screen

        {"screen": screen, "replay": replay}[argv[0]].run()
        return 0
    results = json.loads(RESULTS.read_text()) if argv[:1] == ["report"] else run()
    print("\n".join(table(results)))
    if not QUICK or os.environ.get("BENCH_WRITE_DOC"):
        write_doc(results)
        print(f"\nwritten to {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
