"""Policy v1: CLINICAL.md's screening policy, published and active.

The values are a literal copy of `screening.rules.POLICY_V1_DATA` as it stood when v1 was
published: a migration must not import app code that may change later (a test checks the copy).
"""

from django.db import migrations
from django.utils import timezone

POLICY_V1_DATA = {
    "label": "v1",
    "hypertension_elevated_systolic": 140,
    "hypertension_elevated_diastolic": 90,
    "hypertension_uncontrolled_systolic": 160,
    "hypertension_uncontrolled_diastolic": 100,
    "pcl5_probable_ptsd": 33,
    "rescreen_interval_days": 90,
    "interacting_medications": {
        "benzodiazepines": [
            "alprazolam",
            "chlordiazepoxide",
            "clobazam",
            "clonazepam",
            "clorazepate",
            "diazepam",
            "lorazepam",
            "oxazepam",
            "temazepam",
            "triazolam",
            "xanax",
            "klonopin",
            "ativan",
            "valium",
            "restoril",
            "halcion",
        ],
        "lamotrigine": ["lamotrigine", "lamictal"],
        "maois": [
            "isocarboxazid",
            "phenelzine",
            "rasagiline",
            "selegiline",
            "tranylcypromine",
            "marplan",
            "nardil",
            "emsam",
            "parnate",
        ],
        "psychostimulants": [
            "amphetamine",
            "dexmethylphenidate",
            "dextroamphetamine",
            "lisdexamfetamine",
            "methamphetamine",
            "methylphenidate",
            "modafinil",
            "armodafinil",
            "adderall",
            "vyvanse",
            "ritalin",
            "concerta",
            "focalin",
            "provigil",
            "nuvigil",
        ],
        "opioids": [
            "buprenorphine",
            "codeine",
            "fentanyl",
            "hydrocodone",
            "hydromorphone",
            "methadone",
            "morphine",
            "oxycodone",
            "oxymorphone",
            "tapentadol",
            "tramadol",
            "suboxone",
            "subutex",
            "oxycontin",
            "percocet",
            "vicodin",
            "norco",
            "dilaudid",
        ],
    },
}


def create_v1(apps, schema_editor):
    ScreeningPolicy = apps.get_model("screening", "ScreeningPolicy")
    ScreeningPolicy.objects.using(schema_editor.connection.alias).create(
        label="v1",
        data=POLICY_V1_DATA,
        status="published",
        active=True,
        published_at=timezone.now(),
        notes="CLINICAL.md, Screening policy v1.",
    )


def remove_v1(apps, schema_editor):
    ScreeningPolicy = apps.get_model("screening", "ScreeningPolicy")
    ScreeningPolicy.objects.using(schema_editor.connection.alias).filter(label="v1").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_v1, remove_v1),
    ]
