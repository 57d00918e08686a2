"""The dashboard's time and query count at two clinic sizes (OUTCOMES_BENCH=1 to run; figures in
docs/benchmarks.md). Run: OUTCOMES_BENCH=1 OUTCOMES_BENCH_SIZES=200,2000 pytest -s ..."""

import os
import statistics
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.accounts.factories import UserFactory
from tests.outcomes.seed import seed

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not os.environ.get("OUTCOMES_BENCH"), reason="OUTCOMES_BENCH not set"),
]


def test_the_dashboard_at_two_sizes(client):
    sizes = [int(n) for n in os.environ.get("OUTCOMES_BENCH_SIZES", "200,2000").split(",")]
    a = UserFactory(username="bench-a", role="prescriber")
    b = UserFactory(username="bench-b", role="therapist")
    client.force_login(a)
    url = reverse("outcomes_dashboard")
    seeded, results = 0, []
    for size in sizes:
        seed(size - seeded, clinicians=[a, b], by=a)
        seeded = size
        if connection.vendor == "postgresql":  # as autovacuum would after a day's writes
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        client.get(url)
        times = []
        for _ in range(10):
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                assert client.get(url).status_code == 200
                times.append((time.perf_counter() - started) * 1000)
        results.append((size, statistics.median(times), max(times), len(ctx.captured_queries)))
    for size, p50, worst, queries in results:
        print(f"| {connection.vendor} | {size} patients | {p50:.0f} | {worst:.0f} | {queries} |")
    assert len({queries for *_, queries in results}) == 1
