"""Clinic policy v2: v1's screening numbers plus the dosing numbers (CLINICAL.md, "Dosing and
monitoring"), published and made the active version. The values are a literal copy: a migration
must not import code that may change later (sessions.dosing.rules.DOSING_V1_DATA holds the same).
"""

from django.db import migrations
from django.utils import timezone

DOSING = {
    "dose_ranges": [
        {
            "drug": "ketamine",
            "route": "iv",
            "min_mg_per_kg": "0.1",
            "max_mg_per_kg": "1.0",
            "note": "over 40 min; 0.5 mg/kg typical",
        },
        {"drug": "ketamine", "route": "im", "min_mg_per_kg": "0.25", "max_mg_per_kg": "1.0"},
        {
            "drug": "ketamine",
            "route": "sublingual",
            "min_mg_per_kg": "1.0",
            "max_mg_per_kg": "3.0",
            "max_mg": "300",
        },
        {
            "drug": "esketamine",
            "route": "intranasal",
            "fixed_mg": ["56", "84"],
            "fixed_mg_from_age": {"age": 65, "fixed_mg": ["28"]},
        },
    ],
    "pre_dose": {
        "no_dose_systolic": 160,
        "no_dose_diastolic": 100,
        "confirm_systolic": 140,
        "confirm_diastolic": 90,
    },
    "alert_limits": {
        "systolic_at_or_above": 180,
        "diastolic_at_or_above": 110,
        "heart_rate_above": 120,
        "heart_rate_below": 50,
        "spo2_below": 92,
        "respiratory_rate_below": 10,
    },
    "discharge": {"within_mmhg_of_baseline": 20, "min_monitoring_minutes": 120},
    "vitals_every_minutes": 15,
}


def publish_v2(apps, schema_editor):
    Policy = apps.get_model("screening", "ScreeningPolicy")
    v1 = Policy.objects.filter(label="v1").first()
    if v1 is None or Policy.objects.filter(label="v2").exists():
        return
    Policy.objects.filter(active=True).update(active=False)
    Policy.objects.create(
        label="v2",
        data={**v1.data, "label": "v2", "dosing": DOSING},
        status="published",
        active=True,
        published_at=timezone.now(),
        based_on=v1,
        notes="Adds the dosing numbers: dose ranges, pre-dose bands, alert and discharge limits.",
    )


def reactivate_v1(apps, schema_editor):
    # Published versions are never deleted: going back makes v1 the active version again.
    Policy = apps.get_model("screening", "ScreeningPolicy")
    Policy.objects.filter(active=True).update(active=False)
    Policy.objects.filter(label="v1").update(active=True)


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0005_intake_records_immutable"),
    ]

    operations = [
        migrations.RunPython(publish_v2, reactivate_v1),
    ]
