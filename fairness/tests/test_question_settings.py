"""/staff/settings/self-identification/: a lead edits the voluntary questions; nobody else sees it."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from fairness import selectors
from fairness.models import QuestionSet
from fairness.questions import DEFAULT_QUESTIONS, questions_from_form
from simulator import services
from simulator.models import AuditEntry

URL = "/staff/settings/self-identification/"


def form_for(questions, extra=None):
    """The POST the page's form sends for these question blocks."""
    data = {"action": "save", "count": str(len(questions))}
    for i, q in enumerate(questions):
        data[f"q{i}-key"] = q.get("key", "")
        data[f"q{i}-label"] = q.get("label", "")
        data[f"q{i}-prompt"] = q.get("prompt", "")
        data[f"q{i}-options"] = q.get("options", "")
        if q.get("remove"):
            data[f"q{i}-remove"] = "yes"
    data.update(extra or {})
    return data


def default_blocks():
    return [{**q, "options": "\n".join(o["label"] for o in q["options"])} for q in DEFAULT_QUESTIONS]


# The form's reading: keys are what stored answers hold, so they survive edits -----------------------


def test_rewording_keeps_question_keys_and_an_option_keeps_its_key_by_label():
    blocks = default_blocks()
    blocks[1] = {
        **blocks[1],
        "label": "Age band",
        "options": "Under 25\n25 to 39\n40 to 54\n55 to 64\n65 or over",
    }
    questions = questions_from_form(blocks, previous=DEFAULT_QUESTIONS)
    age = questions[1]
    assert (age["key"], age["label"]) == ("age", "Age band")
    assert [o["key"] for o in age["options"]] == ["under_25", "25_39", "40_54", "55_to_64", "65_or_over"]


def test_new_questions_get_keys_from_their_labels_and_removed_or_empty_blocks_are_dropped():
    blocks = [
        {**default_blocks()[0], "remove": True},
        {
            "key": "",
            "label": "Caring responsibilities",
            "prompt": "Do you care for someone?",
            "options": "Yes\nNo",
        },
        {"key": "", "label": "", "prompt": "", "options": ""},
        {"key": "", "label": "Gender", "prompt": "Again?", "options": "A\nB"},
    ]
    questions = questions_from_form(blocks, previous=DEFAULT_QUESTIONS)
    assert [q["key"] for q in questions] == ["caring_responsibilities", "gender"]
    assert questions[0]["options"] == [{"key": "yes", "label": "Yes"}, {"key": "no", "label": "No"}]


def test_a_label_without_letters_or_digits_gets_a_numbered_key_and_keys_never_collide():
    blocks = [
        {"key": "", "label": "—", "prompt": "?", "options": "Yes\nYES!\n…"},
        {"key": "", "label": "Region", "prompt": "Where?", "options": "North\nSouth"},
        {"key": "", "label": "Region", "prompt": "Where?", "options": "East\nWest"},
    ]
    questions = questions_from_form(blocks, previous=[])
    assert [q["key"] for q in questions] == ["question_1", "region", "region_2"]
    assert [o["key"] for o in questions[0]["options"]] == ["yes", "yes_2", "option_3"]


# The page ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_url_is_the_settings_page():
    assert reverse("staff-settings-self-identification") == URL


@pytest.mark.django_db
def test_a_lead_sees_the_default_questions_and_an_empty_block_to_add_one(
    client, lead, django_assert_num_queries
):
    client.force_login(lead)
    with django_assert_num_queries(5):  # session, user, membership, organisation, question set
        page = client.get(URL).content.decode()
    assert "The default set" in page
    assert (
        'name="q0-label" value="Gender"' in page
        and "Woman\nMan\nNon-binary\nIn another way</textarea>" in page
    )
    assert 'name="count" value="5"' in page and "New question (leave empty to add none)" in page
    assert f'href="{URL}" aria-current="page"' in page
    assert "Restore the default questions" not in page


@pytest.mark.django_db
def test_a_lead_rewords_removes_and_adds_questions_and_the_candidate_page_reads_them(
    client, lead, organisation
):
    client.force_login(lead)
    blocks = default_blocks()
    blocks[0] = {**blocks[0], "prompt": "Which describes your gender best?"}
    blocks[2] = {**blocks[2], "remove": True}
    blocks.append(
        {"label": "Veteran status", "prompt": "Have you served in the armed forces?", "options": "Yes\nNo"}
    )

    response = client.post(URL, form_for(blocks))

    assert response.status_code == 302 and response["Location"] == URL
    questions = selectors.questions_for(organisation_id=organisation.pk)
    assert [q["key"] for q in questions] == ["gender", "age", "disability", "veteran_status"]
    assert questions[0]["prompt"] == "Which describes your gender best?"
    assert questions[0]["options"] == DEFAULT_QUESTIONS[0]["options"]
    entry = AuditEntry.objects.get(action="self_identification.questions_set")
    assert entry.after == {"questions": ["gender", "age", "disability", "veteran_status"]}
    page = client.get(URL).content.decode()
    assert "Questions saved." in page and "Your own set, last changed" in page and "by lena" in page
    assert "Restore the default questions" in page


@pytest.mark.parametrize(
    "change, message",
    [
        ({"q0-options": "Only one"}, "Question 1: give 2 to 12 options"),
        ({"q1-prompt": ""}, "Question 2: prompt must be text of 1 to 200 characters"),
        ({"q0-options": "Woman\nwoman\nMan"}, "Question 1: the option woman is listed twice"),
        (
            {f"q{i}-remove": "yes" for i in range(4)},
            "Give at least one question",
        ),
    ],
    ids=["one-option", "no-prompt", "same-option-twice", "none-left"],
)
@pytest.mark.django_db
def test_a_bad_set_is_refused_with_what_is_wrong_and_the_typing_is_kept(
    client, lead, organisation, change, message
):
    client.force_login(lead)
    blocks = default_blocks()
    blocks[0] = {**blocks[0], "label": "Gender identity"}
    response = client.post(URL, form_for(blocks, extra=change))

    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was saved." in page and message in page
    assert 'value="Gender identity"' in page  # what the lead typed is still there
    assert not QuestionSet.objects.exists()


@pytest.mark.django_db
def test_a_lead_restores_the_defaults(client, lead, organisation):
    client.force_login(lead)
    client.post(URL, form_for([{"label": "Region", "prompt": "Where?", "options": "North\nSouth"}]))
    assert selectors.questions_for(organisation_id=organisation.pk)[0]["key"] == "region"

    response = client.post(URL, {"action": "restore"})

    assert response.status_code == 302
    assert selectors.questions_for(organisation_id=organisation.pk) == DEFAULT_QUESTIONS
    assert "Default questions restored." in client.get(URL).content.decode()


@pytest.mark.django_db
def test_markup_in_labels_is_shown_as_text(client, lead):
    client.force_login(lead)
    blocks = [
        {
            "label": "<script>alert(1)</script>",
            "prompt": '"><img src=x onerror=alert(1)>',
            "options": "<b>Yes</b>\nNo",
        }
    ]
    assert client.post(URL, form_for(blocks)).status_code == 302
    page = client.get(URL).content.decode()
    assert "<script>alert(1)</script>" not in page and "<img src=x" not in page and "<b>Yes</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.django_db
def test_a_reviewer_and_another_organisations_lead_get_404_and_an_anonymous_visitor_the_login_page(
    client, reviewer
):
    assert client.get(URL)["Location"].startswith("/staff/login/")
    client.force_login(reviewer)
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"action": "restore"}).status_code == 404
    other = services.organisation_create(name="Other", slug="other")
    outsider = get_user_model().objects.create_user(username="olga", password="x-password-123")
    services.member_add(organisation=other, user=outsider, role="lead")
    client.force_login(outsider)
    client.post(URL, {"action": "restore"})
    assert list(QuestionSet.objects.values_list("organisation_id", flat=True)) == [other.pk]
