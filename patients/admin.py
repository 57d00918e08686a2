"""The admin site edits demographics and care teams; a course's phase and an alert's lifecycle
change only through their services, so the admin shows them read-only."""

from django.contrib import admin
from django.contrib.auth import get_user_model

from accounts.roles import CLINICIANS
from audit.models import Action
from audit.services import record
from patients.models import Alert, CareTeamMember, Patient, PhaseChange, TreatmentCourse


class CareTeamInline(admin.TabularInline):
    model = CareTeamMember
    extra = 0
    max_num = 20  # a care team, not a ward

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A plain list of the clinic's clinicians: an autocomplete would search accounts by GET.
        if db_field.name == "clinician":
            kwargs["queryset"] = get_user_model().objects.filter(role__in=CLINICIANS)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        # A forged form count builds at most this many forms (Django's default is 1,000 more
        # than max_num: one such request took half a minute).
        return super().get_formset(request, obj, absolute_max=self.max_num, **kwargs)


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    """No search box: the admin's search is a GET, so a name or MRN typed there would stand in
    the address, the browser's history and the access log. The patient directory (`/patients/`)
    searches by name, MRN or birth date in a POST body."""

    list_display = ("mrn", "last_name", "first_name", "date_of_birth")
    readonly_fields = ("mrn", "created_at", "created_by", "user")
    inlines = (CareTeamInline,)

    def get_object(self, request, object_id, from_field=None):
        patient = super().get_object(request, object_id, from_field)
        if patient is not None and request.method == "GET":
            record(user=request.user, action=Action.VIEW, patient_id=patient.pk, obj=patient)
        return patient

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        record(
            user=request.user,
            action=Action.CHANGE,
            patient_id=obj.pk,
            obj=obj,
            detail={"fields": sorted(form.changed_data), "via": "admin"},
        )

    def has_add_permission(self, request):
        # New patients get their MRN and first course from patients.services.patient_register.
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PhaseChangeInline(admin.TabularInline):
    model = PhaseChange
    extra = 0
    can_delete = False
    readonly_fields = ("from_phase", "to_phase", "by", "at", "reason")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(TreatmentCourse)
class TreatmentCourseAdmin(admin.ModelAdmin):
    list_display = ("id", "patient", "phase", "opened_at", "closed_at")
    list_filter = ("phase",)
    readonly_fields = ("patient", "phase", "opened_at", "closed_at")
    inlines = (PhaseChangeInline,)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ("id", "patient", "recipient", "kind", "severity", "status", "created_at")
    list_filter = ("status", "kind", "severity")
    readonly_fields = [f.name for f in Alert._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
