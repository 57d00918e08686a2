"""Screening policy versions: v1 from the data migration, drafts, publishing, the one active
version, and the admin site that drives them."""

import importlib
import json
import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from screening import services
from screening.errors import ScreeningError
from screening.models import ScreeningPolicy
from screening.rules import POLICY_V1, POLICY_V1_DATA
from screening.selectors import active_policy, policy_by_label
from tests.screening.factories import ScreeningPolicyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(make_user):
    return make_user("admin", username="ada")


@pytest.fixture
def draft(admin_user, v1):
    return services.policy_draft_from(by=admin_user)


def lower_bp(data: dict, systolic: int = 130) -> dict:
    return {**data, "hypertension_elevated_systolic": systolic}


# --- v1 -------------------------------------------------------------------------------------


def test_the_migration_holds_a_literal_copy_of_v1():
    migration = importlib.import_module("screening.migrations.0002_policy_v1")
    assert migration.POLICY_V1_DATA == POLICY_V1_DATA
    assert migration.POLICY_V1_DATA is not POLICY_V1_DATA


def test_v1_is_published_active_and_clinical_md(v1):
    assert (v1.status, v1.active) == ("published", True)
    assert v1.published_at is not None
    assert v1.data == POLICY_V1_DATA
    assert v1.to_policy() == POLICY_V1
    assert active_policy() == v1


# --- drafts ---------------------------------------------------------------------------------


def test_a_new_draft_copies_the_active_version(draft, v1, admin_user):
    assert (draft.label, draft.status, draft.active) == ("v2", "draft", False)
    assert draft.based_on == v1 and draft.created_by == admin_user
    assert draft.data == {**POLICY_V1_DATA, "label": "v2"}
    assert draft.to_policy().hypertension_elevated_systolic == 140
    event = AuditEvent.objects.filter(object_type="screening.screeningpolicy").latest("id")
    assert (event.action, event.user, event.detail) == ("create", admin_user, {"based_on": "v1"})


def test_a_draft_may_copy_any_version_under_its_own_label(draft, admin_user):
    copy = services.policy_draft_from(by=admin_user, source=draft, label=" bp-130 ")
    assert (copy.label, copy.based_on, copy.data["label"]) == ("bp-130", draft, "bp-130")
    assert services.policy_draft_from(by=admin_user).label == "v3"


@pytest.mark.parametrize(
    ("label", "error"),
    [("v1", "already exists"), ("v 2", "letters, digits"), ("-v2", "letters, digits")],
)
def test_a_draft_label_must_be_new_and_typeable(admin_user, v1, label, error):
    with pytest.raises(ScreeningError, match=error) as refused:
        services.policy_draft_from(by=admin_user, label=label)
    assert refused.value.field == "label"
    assert ScreeningPolicy.objects.count() == 1


def test_a_draft_is_edited_and_keeps_keys_the_rules_do_not_read(draft, admin_user):
    data = {**lower_bp(draft.data), "dose_ranges": {"ketamine_iv": [0.1, 1.0]}}
    services.policy_update_draft(by=admin_user, policy=draft, data=data, notes=" Lower BP ")
    draft.refresh_from_db()
    assert draft.data == data
    assert draft.notes == "Lower BP"
    assert draft.to_policy().hypertension_elevated_systolic == 130


def test_the_label_inside_the_data_follows_the_versions(draft, admin_user):
    data = {**draft.data, "label": "something else"}
    services.policy_update_draft(by=admin_user, policy=draft, data=data, label="v2b")
    draft.refresh_from_db()
    assert draft.label == draft.data["label"] == "v2b"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ([1, 2], "a policy must be a JSON object"),
        ({"label": "v2"}, "hypertension_elevated_systolic: required"),
        (
            lower_bp(POLICY_V1_DATA, systolic=160),
            "hypertension_elevated_systolic: must be below the uncontrolled limit",
        ),
        (lower_bp(POLICY_V1_DATA, systolic=True), "must be a positive whole number"),
        (
            {**POLICY_V1_DATA, "interacting_medications": {"opioids": "codeine"}},
            "interacting_medications.opioids: must be a list",
        ),
    ],
)
def test_bad_data_is_refused_with_a_readable_message(draft, admin_user, data, error):
    with pytest.raises(ScreeningError, match=error) as refused:
        services.policy_update_draft(by=admin_user, policy=draft, data=data)
    assert refused.value.field == "data"
    draft.refresh_from_db()
    assert draft.data == {**POLICY_V1_DATA, "label": "v2"}


def test_drafts_are_editable_through_the_model(draft):
    draft.data = lower_bp(draft.data)
    draft.save()
    draft.refresh_from_db()
    assert draft.data["hypertension_elevated_systolic"] == 130


def test_only_administrators_change_policy(make_user, draft, v1):
    therapist = make_user("therapist")
    with pytest.raises(ScreeningError, match="Only an administrator"):
        services.policy_draft_from(by=therapist)
    with pytest.raises(ScreeningError, match="Only an administrator"):
        services.policy_update_draft(by=therapist, policy=draft, data=lower_bp(draft.data))
    with pytest.raises(ScreeningError, match="Only an administrator"):
        services.policy_publish(by=therapist, policy=draft)


# --- published versions are final -----------------------------------------------------------


def test_the_service_refuses_to_edit_a_published_version(v1, admin_user):
    with pytest.raises(ScreeningError, match="v1 is published"):
        services.policy_update_draft(by=admin_user, policy=v1, data=lower_bp(v1.data))
    v1.refresh_from_db()
    assert v1.data == POLICY_V1_DATA


@pytest.mark.parametrize(
    "change",
    [
        {"data": lower_bp(POLICY_V1_DATA)},
        {"label": "v1b"},
        {"status": "draft", "active": False},
    ],
)
def test_the_model_refuses_to_edit_a_published_version(v1, change):
    for name, value in change.items():
        setattr(v1, name, value)
    with pytest.raises(ScreeningError, match="v1 is published"):
        v1.save()
    v1.refresh_from_db()
    assert (v1.label, v1.data, v1.status) == ("v1", POLICY_V1_DATA, "published")


def test_the_model_refuses_to_delete_a_published_version(v1):
    with pytest.raises(ScreeningError, match="v1 is published"):
        v1.delete()
    assert ScreeningPolicy.objects.filter(label="v1").exists()


def test_a_published_version_may_still_be_deactivated(v1):
    v1.active = False
    v1.save()
    v1.refresh_from_db()
    assert not v1.active


def raw_sql(sql: str, params):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


TABLE = ScreeningPolicy._meta.db_table


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        f"UPDATE {TABLE} SET data = data || '{{\"pcl5_probable_ptsd\": 31}}'::jsonb WHERE id = %s",
        f"UPDATE {TABLE} SET label = 'v1b' WHERE id = %s",
        f"UPDATE {TABLE} SET status = 'draft', active = false WHERE id = %s",
        f"DELETE FROM {TABLE} WHERE id = %s",
    ],
)
def test_postgresql_refuses_raw_edits_of_a_published_version(v1, sql):
    with pytest.raises(IntegrityError, match="v1 is published"):
        raw_sql(sql, [v1.pk])
    v1.refresh_from_db()
    assert (v1.label, v1.data, v1.status) == ("v1", POLICY_V1_DATA, "published")


@pytest.mark.postgres
def test_postgresql_lets_drafts_change_and_published_versions_deactivate(v1, draft):
    raw_sql(
        f"UPDATE {TABLE} SET data = data || '{{\"pcl5_probable_ptsd\": 31}}' WHERE id = %s",
        [draft.pk],
    )
    raw_sql(f"UPDATE {TABLE} SET active = false WHERE id = %s", [v1.pk])
    raw_sql(f"DELETE FROM {TABLE} WHERE id = %s", [draft.pk])
    v1.refresh_from_db()
    assert not v1.active
    assert not ScreeningPolicy.objects.filter(pk=draft.pk).exists()


# --- publishing and the one active version ---------------------------------------------------


def test_the_database_allows_one_active_version(v1):
    with pytest.raises(IntegrityError), transaction.atomic():
        ScreeningPolicyFactory(status="published", published_at=v1.published_at, active=True)


def test_only_a_published_version_can_be_active():
    with pytest.raises(IntegrityError), transaction.atomic():
        ScreeningPolicyFactory(active=True)


def test_publishing_switches_the_active_version(draft, v1, admin_user):
    services.policy_update_draft(by=admin_user, policy=draft, data=lower_bp(draft.data))
    published = services.policy_publish(by=admin_user, policy=draft)
    v1.refresh_from_db()
    assert (published.status, published.active, v1.active) == ("published", True, False)
    assert published.published_by == admin_user and published.published_at is not None
    assert active_policy() == published
    assert active_policy().to_policy().hypertension_elevated_systolic == 130
    event = AuditEvent.objects.filter(object_type="screening.screeningpolicy").latest("id")
    assert event.detail == {"status": "published", "active": True, "replaces": ["v1"]}
    with pytest.raises(ScreeningError, match="v2 is published"):
        services.policy_update_draft(by=admin_user, policy=published, data=draft.data)


def test_a_version_may_be_published_without_activating_it_and_activated_later(
    draft, v1, admin_user
):
    services.policy_publish(by=admin_user, policy=draft, activate=False)
    draft.refresh_from_db()
    assert (draft.status, draft.active) == ("published", False)
    assert active_policy() == v1
    with pytest.raises(ScreeningError, match="already published"):
        services.policy_publish(by=admin_user, policy=draft, activate=False)
    services.policy_publish(by=admin_user, policy=draft)
    assert active_policy() == draft
    # Going back to v1 is activating it again, not editing anything.
    services.policy_publish(by=admin_user, policy=v1)
    assert active_policy() == v1
    with pytest.raises(ScreeningError, match="already the active version"):
        services.policy_publish(by=admin_user, policy=v1)


def test_selectors_name_what_is_missing(draft, v1):
    assert policy_by_label("v2") == draft
    with pytest.raises(ScreeningError, match="'v2' is a draft"):
        policy_by_label("v2", published=True)
    with pytest.raises(ScreeningError, match="no screening policy labelled 'v9'"):
        policy_by_label("v9")
    ScreeningPolicy.objects.update(active=False)
    with pytest.raises(ScreeningError, match="No screening policy is active"):
        active_policy()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_publishes_leave_exactly_one_active_version(admin_user):
    # An earlier transactional test may have emptied the table (and v1 with it).
    source = ScreeningPolicy.objects.filter(active=True).first() or ScreeningPolicyFactory(
        status="published", published_at=timezone.now(), active=True
    )
    drafts = [services.policy_draft_from(by=admin_user, source=source) for _ in range(2)]
    barrier = threading.Barrier(len(drafts))
    errors = []

    def publish(policy):
        barrier.wait()
        try:
            services.policy_publish(by=admin_user, policy=policy)
        except Exception as error:  # any failure at all is the finding
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=publish, args=(d,)) for d in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert ScreeningPolicy.objects.filter(status="published").count() == 3
    (active,) = ScreeningPolicy.objects.filter(active=True)
    assert active in drafts


# --- the admin site --------------------------------------------------------------------------

CHANGELIST = reverse("admin:screening_screeningpolicy_changelist")


def change_url(policy):
    return reverse("admin:screening_screeningpolicy_change", args=[policy.pk])


@pytest.fixture
def admin_client(signed_in, admin_user):
    return signed_in(admin_user)


def act(client, action, *policies):
    return client.post(
        CHANGELIST, {"action": action, "_selected_action": [p.pk for p in policies]}, follow=True
    )


def shown_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_the_admin_lists_versions(admin_client, draft):
    response = admin_client.get(CHANGELIST)
    assert response.status_code == 200
    assert b"v1" in response.content and b"v2" in response.content


def test_a_published_version_is_read_only_in_the_admin(admin_client, v1):
    response = admin_client.get(change_url(v1))
    assert response.status_code == 200
    assert b"<textarea" not in response.content
    assert b"&quot;hypertension_elevated_systolic&quot;: 140" in response.content
    form = {"label": "v1", "notes": "", "data": '{"label": "v1"}'}
    assert admin_client.post(change_url(v1), form).status_code == 403
    v1.refresh_from_db()
    assert v1.data == POLICY_V1_DATA
    delete = reverse("admin:screening_screeningpolicy_delete", args=[v1.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert admin_client.get(reverse("admin:screening_screeningpolicy_add")).status_code == 403


def test_the_admin_creates_a_draft_from_a_version(admin_client, v1, admin_user):
    response = act(admin_client, "new_draft", v1)
    draft = ScreeningPolicy.objects.get(label="v2")
    assert response.redirect_chain == [(change_url(draft), 302)]
    assert "Draft v2 created from v1: edit it, then publish it." in shown_messages(response)
    assert (draft.based_on, draft.created_by, draft.status) == (v1, admin_user, "draft")
    assert b"<textarea" in response.content


def test_the_admin_edits_a_draft(admin_client, draft):
    form = {
        "label": "v2",
        "notes": "Lower BP review limit",
        "data": json.dumps(lower_bp(draft.data)),
    }
    response = admin_client.post(change_url(draft), form)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.notes == "Lower BP review limit"
    assert draft.data["hypertension_elevated_systolic"] == 130


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ('{"label": "v2"}', "hypertension_elevated_systolic: required"),
        ("{not json", "Enter a valid JSON."),
    ],
)
def test_the_admin_shows_bad_data_as_a_form_error(admin_client, draft, data, error):
    response = admin_client.post(change_url(draft), {"label": "v2", "notes": "", "data": data})
    assert response.status_code == 200
    assert error in response.context["adminform"].form.errors["data"][0]
    draft.refresh_from_db()
    assert draft.data == {**POLICY_V1_DATA, "label": "v2"}


def test_the_admin_publishes_and_activates(admin_client, draft, v1):
    response = act(admin_client, "publish_and_activate", draft)
    assert "Policy v2 is published and active: new screenings use it." in shown_messages(response)
    assert active_policy() == draft
    v1.refresh_from_db()
    assert not v1.active
    # Now final: its page is read-only.
    assert b"<textarea" not in admin_client.get(change_url(draft)).content


def test_admin_actions_take_one_version_and_show_refusals(admin_client, draft, v1):
    response = act(admin_client, "publish_and_activate", draft, v1)
    assert "Select exactly one policy version." in shown_messages(response)
    draft.refresh_from_db()
    assert draft.status == "draft"
    response = act(admin_client, "publish_and_activate", v1)
    assert response.status_code == 200
    assert "Policy v1 is already the active version." in shown_messages(response)


def test_a_draft_published_from_another_tab_is_a_message_not_an_error(
    admin_client, draft, admin_user, monkeypatch
):
    update = services.policy_update_draft

    def published_meanwhile(**kwargs):
        services.policy_publish(by=admin_user, policy=draft)
        return update(**kwargs)

    monkeypatch.setattr(services, "policy_update_draft", published_meanwhile)
    data = json.dumps(lower_bp(draft.data))
    response = admin_client.post(
        change_url(draft), {"label": "v2", "notes": "", "data": data}, follow=True
    )
    assert response.status_code == 200
    assert "Policy v2 is published and can no longer be changed" in shown_messages(response)[0]
    # The whole request rolled back, the publication included.
    draft.refresh_from_db()
    assert (draft.status, draft.data["hypertension_elevated_systolic"]) == ("draft", 140)
