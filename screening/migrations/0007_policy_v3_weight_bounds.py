"""Clinic policy v3: v2 plus the plausible adult weight (CLINICAL.md, "Plausibility": 30–300 kg
unless a prescriber confirms with a reason), published and made the active version, so every
order records the label of the bounds it was checked against. The values are a literal copy
(sessions.dosing.policy.PLAUSIBILITY_V3 holds the same); published v2 is never edited.
"""

from django.db import migrations
from django.utils import timezone

PLAUSIBILITY = {"adult_weight_min_kg": "30", "adult_weight_max_kg": "300"}


def publish_v3(apps, schema_editor):
    Policy = apps.get_model("screening", "ScreeningPolicy")
    v2 = Policy.objects.filter(label="v2").first()
    if v2 is None or "dosing" not in v2.data or Policy.objects.filter(label="v3").exists():
        return
    dosing = {**v2.data["dosing"], "plausibility": dict(PLAUSIBILITY)}
    Policy.objects.filter(active=True).update(active=False)
    Policy.objects.create(
        label="v3",
        data={**v2.data, "label": "v3", "dosing": dosing},
        status="published",
        active=True,
        published_at=timezone.now(),
        based_on=v2,
        notes="Adds the plausible adult weight (30–300 kg unless a prescriber confirms).",
    )


def reactivate_v2(apps, schema_editor):
    # Published versions are never deleted: going back makes v2 the active version again.
    Policy = apps.get_model("screening", "ScreeningPolicy")
    if not Policy.objects.filter(label="v2").exists():
        return
    Policy.objects.filter(active=True).update(active=False)
    Policy.objects.filter(label="v2").update(active=True)


class Migration(migrations.Migration):
    dependencies = [("screening", "0006_policy_v2_dosing")]

    operations = [migrations.RunPython(publish_v3, reactivate_v2)]
