"""The HTTP API: one view per operation; the view validates, a service acts, a selector reads.

Candidate calls authenticate with the attempt's access token (Bearer); staff calls with a DRF
token (`Authorization: Token <key>`) or a session. An attempt that is not the caller's is a 404,
never a 403, so ids are not confirmed.
"""

from datetime import timedelta

import orjson
from django.http import Http404
from django.http import HttpResponse as DjangoResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import authentication, permissions, serializers, status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response as HttpResponse
from rest_framework.settings import api_settings
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from scenarios.models import ScenarioKind
from scoring import selectors as scoring_selectors
from scoring import staff_selectors
from simulator import access, input_limits, selectors, services
from simulator import staff_selectors as delivery_selectors
from simulator.authentication import (
    AttemptBearerAuthentication,
    AttemptEventsThrottle,
    AttemptStartThrottle,
    InvitationThrottle,
    LoginThrottle,
)
from simulator.errors import DomainError
from simulator.input_limits import MAX_INT32, MAX_INT64
from simulator.models import Attempt, AttemptItem, AttemptStatus, Exercise, Purpose, SubmittedBy
from simulator.responses import response_schema_for

ERROR = inline_serializer("Error", {"error": serializers.CharField(), "detail": serializers.CharField()})


def domain_error_body(exc: DomainError) -> dict:
    """The JSON of a refused operation: {error, detail} and what the caller needs to recover."""
    body = {"error": exc.code, "detail": str(exc)}
    if isinstance(exc, services.StaleVersion):
        body.update(current_version=exc.response.version, answer=exc.response.answer)
    if isinstance(exc, services.DeadlinePassed):
        body["deadline"] = exc.deadline.isoformat()
    return body


def _validation_text(errors, prefix: str = "") -> str:
    """DRF's nested validation errors as one readable line: 'field: message; other.field: message'."""
    if isinstance(errors, dict):
        parts = [
            _validation_text(value, f"{prefix}{key}." if key != "non_field_errors" else prefix)
            for key, value in errors.items()
        ]
        return "; ".join(part for part in parts if part)
    if isinstance(errors, list):
        return "; ".join(_validation_text(value, prefix) for value in errors)
    return f"{prefix.rstrip('.')}: {errors}" if prefix else str(errors)


def exception_handler(exc, context):
    """Domain errors become JSON {error, detail} with their status; the rest is DRF's."""
    if isinstance(exc, DomainError):
        return HttpResponse(domain_error_body(exc), status=exc.status_code)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, ValidationError):
        response.data = {
            "error": "invalid",
            "detail": _validation_text(response.data),
            "fields": response.data,
        }
        return response
    if response is not None and isinstance(response.data, dict) and "detail" in response.data:
        # Django's Http404 has no code of its own; DRF turns it into a NotFound without saying so.
        code = "not_found" if isinstance(exc, Http404) else getattr(exc, "default_code", "error")
        response.data = {"error": code, "detail": str(response.data["detail"])}
    return response


class BlindReview(DomainError):
    status_code = 403
    code = "blind_review"

    def __init__(self):
        super().__init__("blind review: submit your own review of this attempt before you see its scores")


def _membership(request):
    membership = getattr(request.user, "membership", None)
    if membership is None:
        raise services.NotAllowed("only members of an organisation can use the staff API")
    return membership


class IsAttemptHolder(permissions.BasePermission):
    message = "an attempt access token is required (Authorization: Bearer <access_token>)"

    def has_permission(self, request, view):
        return isinstance(request.auth, Attempt)


class CandidateView(APIView):
    authentication_classes = [AttemptBearerAuthentication]
    permission_classes = [IsAttemptHolder]

    def attempt(self, request, attempt_id: str) -> Attempt:
        """The caller's own attempt, with the deadline enforced; someone else's is a 404."""
        attempt = request.auth
        if attempt.public_id != attempt_id:
            raise Http404
        return services.attempt_enforce_deadline(attempt=attempt)

    def item(self, attempt: Attempt, item_id: str) -> AttemptItem:
        return get_object_or_404(AttemptItem, attempt=attempt, public_id=item_id)


class ItemSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="Opaque item id")
    position = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    payload = serializers.JSONField(help_text="What the participant may see now")
    response = inline_serializer(
        "CurrentResponse", {"version": serializers.IntegerField(), "answer": serializers.JSONField()}
    )


class CandidateAttemptSerializer(serializers.Serializer):
    id = serializers.CharField()
    status = serializers.CharField()
    exercise = inline_serializer(
        "CandidateExercise",
        {
            "title": serializers.CharField(),
            "purpose": serializers.CharField(),
            "time_limit_minutes": serializers.IntegerField(),
        },
    )
    started_at = serializers.DateTimeField()
    deadline = serializers.DateTimeField()
    server_time = serializers.DateTimeField()
    items = ItemSerializer(many=True)


def _candidate_attempt(attempt_id: str) -> dict:
    attempt = selectors.attempt_for_candidate(public_id=attempt_id)
    now = timezone.now()
    return {
        "id": attempt.public_id,
        "status": attempt.status,
        "exercise": {
            "title": attempt.exercise.title,
            "purpose": attempt.exercise.purpose,
            "time_limit_minutes": attempt.exercise.time_limit_minutes,
        },
        "started_at": attempt.started_at,
        "deadline": attempt.deadline,
        "server_time": now,
        "items": selectors.candidate_items(attempt=attempt, now=now),
    }


# Staff ---------------------------------------------------------------------------------------------


class ThrottlePostMixin:
    """Throttle a view's POST only (`post_throttle_classes`); its other methods keep the defaults."""

    post_throttle_classes: list = []

    def get_throttles(self):
        if self.request.method == "POST":
            return [throttle() for throttle in self.post_throttle_classes]
        return super().get_throttles()


class TokenView(ObtainAuthToken):
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES  # ObtainAuthToken names DRF's own JSON parser
    throttle_classes = [LoginThrottle]

    @extend_schema(
        request=inline_serializer(
            "TokenRequest", {"username": serializers.CharField(), "password": serializers.CharField()}
        ),
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()}), 400: ERROR},
        summary="Get an API token for a staff user",
    )
    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except ValidationError:
            # django-axes flags a locked-out login on the request; its middleware, which answers
            # with 429 and Retry-After, reads the flag from Django's request, not DRF's.
            if getattr(request, "axes_locked_out", False):
                request._request.axes_locked_out = True
                request._request.axes_credentials = getattr(request, "axes_credentials", None)
            # simulator.sso.LocalPasswordBackend marks a right password of a user whose
            # organisation turned passwords off.
            organisation = getattr(request, "sso_required", None)
            if organisation is not None:
                raise ValidationError(
                    {"password": [f"{organisation.name} has turned staff passwords off; sign in with SSO"]}
                ) from None
            raise


class ExerciseListApi(APIView):
    class ExerciseListOutputSerializer(serializers.ModelSerializer):
        class Meta:
            model = Exercise
            fields = [
                "id",
                "slug",
                "title",
                "description",
                "purpose",
                "time_limit_minutes",
                "variant_policy",
                "builtin",
                "items",
            ]

    @extend_schema(
        responses={200: ExerciseListOutputSerializer(many=True), 403: ERROR},
        summary="The organisation's exercises",
    )
    def get(self, request):
        membership = _membership(request)
        exercises = selectors.exercises_for_staff(organisation_id=membership.organisation_id)
        return HttpResponse(self.ExerciseListOutputSerializer(exercises, many=True).data)


# Staff lists -----------------------------------------------------------------------------------------

MAX_PAGE = 200
# Past any list an organisation can have; bounded so the database never sees an out-of-range OFFSET.
MAX_OFFSET = 10_000_000


class PageQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=MAX_PAGE, default=delivery_selectors.PAGE_SIZE)
    offset = serializers.IntegerField(min_value=0, max_value=MAX_OFFSET, default=0)


def _list_page(request, rows, query: dict, row) -> dict:
    """One page of `rows` (two queries: the count and the page) as {count, next, previous, results}."""
    limit, offset = query["limit"], query["offset"]
    count = rows.count()
    results = [row(item) for item in rows[offset : offset + limit]]

    def link(at: int | None) -> str | None:
        if at is None:
            return None
        params = request.query_params.copy()
        params["limit"], params["offset"] = str(limit), str(at)
        return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")

    return {
        "count": count,
        "next": link(offset + limit if offset + limit < count else None),
        "previous": link(max(0, offset - limit) if offset > 0 else None),
        "results": results,
    }


def _page_serializer(name: str, row_serializer) -> serializers.Serializer:
    return inline_serializer(
        name,
        {
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": row_serializer(many=True),
        },
    )


class StaffAttemptRowSerializer(serializers.Serializer):
    """An attempt as a staff list shows it; under blind review the participant is a code and every
    field a score decides is null."""

    id = serializers.CharField(help_text="The attempt's public id")
    participant_id = serializers.IntegerField(allow_null=True, help_text="Null under blind review")
    participant = serializers.CharField(help_text="The name, or a code like P-1A2B3C under blind review")
    email = serializers.CharField(help_text="Empty under blind review")
    blind = serializers.BooleanField(source="blinded")
    exercise_id = serializers.IntegerField()
    exercise = serializers.CharField()
    purpose = serializers.CharField()
    status = serializers.ChoiceField(choices=AttemptStatus.choices)
    started_at = serializers.DateTimeField(allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    time_used_seconds = serializers.IntegerField(allow_null=True)
    time_limit_seconds = serializers.IntegerField()
    auto_score_mean = serializers.FloatField(allow_null=True)
    mean_score = serializers.FloatField(allow_null=True)
    final_scores = serializers.DictField(child=serializers.FloatField(), allow_null=True)
    recommendation = serializers.CharField(allow_null=True)
    reviews_submitted = serializers.IntegerField(allow_null=True)
    reviews_required = serializers.IntegerField()
    needs_review = serializers.BooleanField(allow_null=True)
    needs_adjudication = serializers.BooleanField(allow_null=True)
    low_confidence = serializers.BooleanField(allow_null=True)
    overrides_to_recheck = serializers.IntegerField(allow_null=True)


class StaffInvitationRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    attempt_id = serializers.CharField()
    participant_id = serializers.IntegerField(allow_null=True, help_text="Null under blind review")
    participant = serializers.CharField(help_text="The name, or a code under blind review")
    email = serializers.CharField(help_text="Empty under blind review")
    blind = serializers.BooleanField(source="blinded")
    exercise_id = serializers.IntegerField()
    exercise = serializers.CharField()
    status = serializers.ChoiceField(choices=list(delivery_selectors.INVITATION_STATUSES.items()))
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    last_sent_at = serializers.DateTimeField(allow_null=True)


class StaffMethodsMixin:
    """A view whose GET is for staff (token or session) while its other methods keep their own
    authentication and permissions (`authentication_classes`, `permission_classes`)."""

    staff_methods = ("GET",)

    def _for_staff(self) -> bool:
        request = getattr(self, "request", None)
        return request is not None and request.method in self.staff_methods

    def get_authenticators(self):
        if self._for_staff():
            return [authentication.TokenAuthentication(), authentication.SessionAuthentication()]
        return super().get_authenticators()

    def get_permissions(self):
        if self._for_staff():
            return [permissions.IsAuthenticated()]
        return super().get_permissions()


class InvitationCreateApi(ThrottlePostMixin, APIView):
    """GET lists the caller's invitations; POST invites a participant."""

    post_throttle_classes = [InvitationThrottle]

    class InvitationCreateInputSerializer(serializers.Serializer):
        exercise = serializers.IntegerField(
            min_value=1, max_value=MAX_INT64, help_text="Exercise id (GET /api/v1/exercises/)"
        )
        participant_name = serializers.CharField(max_length=200)
        participant_email = serializers.EmailField()
        expires_in_days = serializers.IntegerField(min_value=1, max_value=60, default=7)

    class InvitationCreateOutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        url = serializers.URLField(help_text="The link to send; shown only now")
        token = serializers.CharField(
            help_text="The invitation token; shown only now, only its hash is stored"
        )
        expires_at = serializers.DateTimeField()

    class InvitationListQuerySerializer(PageQuerySerializer):
        exercise = serializers.IntegerField(
            required=False, min_value=1, max_value=MAX_INT64, help_text="Exercise id"
        )
        status = serializers.ChoiceField(
            choices=list(delivery_selectors.INVITATION_STATUSES.items()), required=False
        )

    @extend_schema(
        parameters=[InvitationListQuerySerializer],
        responses={
            200: _page_serializer("StaffInvitationPage", StaffInvitationRowSerializer),
            400: ERROR,
            401: ERROR,
            403: ERROR,
        },
        summary="The invitations the caller may see, newest first (blind review applied)",
        operation_id="v1_invitations_list",
    )
    def get(self, request):
        _membership(request)
        query = self.InvitationListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        now = timezone.now()
        rows = delivery_selectors.invitations_for_staff(
            viewer=request.user,
            exercise=query.validated_data.get("exercise"),
            status=query.validated_data.get("status", ""),
            now=now,
        )
        page = _list_page(
            request,
            rows,
            query.validated_data,
            lambda invitation: delivery_selectors.invitation_row(invitation, viewer=request.user, now=now),
        )
        page["results"] = StaffInvitationRowSerializer(page["results"], many=True).data
        return HttpResponse(page)

    @extend_schema(
        request=InvitationCreateInputSerializer,
        responses={201: InvitationCreateOutputSerializer, 400: ERROR, 403: ERROR, 404: ERROR},
        summary="Invite a participant",
    )
    def post(self, request):
        membership = _membership(request)
        data = self.InvitationCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        exercise = get_object_or_404(
            Exercise, pk=data.validated_data["exercise"], organisation_id=membership.organisation_id
        )
        invitation, token = services.invitation_create(
            exercise=exercise,
            participant_name=data.validated_data["participant_name"],
            participant_email=data.validated_data["participant_email"],
            created_by=request.user,
            expires_in=timedelta(days=data.validated_data["expires_in_days"]),
        )
        url = request.build_absolute_uri(reverse("take", args=[token]))
        output = {"id": invitation.pk, "url": url, "token": token, "expires_at": invitation.expires_at}
        return HttpResponse(
            self.InvitationCreateOutputSerializer(output).data, status=status.HTTP_201_CREATED
        )


class StaffAttemptMixin:
    def staff_attempt(self, request, attempt_id: str) -> Attempt:
        """The attempt if the caller may see it (leads: their organisation; reviewers: their panels)."""
        _membership(request)
        return access.attempt_for_staff(request.user, attempt_id)


class ExtraTimeApi(StaffAttemptMixin, APIView):
    class ExtraTimeInputSerializer(serializers.Serializer):
        minutes = serializers.IntegerField(min_value=1, max_value=services.MAX_EXTRA_MINUTES)

    @extend_schema(
        request=ExtraTimeInputSerializer,
        responses={
            200: inline_serializer(
                "ExtraTime",
                {"deadline": serializers.DateTimeField(), "extra_seconds": serializers.IntegerField()},
            ),
            403: ERROR,
            409: ERROR,
        },
        summary="Grant extra time (leads)",
    )
    def post(self, request, attempt_id: str):
        attempt = self.staff_attempt(request, attempt_id)
        data = self.ExtraTimeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        attempt = services.attempt_extend(
            attempt=attempt, minutes=data.validated_data["minutes"], granted_by=request.user
        )
        return HttpResponse({"deadline": attempt.deadline, "extra_seconds": attempt.extra_seconds})


class AttemptKpiApi(StaffAttemptMixin, APIView):
    @extend_schema(
        responses={200: OpenApiTypes.OBJECT, 403: ERROR, 404: ERROR},
        summary="Time to first action and time to triage per ticket",
    )
    def get(self, request, attempt_id: str):
        return HttpResponse(selectors.attempt_kpis(attempt=self.staff_attempt(request, attempt_id)))


# Candidate -----------------------------------------------------------------------------------------


class AttemptStartApi(ThrottlePostMixin, StaffMethodsMixin, APIView):
    """POST starts an attempt from an invitation token (no account: the candidate's first call);
    GET lists the attempts a lead or reviewer may see, so it authenticates like every staff call."""

    post_throttle_classes = [AttemptStartThrottle]
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]

    class AttemptListQuerySerializer(PageQuerySerializer):
        exercise = serializers.IntegerField(
            required=False, min_value=1, max_value=MAX_INT64, help_text="Exercise id"
        )
        status = serializers.ChoiceField(choices=AttemptStatus.choices, required=False)
        needs_review = serializers.BooleanField(required=False, allow_null=True, default=None)
        participant = serializers.IntegerField(
            required=False,
            min_value=1,
            max_value=MAX_INT64,
            help_text="Participant id (never matches a row under blind review)",
        )
        sort = serializers.ChoiceField(
            choices=[prefix + key for key in delivery_selectors.ATTEMPT_SORTS for prefix in ("", "-")],
            default=delivery_selectors.DEFAULT_ATTEMPT_SORT,
        )

    @extend_schema(
        parameters=[AttemptListQuerySerializer],
        responses={
            200: _page_serializer("StaffAttemptPage", StaffAttemptRowSerializer),
            400: ERROR,
            401: ERROR,
            403: ERROR,
        },
        summary="The attempts the caller may see (staff; blind review applied)",
        operation_id="v1_attempts_list",
    )
    def get(self, request):
        _membership(request)
        query = self.AttemptListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        filters = delivery_selectors.AttemptFilters(
            exercise=data.get("exercise"),
            status=data.get("status", ""),
            needs_review=data.get("needs_review"),
            participant=data.get("participant"),
        )
        rows = delivery_selectors.attempts_for_staff(viewer=request.user, filters=filters, sort=data["sort"])
        now = timezone.now()
        page = _list_page(
            request, rows, data, lambda attempt: delivery_selectors.attempt_row(attempt, now=now)
        )
        page["results"] = StaffAttemptRowSerializer(page["results"], many=True).data
        return HttpResponse(page)

    class AttemptStartInputSerializer(serializers.Serializer):
        invitation_token = serializers.CharField(max_length=200)

    class AttemptStartOutputSerializer(CandidateAttemptSerializer):
        access_token = serializers.CharField(help_text="Send as 'Authorization: Bearer <access_token>'")

    @extend_schema(
        request=AttemptStartInputSerializer,
        responses={
            201: AttemptStartOutputSerializer,
            200: AttemptStartOutputSerializer,
            400: ERROR,
            404: ERROR,
            409: ERROR,
            410: ERROR,
            429: ERROR,
        },
        summary="Start the attempt of an invitation (idempotent until it is submitted: the same token "
        "returns the same attempt; after submitting, 409 and nothing of the attempt)",
    )
    def post(self, request):
        data = self.AttemptStartInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        attempt, access_token, created = services.attempt_start(
            invitation_token=data.validated_data["invitation_token"]
        )
        attempt = services.attempt_enforce_deadline(attempt=attempt)
        output = {**_candidate_attempt(attempt.public_id), "access_token": access_token}
        return HttpResponse(
            self.AttemptStartOutputSerializer(output).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class AttemptDetailApi(CandidateView):
    @extend_schema(
        responses={200: CandidateAttemptSerializer, 401: ERROR, 404: ERROR},
        summary="The participant's workspace",
    )
    def get(self, request, attempt_id: str):
        self.attempt(request, attempt_id)
        return HttpResponse(CandidateAttemptSerializer(_candidate_attempt(attempt_id)).data)


class ResponseSaveApi(APIView):
    """Autosave, the hottest write: authentication, scoping and the save happen in one service call
    (one statement on PostgreSQL), so this view authenticates nothing itself."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]

    class ResponseSaveInputSerializer(serializers.Serializer):
        version = serializers.IntegerField(
            min_value=0, max_value=MAX_INT32, help_text="The version this answer is based on"
        )
        answer = serializers.JSONField(help_text="See /api/v1/schemas/responses/{kind}/")

    @extend_schema(
        request=ResponseSaveInputSerializer,
        auth=[{"attemptAccessToken": []}],
        responses={
            200: inline_serializer("Saved", {"version": serializers.IntegerField(), "server_time": serializers.DateTimeField(), "deadline": serializers.DateTimeField()}),
            400: ERROR,
            409: inline_serializer("Conflict", {"error": serializers.CharField(), "detail": serializers.CharField(), "current_version": serializers.IntegerField(required=False), "answer": serializers.JSONField(required=False), "deadline": serializers.DateTimeField(required=False)}),
            413: ERROR,
        },
        summary="Autosave an answer (optimistic concurrency: a stale version gets 409 with the current one)",
    )  # fmt: skip
    def put(self, request, attempt_id: str, item_id: str):
        return autosave(request._request, attempt_id=attempt_id, item_id=item_id)

    def dispatch(self, request, *args, **kwargs):
        # The hottest endpoint skips DRF's request/response machinery (about a third of its cost);
        # the class stays so the OpenAPI schema documents it like every other call.
        if request.method == "PUT":
            return autosave(request, **kwargs)
        return super().dispatch(request, *args, **kwargs)


def _json(body: dict, status: int = 200) -> DjangoResponse:
    return DjangoResponse(orjson.dumps(body), status=status, content_type="application/json")


def autosave(request, *, attempt_id: str, item_id: str) -> DjangoResponse:
    """PUT {version, answer} with the attempt's Bearer token; see ResponseSaveApi for the contract."""
    header = request.META.get("HTTP_AUTHORIZATION", "").split()  # not request.headers: it copies them all
    if len(header) != 2 or header[0].lower() != "bearer":
        return _json(
            {
                "error": "not_authenticated",
                "detail": "an attempt access token is required (Authorization: Bearer <access_token>)",
            },
            status=401,
        )
    try:
        body = input_limits.loads(request.body)
    except orjson.JSONDecodeError as error:
        return _json({"error": "parse_error", "detail": f"JSON parse error - {error}"}, status=400)
    except input_limits.UnsafeInput as error:
        return _json({"error": "parse_error", "detail": str(error)}, status=400)
    problems = {}
    if not isinstance(body, dict):
        return _json(
            {"error": "invalid", "detail": "the body must be an object {version, answer}"}, status=400
        )
    version = body.get("version")
    if "version" not in body:
        problems["version"] = ["This field is required."]
    elif isinstance(version, bool) or not isinstance(version, int) or not 0 <= version <= MAX_INT32:
        problems["version"] = [f"A valid integer from 0 to {MAX_INT32} is required."]
    if "answer" not in body:
        problems["answer"] = ["This field is required."]
    if problems:
        return _json(
            {
                "error": "invalid",
                "detail": "; ".join(f"{k}: {v[0]}" for k, v in problems.items()),
                **problems,
            },
            status=400,
        )
    try:
        saved = services.response_save_by_token(
            access_token=header[1],
            attempt_public_id=attempt_id,
            item_public_id=item_id,
            base_version=version,
            answer=body["answer"],
        )
    except DomainError as error:
        return _json(domain_error_body(error), status=error.status_code)
    return _json(
        {
            "version": saved.version,
            "server_time": timezone.now(),
            "deadline": saved.deadline,
            "status": saved.status,
        }
    )


class EventBatchApi(CandidateView):
    throttle_classes = [AttemptEventsThrottle]

    class EventBatchEventSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=sorted(services.CLIENT_EVENT_KINDS))
        item_id = serializers.CharField(required=False, allow_blank=True, max_length=32)
        data = serializers.DictField(required=False, default=dict)
        client_ts = serializers.DateTimeField(required=False)

    class EventBatchInputSerializer(serializers.Serializer):
        events = serializers.ListField(
            child=serializers.DictField(), max_length=services.MAX_EVENTS_PER_BATCH
        )

    @extend_schema(
        request=inline_serializer("EventBatch", {"events": EventBatchEventSerializer(many=True)}),
        responses={
            201: inline_serializer("EventsAccepted", {"accepted": serializers.IntegerField()}),
            400: ERROR,
            409: ERROR,
        },
        summary="Record a batch of the participant's events",
    )
    def post(self, request, attempt_id: str):
        attempt = self.attempt(request, attempt_id)
        data = self.EventBatchInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        events = self.EventBatchEventSerializer(data=data.validated_data["events"], many=True)
        events.is_valid(raise_exception=True)
        accepted = services.events_record(attempt=attempt, events=events.validated_data)
        return HttpResponse({"accepted": accepted}, status=status.HTTP_201_CREATED)


class LogSearchApi(CandidateView):
    class LogSearchQuerySerializer(serializers.Serializer):
        q = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
        level = serializers.CharField(required=False, allow_blank=True, max_length=40, default="")
        service = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")
        trace_id = serializers.CharField(required=False, allow_blank=True, max_length=32, default="")
        start = serializers.CharField(required=False, allow_blank=True, max_length=40, default="")
        end = serializers.CharField(required=False, allow_blank=True, max_length=40, default="")
        cursor = serializers.IntegerField(required=False, min_value=0, max_value=MAX_INT32)
        limit = serializers.IntegerField(
            required=False,
            min_value=1,
            max_value=selectors.MAX_LOG_PAGE_SIZE,
            default=selectors.LOG_PAGE_SIZE,
        )

    @extend_schema(
        parameters=[LogSearchQuerySerializer],
        responses={200: inline_serializer("LogPage", {"lines": serializers.ListField(child=serializers.JSONField()), "next_cursor": serializers.IntegerField(allow_null=True)}), 400: ERROR, 404: ERROR},
        summary="Search an item's log lines (filters combine; cursor pagination in time order)",
    )  # fmt: skip
    def get(self, request, attempt_id: str, item_id: str):
        attempt = self.attempt(request, attempt_id)
        item = self.item(attempt, item_id)
        if item.kind != "log_investigation":
            raise Http404
        query = self.LogSearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        lines, next_cursor = selectors.log_search(item=item, **query.validated_data)
        return HttpResponse({"lines": lines, "next_cursor": next_cursor})


class SubmitApi(CandidateView):
    @extend_schema(
        request=None,
        responses={200: inline_serializer("Submitted", {"status": serializers.CharField(), "submitted_at": serializers.DateTimeField(), "submitted_by": serializers.CharField()}), 409: ERROR},
        summary="Submit the attempt (idempotent: a second call returns the same result)",
    )  # fmt: skip
    def post(self, request, attempt_id: str):
        attempt = self.attempt(request, attempt_id)
        if attempt.status not in (AttemptStatus.IN_PROGRESS, *services.CLOSED):
            raise services.AttemptClosed(f"this attempt is {attempt.status} and cannot be submitted")
        attempt = services.attempt_submit(attempt=attempt, submitted_by=SubmittedBy.PARTICIPANT)
        return HttpResponse(
            {
                "status": attempt.status,
                "submitted_at": attempt.submitted_at,
                "submitted_by": attempt.submitted_by,
            }
        )


class ScoresApi(StaffAttemptMixin, APIView):
    @extend_schema(
        responses={200: OpenApiTypes.OBJECT, 403: ERROR, 404: ERROR},
        summary="Auto-scores of an attempt: per item and dimension the score, the checks with evidence, rubric and scorer versions",
    )
    def get(self, request, attempt_id: str):
        attempt = self.staff_attempt(request, attempt_id)
        if staff_selectors.blinded_for(attempt=attempt, viewer=request.user):
            raise BlindReview()
        score_set = scoring_selectors.latest_score_set(attempt=attempt)
        if score_set is None:
            return HttpResponse(
                {
                    "error": "not_scored",
                    "detail": f"this attempt has not been scored yet (it is {attempt.status})",
                },
                status=404,
            )
        return HttpResponse(
            {
                "attempt": attempt.public_id,
                "status": attempt.status,
                **scoring_selectors.score_report(score_set=score_set),
            }
        )


class FeedbackApi(CandidateView):
    @extend_schema(
        responses={200: OpenApiTypes.OBJECT, 404: ERROR, 409: ERROR},
        summary="A trainee's scores, checks and worked answers, once a training attempt is scored (never for hiring)",
    )
    def get(self, request, attempt_id: str):
        attempt = self.attempt(request, attempt_id)
        if attempt.exercise.purpose != Purpose.TRAINING:
            return HttpResponse(
                {"error": "not_available", "detail": "feedback is not shared for this exercise"}, status=404
            )
        score_set = scoring_selectors.latest_score_set(attempt=attempt)
        if score_set is None:
            return HttpResponse(
                {
                    "error": "not_scored",
                    "detail": "your work is being scored; feedback appears here when it is ready",
                },
                status=409,
            )
        report = scoring_selectors.score_report(score_set=score_set)
        finals = scoring_selectors.trainee_final_scores(attempt=attempt, report=report)
        return HttpResponse(
            {
                **report,
                # What the feedback page shows: the final score per dimension (a reviewer's change or
                # an answered appeal wins over the checks), where it came from, and the automatic one.
                "summary": {key: entry["score"] for key, entry in finals.items()},
                "auto_summary": report["summary"],
                "final_scores": finals,
                "worked_answers": scoring_selectors.worked_answers(attempt=attempt),
            }
        )


class ResponseSchemaApi(APIView):
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT, 404: ERROR},
        summary="The JSON Schema of an answer for one scenario kind",
    )
    def get(self, request, kind: str):
        if kind not in ScenarioKind.values:
            raise Http404
        return HttpResponse(response_schema_for(kind))
