"""The questionnaire pages' shared half: intake's screening, the clinic's later questionnaires and
the patient's portal all show an instrument's form filled with the answers saved part-way, save
on a valid POST, and put the service's refusal on the item it names. What each page does after
a save (where it goes, what it says) stays with the page."""

from django.contrib import messages

from screening.forms import InstrumentForm


def answer(request, code, current, save, refused):
    """The form for `code` (filled from `current`, an administration in progress, or None) and,
    on a valid POST, `save(answers=..., complete=...)`'s result; None when nothing was saved.
    `refused` is the service's error class (or a tuple of them)."""
    form = InstrumentForm(
        request.POST or None,
        code=code,
        initial=InstrumentForm.initial_from(code, current.answers if current else None),
    )
    if request.method != "POST" or not form.is_valid():
        return form, None
    try:
        return form, save(answers=form.answers(), complete="complete" in request.POST)
    except refused as error:
        form.add_engine_error(getattr(error, "field", None), error.message)
        return form, None


def tell_staff(request, flags, protocol: str = "") -> None:
    """What a clinician reads after saving answers: the crisis protocol first, then an alert."""
    if any(flag.level == "crisis" for flag in flags):
        messages.error(request, f"High risk: follow the crisis protocol now. {protocol}".strip())
    elif flags:
        messages.warning(request, "Safety alert raised for the care team.")
    else:
        complete = "complete" in request.POST
        messages.success(request, "Questionnaire completed." if complete else "Progress saved.")
