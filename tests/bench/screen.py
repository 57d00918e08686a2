"""Batch screening: `manage.py screen` over 1,000 fact files, timed as a whole command
(interpreter start, Django set-up and the policy query included)."""

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FILES = 1000
YES_NO = [
    "psychosis_history",
    "family_psychosis_history",
    "bipolar_disorder",
    "current_mania",
    "pregnant",
    "breastfeeding",
    "ketamine_allergy",
    "vascular_disease",
    "cardiac_condition",
    "raised_icp_or_glaucoma",
    "severe_liver_disease",
    "interstitial_cystitis",
    "uncontrolled_hyperthyroidism",
    "respiratory_disease",
]


def candidate(rng: random.Random) -> dict:
    """A plausible candidate: mostly healthy, sometimes with a finding or a gap."""
    facts = {key: rng.random() < 0.05 for key in YES_NO}
    facts["age"] = rng.randrange(16, 80)
    facts["bp_readings"] = [
        [rng.randrange(105, 170), rng.randrange(65, 104)] for _ in range(rng.choice([2, 2, 3, 1]))
    ]
    facts["bp_readings"] = [[s, min(d, s - 10)] for s, d in facts["bp_readings"]]
    facts["substance_use"] = rng.choice(["none"] * 8 + ["remission_12m_plus", "active"])
    facts["medications"] = rng.sample(
        ["sertraline 50 mg", "Clonazepam 0.5 mg", "lisinopril", "bupropion", "Adderall XR"],
        rng.randrange(0, 3),
    )
    facts["phq9"] = [rng.randrange(0, 4) for _ in range(9)]
    facts["gad7"] = [rng.randrange(0, 4) for _ in range(7)]
    if rng.random() < 0.3:
        facts["pcl5"] = [rng.randrange(0, 5) for _ in range(20)]
    q2 = rng.random() < 0.15
    q6 = rng.random() < 0.05
    facts["cssrs"] = {"q1": rng.random() < 0.2, "q2": q2, "q6": q6}
    if q2:
        facts["cssrs"].update(q3=rng.random() < 0.3, q4=False, q5=False)
    if q6:
        facts["cssrs"]["q6_recent"] = rng.random() < 0.5
    if rng.random() < 0.05:
        del facts["phq9"]  # an incomplete intake
    return facts


def run() -> None:
    rng = random.Random(3)
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for index in range(FILES):
            path = Path(tmp) / f"candidate-{index:04d}.json"
            path.write_text(json.dumps(candidate(rng)))
            paths.append(str(path))
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/screen.sqlite3"}
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True
        )
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "manage.py", "screen", *paths],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        elapsed = time.perf_counter() - started
    lines = result.stdout.splitlines()
    outcomes: dict[str, int] = {}
    for line in lines:
        outcome = json.loads(line).get("outcome", "error")
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    print(
        f"\nmanage.py screen: {FILES} files → {len(lines)} lines in {elapsed:.2f} s "
        f"(exit {result.returncode}; {dict(sorted(outcomes.items()))})"
    )
