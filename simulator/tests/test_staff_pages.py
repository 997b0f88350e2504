"""The staff pages of the delivery side: who gets in, what each role sees (blind review included),
filters, sorting and pagination, invitations one or many at once, revoke and resend, and a pinned
number of queries per page whatever the number of rows."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from scoring import services as scoring_services
from scoring.staff_selectors import participant_code
from simulator import services
from simulator.models import AttemptStatus, Invitation

pytestmark = pytest.mark.django_db

LIST_PAGES = ["staff-attempts", "staff-queue", "staff-invitations"]


@pytest.fixture
def other_panel_reviewer(organisation, review_exercise):
    """A reviewer of the same organisation who sits on another panel."""
    user = get_user_model().objects.create_user(username="pat", password="reviewer-password-789")
    services.member_add(organisation=organisation, user=user, role="reviewer")
    services.panel_create(organisation=organisation, name="Platform hiring", reviewers=[user])
    return user


@pytest.fixture
def two_scored(scored_attempt):
    return scored_attempt("ann@example.com"), scored_attempt("bob@example.com")


def _page(client, user, name, *args, **query):
    client.force_login(user)
    return client.get(reverse(name, args=args), query)


def _text(response) -> str:
    return response.content.decode()


# Who gets in ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["staff-home", *LIST_PAGES])
def test_an_anonymous_visitor_is_sent_to_the_login_page(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/?next=")


def test_an_anonymous_visitor_cannot_see_a_participant_or_revoke_or_resend(client, two_scored):
    attempt = two_scored[0]
    for url in (
        reverse("staff-participant", args=[attempt.participant_id]),
        reverse("staff-invitation-revoke", args=[attempt.invitation_id]),
        reverse("staff-invitation-resend", args=[attempt.invitation_id]),
    ):
        response = client.post(url) if "invitations" in url else client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/staff/login/"), url
    assert Invitation.objects.get(pk=attempt.invitation_id).attempt.status == AttemptStatus.SCORED


def test_a_participant_with_an_attempt_in_their_session_is_not_let_in(client, review_exercise, invite):
    _, token = invite(review_exercise)
    client.post(reverse("take", args=[token]))  # the attempt's token now sits in the session
    assert client.session.get("attempt_tokens")

    for name in LIST_PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith("/staff/login/"), name


def test_a_logged_in_user_without_a_membership_gets_404(client, db):
    operator = get_user_model().objects.create_user(username="op", password="operator-password-123")
    client.force_login(operator)

    for name in LIST_PAGES:
        assert client.get(reverse(name)).status_code == 404, name


def test_staff_log_in_on_the_login_page_and_out_with_a_post(client, lead):
    page = client.get(reverse("staff-login"))
    assert 'for="id_username"' in _text(page) and 'for="id_password"' in _text(page)

    response = client.post(reverse("staff-login"), {"username": "lena", "password": "lead-password-123"})
    assert response.status_code == 302 and response["Location"] == "/staff/"
    assert client.get("/staff/")["Location"] == reverse("staff-attempts")

    response = client.post(reverse("staff-logout"))
    assert response["Location"] == reverse("staff-login")
    assert client.get(reverse("staff-attempts")).status_code == 302


def test_a_wrong_password_is_refused_with_a_message(client, lead):
    response = client.post(reverse("staff-login"), {"username": "lena", "password": "nope"})

    assert response.status_code == 200 and 'role="alert"' in _text(response)


# Scope ---------------------------------------------------------------------------------------------


def test_a_lead_of_another_organisation_sees_empty_lists_and_404_for_a_participant(
    client, two_scored, outsiders
):
    _, users = outsiders
    for role in ("lead", "reviewer"):
        for name in LIST_PAGES:
            response = _page(client, users[role], name)
            assert response.status_code == 200
            assert "Ann" not in _text(response) and "ann@example.com" not in _text(response), (role, name)
        assert (
            _page(client, users[role], "staff-participant", two_scored[0].participant_id).status_code == 404
        )
        revoke = client.post(reverse("staff-invitation-revoke", args=[two_scored[0].invitation_id]))
        resend = client.post(reverse("staff-invitation-resend", args=[two_scored[0].invitation_id]))
        assert revoke.status_code == 404 and resend.status_code == 404


def test_a_reviewer_of_another_panel_sees_none_of_this_panels_attempts(
    client, two_scored, other_panel_reviewer
):
    attempts = _page(client, other_panel_reviewer, "staff-attempts")
    invitations = _page(client, other_panel_reviewer, "staff-invitations")
    participant = _page(client, other_panel_reviewer, "staff-participant", two_scored[0].participant_id)

    assert two_scored[0].public_id not in _text(attempts)
    assert participant_code(two_scored[0].participant_id) not in _text(attempts)
    assert participant_code(two_scored[0].participant_id) not in _text(invitations)
    assert participant.status_code == 404


# Blind review --------------------------------------------------------------------------------------


def test_a_blinded_reviewer_sees_codes_and_no_scores_until_they_submit_their_review(
    client, two_scored, reviewer
):
    ann, bob = two_scored
    page = _text(_page(client, reviewer, "staff-attempts"))

    assert "Ann" not in page and "ann@example.com" not in page and "Bob" not in page
    assert participant_code(ann.participant_id) in page and participant_code(bob.participant_id) in page
    assert "Strong no hire" not in page and "Hire" not in page.replace("Hiring", "")
    assert page.count("hidden</span>") >= 6  # auto, score and recommendation of both rows

    dimensions = list(ann.scorecard.auto_scores)
    scoring_services.review_submit(attempt=ann, reviewer=reviewer, scores=dict.fromkeys(dimensions, 3))
    page = _text(_page(client, reviewer, "staff-attempts"))

    assert "Ann" in page and "ann@example.com" in page
    assert "Bob" not in page and participant_code(bob.participant_id) in page


def test_a_lead_always_sees_names_and_scores(client, two_scored, lead):
    page = _text(_page(client, lead, "staff-attempts"))

    assert "Ann" in page and "Bob" in page and "hidden</span>" not in page
    assert "score-bar" in page


def test_searching_by_name_never_finds_a_blinded_row(client, two_scored, reviewer, lead):
    assert "Ann" in _text(_page(client, lead, "staff-attempts", q="ann"))

    page = _text(_page(client, reviewer, "staff-attempts", q="ann"))

    assert participant_code(two_scored[0].participant_id) not in page
    assert "No attempt matches these filters" in page


def test_sorting_by_participant_or_score_does_not_order_blinded_rows_by_what_they_hide(
    client, scored_attempt, reviewer
):
    # Created so that the newest-first tie-break is the reverse of alphabetical order.
    zed, amy = scored_attempt("zed@example.com"), scored_attempt("amy@example.com")
    for sort in ("participant", "-participant", "mean", "-mean"):
        page = _text(_page(client, reviewer, "staff-attempts", sort=sort))
        codes = [participant_code(a.participant_id) for a in (amy, zed)]
        assert page.index(codes[0]) < page.index(codes[1]), sort  # newest first, whatever the sort


def test_the_participant_page_shows_a_code_to_a_reviewer_blinded_on_any_of_their_attempts(
    client, scored_attempt, reviewer, lead
):
    first = scored_attempt("ann@example.com")
    second = scored_attempt("ann@example.com")  # a second attempt by the same person
    scoring_services.review_submit(
        attempt=first, reviewer=reviewer, scores=dict.fromkeys(first.scorecard.auto_scores, 3)
    )

    page = _text(_page(client, reviewer, "staff-participant", first.participant_id))

    assert "Ann" not in page and "ann@example.com" not in page
    assert participant_code(first.participant_id) in page
    lead_page = _text(_page(client, lead, "staff-participant", first.participant_id))
    assert "Ann" in lead_page and first.public_id in lead_page and second.public_id in lead_page


def test_the_participant_page_lists_attempts_newest_first_with_scores_per_dimension(
    client, scored_attempt, lead
):
    first = scored_attempt("ann@example.com")
    second = scored_attempt("ann@example.com")

    page = _text(_page(client, lead, "staff-participant", first.participant_id))

    assert page.index(second.public_id) < page.index(first.public_id)
    assert "Customer communication" in page and "dim-score" in page


# Filters, counts, sorting and pages ----------------------------------------------------------------


def test_filters_narrow_the_list_and_counts_per_status_follow_the_other_filters(
    client, two_scored, lead, review_exercise, invite, all_kinds_exercise
):
    invite(all_kinds_exercise, email="cleo@example.com")

    everything = _text(_page(client, lead, "staff-attempts"))
    scored = _text(_page(client, lead, "staff-attempts", status="scored"))
    review = _text(_page(client, lead, "staff-attempts", exercise=review_exercise.pk))
    waiting = _text(_page(client, lead, "staff-attempts", needs_review="yes"))
    nonsense = _page(client, lead, "staff-attempts", exercise="x", needs_review="maybe", sort="drop")

    assert "cleo@" in everything and "cleo@" not in scored and "cleo@" not in review
    assert "Ann" in waiting and "Bob" in waiting and "cleo@" not in waiting
    assert "3 attempts" in everything and "2 attempts" in scored
    assert 'Scored <span class="count">2</span>' in scored
    assert 'Invited <span class="count">1</span>' in scored  # counts ignore the status filter
    assert nonsense.status_code == 200


def test_sorting_links_toggle_the_direction_and_the_header_says_which(client, scored_attempt, lead):
    scored_attempt("zed@example.com"), scored_attempt("amy@example.com")

    ascending = _text(_page(client, lead, "staff-attempts", sort="participant"))
    descending = _text(_page(client, lead, "staff-attempts", sort="-participant"))

    assert ascending.index("Amy") < ascending.index("Zed")
    assert descending.index("Zed") < descending.index("Amy")
    assert 'aria-sort="ascending"' in ascending and "sort=-participant" in ascending
    assert 'aria-sort="descending"' in descending


def test_the_list_shows_fifty_attempts_a_page(client, lead, all_kinds_exercise, invite):
    for n in range(52):
        invite(all_kinds_exercise, email=f"p{n}@example.com")

    first = _text(_page(client, lead, "staff-attempts"))
    second = _text(_page(client, lead, "staff-attempts", page=2))

    assert first.count('class="cell-sub">p') == 50 and "1–50 of 52" in first
    assert second.count('class="cell-sub">p') == 2 and 'rel="prev"' in second


def test_rows_link_to_the_attempts_review_page(client, two_scored, lead):
    page = _text(_page(client, lead, "staff-attempts"))

    assert f'href="/staff/attempts/{two_scored[0].public_id}/"' in page


# A reviewer's queue --------------------------------------------------------------------------------


def test_the_queue_lists_what_is_left_and_what_the_reviewer_did(client, two_scored, reviewer, lead):
    ann, bob = two_scored
    for attempt in two_scored:
        if not attempt.review_assignments.filter(reviewer=reviewer).exists():
            scoring_services.review_assign(attempt=attempt, reviewer=reviewer, assigned_by=lead)
    scoring_services.review_submit(
        attempt=ann, reviewer=reviewer, scores=dict.fromkeys(ann.scorecard.auto_scores, 4)
    )

    page = _text(_page(client, reviewer, "staff-queue"))

    to_review, reviewed = page.split("Reviewed by you")
    assert (
        bob.public_id in to_review and participant_code(bob.participant_id) in to_review and "Bob" not in page
    )
    assert ann.public_id in reviewed and "Ann" in reviewed


# Invitations ---------------------------------------------------------------------------------------


def _post_one(client, exercise, **fields):
    data = {
        "mode": "one",
        "one-participant_name": "Dana Doe",
        "one-participant_email": "dana@example.com",
        "one-exercise": exercise.pk,
        "one-expires_in_days": 5,
        **fields,
    }
    return client.post(reverse("staff-invitations"), data)


def _post_many(client, exercise, lines="", upload=None, send=False):
    data = {"mode": "many", "many-lines": lines, "many-exercise": exercise.pk, "many-expires_in_days": 7}
    if send:
        data["many-send_email"] = "on"
    if upload is not None:
        data["many-csv_file"] = upload
    return client.post(reverse("staff-invitations"), data)


def test_a_lead_invites_one_participant_and_sends_the_link(client, lead, review_exercise):
    client.force_login(lead)

    response = _post_one(client, review_exercise, **{"one-send_email": "on"})

    assert response.status_code == 302
    invitation = Invitation.objects.get(participant__email="dana@example.com")
    assert invitation.last_sent_at is not None
    assert len(mail.outbox) == 1 and "/take/" in mail.outbox[0].body
    page = _text(client.get(response["Location"]))
    assert "1 invitation to Review drill created and sent by e-mail" in page
    assert "Dana Doe" in page and ">Sent<" in page.replace('</span><span class="cell-sub">', "<")


def test_an_invitation_without_sending_is_listed_as_not_sent_with_its_link_to_copy(
    client, lead, review_exercise
):
    client.force_login(lead)
    _post_one(client, review_exercise)

    invitation = Invitation.objects.get(participant__email="dana@example.com")
    page = _text(client.get(reverse("staff-invitations")))

    assert not mail.outbox
    assert f'data-copy="http://testserver/take/{services.invitation_token_for(invitation)}/"' in page
    assert "Not sent" in page


def test_a_bad_single_invitation_shows_the_errors_and_creates_nothing(client, lead, review_exercise):
    client.force_login(lead)

    response = _post_one(
        client, review_exercise, **{"one-participant_email": "nope", "one-expires_in_days": 90}
    )

    assert response.status_code == 400
    assert "Enter a valid email address." in _text(response) and 'aria-invalid="true"' in _text(response)
    assert not Invitation.objects.exists()


def test_many_invitations_from_pasted_lines(client, lead, review_exercise):
    client.force_login(lead)

    response = _post_many(
        client,
        review_exercise,
        'name,email\nAnn Example, ann@example.com\n\n"Doe, Bob",bob@example.com\n',
        send=True,
    )

    assert response.status_code == 302
    assert set(Invitation.objects.values_list("participant__name", flat=True)) == {"Ann Example", "Doe, Bob"}
    assert len(mail.outbox) == 2


def test_a_bad_line_creates_nothing_and_every_bad_line_is_named(client, lead, review_exercise):
    client.force_login(lead)

    response = _post_many(
        client,
        review_exercise,
        "Ann, ann@example.com\nBob, not-an-email\n, nameless@example.com\nAnn again, ANN@example.com\njust one cell",
    )

    page = _text(response)
    assert response.status_code == 400 and not Invitation.objects.exists()
    assert "Nothing was created" in page
    assert "Line 2: “not-an-email” is not a valid e-mail address." in page
    assert "Line 3: the name is missing." in page
    assert "Line 4: ANN@example.com is already on line 1." in page
    assert "Line 5: expected a name and an e-mail separated by a comma." in page


def test_many_invitations_from_an_uploaded_csv(client, lead, review_exercise):
    client.force_login(lead)
    upload = SimpleUploadedFile(
        "people.csv", "\ufeffname,email\nÉmile, emile@example.com\n".encode(), "text/csv"
    )

    response = _post_many(client, review_exercise, upload=upload)

    assert response.status_code == 302
    assert Invitation.objects.get().participant.name == "Émile"


def test_an_empty_bulk_form_asks_for_lines(client, lead, review_exercise):
    client.force_login(lead)

    response = _post_many(client, review_exercise)

    assert response.status_code == 400 and "Paste at least one line" in _text(response)


def test_a_lead_cannot_invite_to_another_organisations_exercise(client, lead, outsiders):
    other, _ = outsiders
    foreign = services.exercise_create(
        organisation=other, slug="x", title="Foreign", purpose="hiring", time_limit_minutes=10, base_seed=1,
        items=[{"kind": "customer_comms", "archetypes": [], "difficulty": "medium"}],
    )  # fmt: skip
    client.force_login(lead)

    response = _post_one(client, foreign)

    assert response.status_code == 400 and not Invitation.objects.exists()


def test_revoke_cancels_the_attempt_and_the_link_stops_working(client, lead, review_exercise, invite):
    invitation, token = invite(review_exercise)
    client.force_login(lead)

    response = client.post(
        reverse("staff-invitation-revoke", args=[invitation.pk]), {"return_query": "status=sent"}
    )

    assert (
        response.status_code == 302 and response["Location"] == reverse("staff-invitations") + "?status=sent"
    )
    invitation.refresh_from_db()
    assert invitation.attempt.status == AttemptStatus.CANCELLED
    page = _text(client.get(reverse("staff-invitations")))
    assert "is revoked" in page and "Revoked" in page
    assert client.get(reverse("take", args=[token])).status_code == 410


def test_revoke_asks_for_confirmation_and_needs_a_post(client, lead, review_exercise, invite):
    invitation, _ = invite(review_exercise)
    client.force_login(lead)

    page = _text(client.get(reverse("staff-invitations")))

    assert "data-confirm=" in page
    assert client.get(reverse("staff-invitation-revoke", args=[invitation.pk])).status_code == 405


def test_resend_mails_the_link_again_and_is_refused_once_revoked(client, lead, review_exercise, invite):
    invitation, token = invite(review_exercise)
    client.force_login(lead)

    client.post(reverse("staff-invitation-resend", args=[invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.last_sent_at is not None
    assert len(mail.outbox) == 1 and f"/take/{token}/" in mail.outbox[0].body

    client.post(reverse("staff-invitation-revoke", args=[invitation.pk]))
    response = client.post(reverse("staff-invitation-resend", args=[invitation.pk]), follow=True)
    assert len(mail.outbox) == 1 and "Not sent to casey@example.com" in _text(response)


def test_a_reviewer_cannot_revoke_or_resend_an_invitation_they_did_not_create(
    client, two_scored, reviewer, lead
):
    invitation, _ = services.invitation_create(
        exercise=two_scored[0].exercise,
        participant_name="Eve",
        participant_email="eve@example.com",
        created_by=lead,
    )
    client.force_login(reviewer)

    page = _text(client.get(reverse("staff-invitations")))
    assert "data-copy=" not in page and ">Revoke<" not in page
    assert client.post(reverse("staff-invitation-revoke", args=[invitation.pk])).status_code == 404
    assert client.post(reverse("staff-invitation-resend", args=[invitation.pk])).status_code == 404
    assert Invitation.objects.get(pk=invitation.pk).attempt.status == AttemptStatus.INVITED


def test_invitation_filters_by_status_and_exercise(client, lead, review_exercise, all_kinds_exercise, invite):
    sent, _ = invite(review_exercise, email="sent@example.com")
    Invitation.objects.filter(pk=sent.pk).update(last_sent_at=sent.created_at)
    invite(all_kinds_exercise, email="other@example.com")
    revoked, _ = invite(review_exercise, email="gone@example.com")
    services.invitation_revoke(invitation=revoked, revoked_by=lead)

    by_status = _text(_page(client, lead, "staff-invitations", status="sent"))
    by_exercise = _text(_page(client, lead, "staff-invitations", exercise=all_kinds_exercise.pk))
    gone = _text(_page(client, lead, "staff-invitations", status="revoked"))

    assert "sent@example.com" in by_status and "other@example.com" not in by_status
    assert "other@example.com" in by_exercise and "sent@example.com" not in by_exercise
    assert "gone@example.com" in gone and "sent@example.com" not in gone
    assert 'Revoked <span class="count">1</span>' in by_status


def test_a_blinded_reviewer_sees_invitations_by_code(client, two_scored, reviewer):
    page = _text(_page(client, reviewer, "staff-invitations"))

    assert "ann@example.com" not in page and participant_code(two_scored[0].participant_id) in page


# Accessibility in the markup -----------------------------------------------------------------------


def test_tables_have_header_scopes_and_every_control_a_label(client, two_scored, lead):
    import re

    for name in LIST_PAGES:
        page = _text(_page(client, lead, name))
        assert "<th>" not in page and '<th scope="col"' in page, name
        for control_id in re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', page):
            assert f'for="{control_id}"' in page, (name, control_id)
    assert 'class="skip-link" href="#main"' in page


# Queries -------------------------------------------------------------------------------------------


def _queries(client, django_assert_num_queries, url, expected):
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("who", ["lead", "reviewer"])
def test_the_attempts_page_runs_the_same_queries_for_two_rows_or_eight(
    client, scored_attempt, invite, all_kinds_exercise, who, request, django_assert_num_queries
):
    user = request.getfixturevalue(who)
    client.force_login(user)
    scored_attempt("a@example.com"), scored_attempt("b@example.com")
    url = reverse("staff-attempts") + "?sort=-mean"
    client.get(url)
    expected = 8  # session, user, membership, exercises, reviewers, count, rows, status counts
    _queries(client, django_assert_num_queries, url, expected)

    for n in range(3):
        scored_attempt(f"more{n}@example.com")
        invite(all_kinds_exercise, email=f"inv{n}@example.com")
    _queries(client, django_assert_num_queries, url, expected)


def test_the_invitations_page_runs_the_same_queries_for_two_rows_or_eight(
    client, lead, scored_attempt, invite, all_kinds_exercise, django_assert_num_queries
):
    client.force_login(lead)
    scored_attempt("a@example.com"), invite(all_kinds_exercise, email="b@example.com")
    url = reverse("staff-invitations")
    expected = 7  # session, user, membership, exercises, count, rows, status counts
    _queries(client, django_assert_num_queries, url, expected)

    for n in range(6):
        invite(all_kinds_exercise, email=f"inv{n}@example.com")
    _queries(client, django_assert_num_queries, url, expected)


def test_the_queue_and_participant_pages_run_a_fixed_number_of_queries(
    client, reviewer, lead, scored_attempt, django_assert_num_queries
):
    attempts = [scored_attempt("ann@example.com") for _ in range(2)]
    for attempt in attempts:
        if not attempt.review_assignments.filter(reviewer=reviewer).exists():
            scoring_services.review_assign(attempt=attempt, reviewer=reviewer, assigned_by=lead)
    client.force_login(reviewer)
    queue, participant = (
        reverse("staff-queue"),
        reverse("staff-participant", args=[attempts[0].participant_id]),
    )
    # session, user, membership, to review, done, appeals
    _queries(client, django_assert_num_queries, queue, 6)
    _queries(client, django_assert_num_queries, participant, 5)  # session, user, membership, person, attempts

    for _ in range(3):
        attempt = scored_attempt("ann@example.com")
        if not attempt.review_assignments.filter(reviewer=reviewer).exists():
            scoring_services.review_assign(attempt=attempt, reviewer=reviewer, assigned_by=lead)
    _queries(client, django_assert_num_queries, queue, 6)
    _queries(client, django_assert_num_queries, participant, 5)
