from django.core.management import call_command
from django.core.management.base import BaseCommand

from kap_clinic.scheduler import start_in_background


class Command(BaseCommand):
    help = "Serve the demo clinic on 127.0.0.1 with its scheduled work running in-process."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, port, **options):
        start_in_background()
        self.stdout.write("Scheduled work (Celery beat's schedule) runs in this process.")
        call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)
