from django.db import migrations

# code, name, default minutes, needs a room (DESIGN.md, "Booking")
TYPES = [
    ("preparation", "Preparation", 60, True),
    ("dosing", "Dosing", 150, True),
    ("integration", "Integration", 50, False),
]


def add_types(apps, schema_editor):
    AppointmentType = apps.get_model("kap_sessions", "AppointmentType")
    for position, (code, name, minutes, needs_room) in enumerate(TYPES):
        AppointmentType.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "default_minutes": minutes,
                "needs_room": needs_room,
                "position": position,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("kap_sessions", "0001_initial")]

    operations = [migrations.RunPython(add_types, migrations.RunPython.noop)]
