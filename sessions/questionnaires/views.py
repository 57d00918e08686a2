"""In-clinic questionnaires: the list of a patient's questionnaires and giving one on the
tablet. Thin: parse, call one service, render."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from audit.models import Action
from audit.services import record
from patients.access import Access
from screening.answering import answer, tell_staff
from sessions.errors import SessionsError
from sessions.pages import clinicians_only, patient_for
from sessions.questionnaires import services as questionnaires

# --- In-clinic questionnaires ---------------------------------------------------------------------


@clinicians_only
def questionnaire_list(request, patient_pk):
    patient = patient_for(request, patient_pk)
    taken = list(questionnaires.history(patient))
    for administration in taken:
        administration.short_name = questionnaires.SHORT_NAMES[administration.instrument]
    record(
        user=request.user,
        action=Action.LIST,
        patient_id=patient.pk,
        detail={"questionnaires": len(taken)},
    )
    latest_cssrs = next((a for a in taken if a.instrument == "cssrs"), None)
    return render(
        request,
        "sessions/questionnaires/list.html",
        {
            "patient": patient,
            "taken": taken,
            "codes": [
                (code, questionnaires.title(code)) for code in questionnaires.IN_CLINIC_CODES
            ],
            "enrolled": questionnaires.enrolled_course(patient) is not None,
            "crisis": bool(latest_cssrs and latest_cssrs.score.get("risk") == "high"),
            "crisis_protocol": questionnaires.CRISIS_PROTOCOL,
        },
    )


@clinicians_only
@require_http_methods(["GET", "POST"])
def questionnaire_give(request, patient_pk, code):
    action = Access.CHANGE_RECORD if request.method == "POST" else Access.VIEW_RECORD
    patient = patient_for(request, patient_pk, action)
    if code not in questionnaires.IN_CLINIC_CODES:
        raise Http404("No such questionnaire")
    current = questionnaires.in_progress(patient, code)

    def save(**answers):
        return questionnaires.questionnaire_save(
            by=request.user, patient=patient, code=code, **answers
        )

    form, saved = answer(request, code, current, save, SessionsError)
    status = 200
    if saved:
        tell_staff(request, saved[1], questionnaires.CRISIS_PROTOCOL)
        return redirect("questionnaires", patient_pk=patient.pk)
    if request.method == "POST":
        status = 400
    else:
        record(
            user=request.user,
            action=Action.VIEW,
            patient_id=patient.pk,
            obj=current,
            detail={"instrument": code},
        )
    return render(
        request,
        "sessions/questionnaires/give.html",
        {"patient": patient, "form": form},
        status=status,
    )
