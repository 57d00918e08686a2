from datetime import date

import factory

from patients.models import CareTeamMember, Patient, TreatmentCourse


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
