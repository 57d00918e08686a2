"""Check the audit trail's seal chain: `python manage.py verify_audit`.

Exits 0 when the chain is whole, 1 when a seal no longer matches its events (the first such
seal is named). Runs daily from beat as `audit.tasks.verify_audit_chain` too.
"""

from django.core.management.base import BaseCommand, CommandError

from audit.services import describe, verify


class Command(BaseCommand):
    help = "Check every seal of the audit trail; name the first broken one; count unsealed events."

    def handle(self, *args, **options):
        result = verify()
        for line in describe(result):
            self.stdout.write(line)
        if result.broken is not None:
            # On stderr, and exit status 1.
            raise CommandError(f"The audit trail is broken at seal {result.broken.seal.pk}.")
