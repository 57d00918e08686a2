from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.utils import timezone

from audit.models import Action
from audit.services import record
from sessions.consent import services as consent
from sessions.errors import SessionsError
from sessions.models import (
    AdministrationAmendment,
    Appointment,
    AppointmentType,
    CalendarFeed,
    ClinicClosedDay,
    ClinicianDayOff,
    ClinicianHours,
    ConsentVersion,
    Dose,
    ProgressNote,
    ProgressNoteAddendum,
    Room,
)
from sessions.models.doses import SCHEDULE_III_LINES


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ("name", "is_active")
    list_filter = ("is_active",)


@admin.register(ClinicianHours)
class ClinicianHoursAdmin(admin.ModelAdmin):
    list_display = ("clinician", "weekday", "starts", "ends")
    list_filter = ("weekday", "clinician")
    ordering = ("clinician__last_name", "weekday", "starts")


@admin.register(ClinicianDayOff)
class ClinicianDayOffAdmin(admin.ModelAdmin):
    list_display = ("clinician", "first_day", "last_day", "reason")
    list_filter = ("clinician",)
    date_hierarchy = "first_day"


@admin.register(ClinicClosedDay)
class ClinicClosedDayAdmin(admin.ModelAdmin):
    list_display = ("day", "reason")
    date_hierarchy = "day"


@admin.register(AppointmentType)
class AppointmentTypeAdmin(admin.ModelAdmin):
    """The three types come from a migration; their codes and minimum lengths drive the booking
    rules, so they are read only here."""

    list_display = (
        "name",
        "code",
        "default_minutes",
        "min_minutes",
        "needs_room",
        "is_active",
        "position",
    )
    readonly_fields = ("code", "min_minutes")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    """Read only: appointments change through the booking pages, whose rules and audit apply."""

    list_display = ("start", "type", "clinician", "room", "status")
    list_filter = ("status", "type", "room")
    date_hierarchy = "start"
    list_select_related = ("type", "clinician", "room")
    # No patient names in the admin: the list links the appointment by id only.
    fields = ("type", "clinician", "room", "start", "end", "status", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    """An administrator can revoke a clinician's feed (a lost phone); only the clinician can
    issue one, and the address is never stored."""

    list_display = ("clinician", "created_at", "revoked_at", "last_fetched_at")
    list_filter = ("revoked_at",)
    fields = ("clinician", "created_at", "revoked_at", "last_fetched_at")
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Revoke the selected feeds")
    def revoke(self, request, queryset):
        live = list(queryset.filter(revoked_at=None))
        for feed in live:
            feed.revoked_at = timezone.now()
            feed.save(update_fields=["revoked_at"])
            record(user=request.user, action=Action.CHANGE, obj=feed, detail={"revoked": True})
        self.message_user(request, f"Revoked {len(live)} feed(s).")


# --- Consent versions and progress notes ---------------------------------------------------------
# Consent versions are written here, through `sessions.consent.services`: a published version is
# final and shown read only. Progress notes are shown read only: they are written and signed by
# their author on the notes page, and a signed one is never changed, whoever asks. Psychotherapy
# notes are not registered at all: only their author ever reads them.


@admin.register(ConsentVersion)
class ConsentVersionAdmin(admin.ModelAdmin):
    list_display = ("version", "title", "status", "published_at", "created_at")
    list_filter = ("status",)
    actions = ("publish",)
    readonly_fields = (
        "version",
        "status",
        "text_sha256",
        "created_at",
        "created_by",
        "published_at",
        "published_by",
    )

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("title", "text", "notes")
        return ("version", "status", "title", "text", "notes", *self.readonly_fields[2:])

    def has_change_permission(self, request, obj=None):
        # A published version is final: its page is view-only.
        return super().has_change_permission(request, obj) and not (obj and obj.is_published)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.is_published)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # it would reach published versions
        return actions

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
            record(user=request.user, action=Action.CHANGE, obj=obj)
            return
        created = consent.consent_version_create(
            by=request.user, text=obj.text, title=obj.title, notes=obj.notes
        )
        obj.pk, obj.version, obj.created_by = created.pk, created.version, created.created_by
        obj._state.adding = False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except SessionsError as error:
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    @admin.action(
        description="Publish (the text becomes final and current)", permissions=("change",)
    )
    def publish(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one consent version.", messages.ERROR)
            return
        try:
            version = consent.consent_version_publish(by=request.user, version=queryset.get())
        except SessionsError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        self.message_user(
            request,
            f"Consent version {version.version} published: every patient signs it again.",
            messages.SUCCESS,
        )


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class _ReadOnlyAudited(admin.ModelAdmin):
    """Shown, never added, changed or deleted here (superusers included); every view of the
    patient's record is audited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def patient_id_of(self, obj):
        return obj.patient_id

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None:
            record(
                user=request.user, action=Action.VIEW, patient_id=self.patient_id_of(obj), obj=obj
            )
        return super().change_view(request, object_id, form_url, extra_context)


class ProgressNoteAddendumInline(_ReadOnlyInline):
    model = ProgressNoteAddendum
    fields = ("author", "created_at", "text")
    readonly_fields = fields


@admin.register(ProgressNote)
class ProgressNoteAdmin(_ReadOnlyAudited):
    # Notes are written by their author on the notes page; here they are only read.
    list_display = ("id", "appointment", "author", "status", "signed_at")
    list_filter = ("status",)
    fields = (
        "patient",
        "appointment",
        "author",
        "status",
        "text",
        "created_at",
        "signed_at",
        "signed_sha256",
    )
    readonly_fields = fields
    inlines = [ProgressNoteAddendumInline]


# --- Doses: the Schedule III record, read only ----------------------------------------------------
# Doses are charted at the chair side through `sessions.dosing`; here an administrator (or an
# inspector's request) reads the controlled-substance record and its amendments. Nobody adds,
# changes or deletes a dose here, superusers included: a correction is an amendment, made on the
# dosing page with a reason.

DOSE_RECORD_FIELDS = (
    "status",
    "drug",
    "route",
    "dose_mg",
    "ordered_by",
    *SCHEDULE_III_LINES,
    "waste_witness",
    "waste_witnessed_at",
    "administered_by",
    "started_at",
    "ended_at",
)


class AdministrationAmendmentInline(_ReadOnlyInline):
    model = AdministrationAmendment
    fields = ("at", "by", "reason", *SCHEDULE_III_LINES, "waste_witness")
    readonly_fields = fields


@admin.register(Dose)
class DoseAdmin(_ReadOnlyAudited):
    # No patient names in the admin: a dose is listed by its id and lines.
    list_display = ("id", "status", "drug", "route", "dose_mg", "lot", "started_at")
    list_filter = ("status", "drug")
    fields = DOSE_RECORD_FIELDS
    readonly_fields = DOSE_RECORD_FIELDS
    inlines = [AdministrationAmendmentInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("course")

    def patient_id_of(self, obj):
        return obj.course.patient_id


from sessions.stock import admin as _stock_admin  # noqa: E402, F401  (the stock records)
