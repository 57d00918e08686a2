from datetime import date

import factory
from django.db import transaction

from patients.models import CareTeamMember, Patient, PhaseChange, TreatmentCourse


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    mrn = factory.Sequence(lambda n: f"KT{n:06d}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    # Adults only (1950–1999): a minor is an exclusion the tests ask for explicitly.
    date_of_birth = factory.Sequence(lambda n: date(1950 + n % 50, 1 + n % 12, 1 + n % 28))
    sex = "female"
    phone = "555-0100"


class CourseFactory(factory.django.DjangoModelFactory):
    """A course placed directly in a phase: test data, not a phase change."""

    class Meta:
        model = TreatmentCourse

    patient = factory.SubFactory(PatientFactory)
    phase = "screening"


class CareTeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CareTeamMember

    patient = factory.SubFactory(PatientFactory)
    clinician = factory.SubFactory("tests.accounts.factories.UserFactory", role="therapist")
    primary = False


def place_in_phase(course: TreatmentCourse, phase: str, *, by) -> TreatmentCourse:
    """Test data: put `course` in `phase` directly, as an import of past records would, with the
    `PhaseChange` row PostgreSQL's trigger asks for in the same transaction. Not a phase change
    through `course_change_phase`: its guards (enrollment, first dose) are not asked."""
    with transaction.atomic():
        PhaseChange.objects.create(
            course=course, from_phase=course.phase, to_phase=phase, by=by, reason="Test data"
        )
        TreatmentCourse.objects.filter(pk=course.pk).update(phase=phase)
    course.phase = phase
    return course
