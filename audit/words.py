"""Audit events in clinic words: the one mapping the admin's audit page, its CSV and the
patient's "Who has seen my record" share. Pure: no Django import, plain strings in, words out.

An event is (action code, object type `app_label.model`, detail dict). The admin reads an action
("Viewed") and a thing ("Chart", "Session record PDF"); the patient reads one sentence about
their own record ("Viewed your chart", "Printed your session record").
"""

from typing import NamedTuple

# Action code -> (the admin's word, the patient's sentence around a thing: "Viewed {}").
ACTIONS: dict[str, tuple[str, str]] = {
    "view": ("Viewed", "Viewed {}"),
    "list": ("Listed", "Saw {} in a list"),
    "search": ("Searched", "Looked up {}"),
    "create": ("Created", "Added {}"),
    "change": ("Changed", "Updated {}"),
    "print": ("Printed", "Printed {}"),
    "export": ("Exported", "Exported {}"),
    "denied": ("Refused access", "Was refused access to {}"),
    "sign_in": ("Signed in", "Signed in"),
    "sign_in_failed": ("Sign-in failed", "Failed to sign in"),
    "locked_out": ("Locked out", "Was locked out"),
    "sign_out": ("Signed out", "Signed out"),
    "two_factor": ("Two-step sign-in", "Used two-step sign-in"),
    "session_ended": ("Session ended", "Ended a session"),
    "break_glass": ("Emergency access", "Used {}"),
}


class Thing(NamedTuple):
    admin: str  # "Chart"
    patient: str  # "your chart"


# Object type (`app_label.model`) -> what it is, to the admin and to the patient.
OBJECTS: dict[str, Thing] = {
    "accounts.user": Thing("Staff or portal account", "an account"),
    "accounts.usersession": Thing("Sign-in session", "a sign-in session"),
    "accounts.breakglassaccess": Thing("Emergency access", "emergency access to your chart"),
    "audit.auditevent": Thing("Audit event", "an access log entry"),
    "audit.auditseal": Thing("Audit seal", "an access log seal"),
    "patients.patient": Thing("Chart", "your chart"),
    "patients.mrncounter": Thing("Record numbers", "the record numbers"),
    "patients.careteammember": Thing("Care team", "your care team"),
    "patients.treatmentcourse": Thing("Treatment course", "your treatment course"),
    "patients.phasechange": Thing("Phase change", "your course's phase"),
    "patients.alert": Thing("Alert", "an alert about your care"),
    "screening.screeningpolicy": Thing("Screening policy", "the screening policy"),
    "screening.screening": Thing("Screening", "your screening"),
    "screening.bloodpressurereading": Thing("Blood pressure reading", "a blood pressure reading"),
    "screening.instrumentadministration": Thing("Questionnaire", "a questionnaire of yours"),
    "screening.screeningdecision": Thing("Screening decision", "your screening decision"),
    "screening.reviewitem": Thing("Screening review", "a review of your screening"),
    "screening.policyreview": Thing("Screening policy review", "a review of your screening"),
    "kap_sessions.room": Thing("Room", "a room"),
    "kap_sessions.clinicianhours": Thing("Clinician's hours", "a clinician's hours"),
    "kap_sessions.cliniciandayoff": Thing("Clinician's day off", "a clinician's day off"),
    "kap_sessions.clinicclosedday": Thing("Clinic closed day", "a clinic closed day"),
    "kap_sessions.appointmenttype": Thing("Appointment type", "an appointment type"),
    "kap_sessions.appointment": Thing("Appointment", "an appointment of yours"),
    "kap_sessions.calendarfeed": Thing("Calendar feed", "a calendar feed"),
    "kap_sessions.consentversion": Thing("Consent text", "the consent text"),
    "kap_sessions.consentsignature": Thing("Signed consent", "your signed consent"),
    "kap_sessions.consentwithdrawal": Thing("Consent withdrawal", "your consent withdrawal"),
    "kap_sessions.dose": Thing("Dosing session", "a dosing session record"),
    "kap_sessions.administrationamendment": Thing(
        "Administration correction", "a correction to a dose record"
    ),
    "kap_sessions.checklistitem": Thing("Pre-dose checklist", "a pre-dose check"),
    "kap_sessions.vitalsigns": Thing("Vital signs", "your vital signs"),
    "kap_sessions.adverseevent": Thing("Side effect", "a side effect record"),
    "kap_sessions.incidentreport": Thing("Incident report", "an incident report"),
    "kap_sessions.progressnote": Thing("Progress note", "a progress note"),
    "kap_sessions.psychotherapynote": Thing("Private therapy note", "a private therapy note"),
    "kap_sessions.progressnoteaddendum": Thing("Progress note addendum", "a note's addendum"),
    "kap_sessions.psychotherapynoteaddendum": Thing(
        "Private therapy note addendum", "a note's addendum"
    ),
    "kap_sessions.preparationrecord": Thing("Preparation record", "your preparation record"),
    "kap_sessions.remsenrollment": Thing("REMS enrollment", "your REMS enrollment"),
    "kap_sessions.remsmonitoringform": Thing("REMS monitoring form", "a REMS monitoring form"),
    "kap_sessions.clinicregistration": Thing("Clinic registration", "the clinic registration"),
    "kap_sessions.product": Thing("Product", "a product"),
    "kap_sessions.supplier": Thing("Supplier", "a supplier"),
    "kap_sessions.receipt": Thing("Stock receipt", "a stock receipt"),
    "kap_sessions.lot": Thing("Stock lot", "a stock lot"),
    "kap_sessions.movement": Thing("Stock ledger line", "a dispensing line"),
    "kap_sessions.count": Thing("Stock count", "a stock count"),
    "kap_sessions.discrepancy": Thing("Stock discrepancy", "a stock discrepancy"),
    "integration.followup": Thing("Follow-up", "a follow-up of yours"),
    "integration.integrationnote": Thing("Integration note", "an integration note"),
    "integration.integrationnoteaddendum": Thing(
        "Integration note addendum", "an integration note's addendum"
    ),
    "notifications.message": Thing("Message", "a message to you"),
    "notifications.delivery": Thing("Message delivery", "a message delivery"),
    "notifications.contactpreference": Thing("Contact preferences", "your contact preferences"),
    "notifications.messagingpause": Thing("Message pause", "the message pause"),
    "outcomes.coursesummary": Thing("Course summary", "your course summary"),
    "portal.portalinvitation": Thing("Portal invitation", "your portal invitation"),
    "portal.journalprompt": Thing("Journal prompt", "a journal prompt"),
    "portal.promptassignment": Thing("Journal prompt", "a journal prompt for you"),
    "portal.journalentry": Thing("Journal entry", "a journal entry of yours"),
}

# Printed or exported documents, named by the event's `detail["document"]` or, failing that, by
# the object printed. A print of a dose is its session record.
DOCUMENTS: dict[str, Thing] = {
    "patient record": Thing("Patient record PDF", "your record"),
    "course summary": Thing("Course summary PDF", "your course summary"),
    "session record": Thing("Session record PDF", "your session record"),
    "rems form": Thing("REMS form PDF", "a REMS form"),
    "screening summary": Thing("Screening summary PDF", "your screening summary"),
    "consent": Thing("Signed consent PDF", "your signed consent"),
    "dispensing log": Thing("Dispensing log", "your dispensing log"),
}
_PRINTED = {
    "kap_sessions.dose": "session record",
    "screening.screeningdecision": "screening summary",
    "kap_sessions.consentsignature": "consent",
}

# Events about a patient with no object: a page named by a key of `detail`.
PAGES: dict[str, Thing] = {
    "audit_log": Thing("Audit log", "the access log of your record"),
    "access_log": Thing("Who has seen my record", "who has seen your record"),
    "dispensing": Thing("Dispensing log", "your dispensing log"),
    "rems": Thing("REMS forms", "your REMS forms"),
    "notes": Thing("Notes", "your notes"),
    "record": Thing("Record", "your record"),
    "crisis": Thing("Help now page", "the help now page"),
    "contact": Thing("Contact details", "your contact details"),
    "questionnaires": Thing("Questionnaires", "your questionnaires"),
    "scores": Thing("Progress", "your progress"),
    "prompts": Thing("Journal", "your journal"),
    "signatures": Thing("Consent", "your consent"),
    "appointments": Thing("Appointments", "your appointments"),
    "portal_invitation": Thing("Portal invitation", "your portal invitation"),
    "shared_journal_entries": Thing("Shared journal", "your shared journal entries"),
    "dashboard": Thing("Outcomes dashboard", "the outcomes dashboard"),
    "inventory": Thing("Stock inventory", "the stock inventory"),
    "path": Thing("Sign-in page", "the sign-in page"),  # sign-in failures and lockouts
}
UNNAMED = Thing("Record", "your record")


def action_word(action: str) -> str:
    """'view' -> 'Viewed'. An action this table does not know reads as its words, not a code."""
    known = ACTIONS.get(action)
    return known[0] if known else action.replace("_", " ").capitalize()


def thing(action: str, object_type: str, detail: dict | None = None) -> Thing:
    """What the event touched, in words: a printed document, a kind of record, or a page."""
    detail = detail if isinstance(detail, dict) else {}
    document = detail.get("document")
    if action in ("print", "export"):
        named = document if isinstance(document, str) else _PRINTED.get(object_type)
        if named in DOCUMENTS:
            return DOCUMENTS[named]
    if object_type in OBJECTS:
        return OBJECTS[object_type]
    if detail.get("dispensing") and action in ("print", "export"):
        return DOCUMENTS["dispensing log"]
    for key in detail:
        if key in PAGES:
            return PAGES[key]
    if object_type:  # a model added later: its name, never its code
        words = object_type.rsplit(".", 1)[-1]
        return Thing(words.capitalize(), f"a {words}")
    return UNNAMED


def sentence(action: str, object_type: str, detail: dict | None = None) -> str:
    """What a staff member did, as the patient reads it: 'Printed your session record'."""
    known = ACTIONS.get(action)
    pattern = known[1] if known else action_word(action) + " {}"
    return pattern.format(thing(action, object_type, detail).patient)
