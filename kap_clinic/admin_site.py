"""The clinic's admin site: Django's, with every admin page's query string read through a form
before Django's change lists turn it into SQL.

A list filter, a search or the date drill-down came straight from the URL into the ORM: a NUL
byte reached PostgreSQL (which cannot store one in text) and a year like 99999999999 overflowed
Python's date. Here each value is text without NUL bytes and of sane length, a date part is a
number a calendar holds, and the rows an admin action names are the model's primary keys;
anything else is refused with a message, on the same list unfiltered.
"""

from functools import wraps

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.shortcuts import redirect

# The date drill-down's parts (`<field>__year`, `__month`, `__day`), and years the clinic's data
# can hold: a wider year overflows when Django converts it to UTC.
DATE_PARTS = {"year": (1900, 2999), "month": (1, 12), "day": (1, 31)}
MAX_VALUE_LENGTH = 2000


class _EveryValue(forms.Field):
    """Every value the query string gives one name (a filter may repeat), each cleaned by
    `field`."""

    widget = forms.MultipleHiddenInput

    def __init__(self, field: forms.Field):
        super().__init__(required=False)
        self.field = field

    def clean(self, values):
        return [self.field.clean(value) for value in values or []]


class _PrimaryKey(forms.Field):
    """A value read as `model`'s primary key (an integer, a UUID…), as the ORM will use it."""

    def __init__(self, model):
        super().__init__()
        self.model_field = model._meta.pk

    def to_python(self, value):
        return self.model_field.to_python(value)  # a ValidationError when it is not one


class AdminQueryForm(forms.Form):
    """A query string's values; with `pk_field`, also the rows an action was asked to touch."""

    def __init__(self, data, model=None, selected=()):
        super().__init__({**dict(data.lists()), ACTION_CHECKBOX_NAME: list(selected)})
        if model is not None:
            self.fields[ACTION_CHECKBOX_NAME] = _EveryValue(_PrimaryKey(model))
        for name in data:
            part = DATE_PARTS.get(name.rsplit("__", 1)[-1]) if "__" in name else None
            field = (
                forms.IntegerField(min_value=part[0], max_value=part[1])
                if part
                else forms.CharField(required=False, max_length=MAX_VALUE_LENGTH, strip=False)
            )
            self.fields[name] = _EveryValue(field)


def _parsed_query(view):
    # A model page's view is its ModelAdmin's bound method: the rows an action names are parsed
    # as that model's primary keys (Django passes them to the ORM as they come).
    model = getattr(getattr(view, "__self__", None), "model", None)

    @wraps(view)
    def parsed(request, *args, **kwargs):
        selected = request.POST.getlist(ACTION_CHECKBOX_NAME) if request.method == "POST" else []
        form = AdminQueryForm(request.GET, model, selected)
        if not form.is_valid():
            messages.error(
                request,
                "That filter or selection could not be read: nothing was done, and the list is "
                "shown unfiltered.",
            )
            return redirect(request.path)
        return view(request, *args, **kwargs)

    return parsed


class ClinicAdminSite(admin.AdminSite):
    site_header = "KAP Clinic administration"
    site_title = "KAP Clinic"

    def admin_view(self, view, cacheable=False):
        # Django's wrapper checks the sign-in and permissions first; then the query is read.
        return super().admin_view(_parsed_query(view), cacheable)


class ClinicAdminConfig(AdminConfig):
    """`django.contrib.admin` with the clinic's site (INSTALLED_APPS names this instead)."""

    default_site = "kap_clinic.admin_site.ClinicAdminSite"
