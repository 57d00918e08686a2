"""The page reader the hostile-input test relies on: if it found nothing, that test would pass
without testing anything."""

from tests import hostile_pages as site

PAGE = """
<a href="?status=eligible&amp;page=2">Eligible</a>
<a href="/schedule/rooms/1/?view=week&day=2026-01-05">Week</a>
<form method="post" action="/patients/1/edit/">
  <input type="hidden" name="csrfmiddlewaretoken" value="t">
  <input type="text" name="first_name" value="Ada &amp; Co">
  <textarea name="address">
12 Elm St</textarea>
  <select name="sex"><option value="">-</option><option value="female" selected>F</option></select>
  <input type="radio" name="q1" value="no"><input type="radio" name="q1" value="yes" checked>
  <select name="day" hx-get="/slots/"><option value="1">1</option></select>
  <button type="submit" name="save" value="1">Save</button>
</form>
<form method="get" action="/intake/"><input name="status"></form>
"""


def test_the_reader_finds_forms_fields_and_query_names():
    page = site.parse(PAGE, "/intake/")
    edit, queue = page.forms
    assert (edit.action, edit.method, queue.method) == ("/patients/1/edit/", "post", "get")
    fields = {f.name: f for f in edit.fields}
    assert fields["first_name"].value == "Ada & Co" and fields["sex"].value == "female"
    assert fields["sex"].options == ["", "female"]
    assert [f.checked for f in edit.fields if f.name == "q1"] == [False, True]
    assert edit.submits == [("save", "1")]
    assert page.query_names == {
        "/intake/": {"status", "page"},
        "/schedule/rooms/1/": {"view", "day"},
        "/slots/": {"day"},
    }
    values = site.field_values(PAGE, "/intake/", "/patients/1/edit/")
    assert values["first_name"] == "Ada & Co" and values["address"].strip() == "12 Elm St"


def test_the_walk_lists_every_named_route_with_its_parameters():
    routes = {route.name: route.params for route in site.routes()}
    assert routes["chart"] == ("patient_pk",)
    assert routes["dose_action"] == ("dose_pk", "action")
    assert routes["admin:patients_patient_change"] == ("object_id",)
    assert "admin:audit_auditevent_changelist" in routes
    assert routes["portal:journal_write"] == ("assignment_pk",)
    assert routes["portal:accept"] == ("token",)
