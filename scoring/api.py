"""The staff API of the scoring side: answers, scorecards, reviews, overrides, finalize and reopen,
recommendation rules and the per-exercise scorecard export.

Every view scopes its object with `simulator.access` (anything outside is a 404), validates with a
nested serializer and hands the change to one service in `scoring.services`.
"""

from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import renderers, serializers, status
from rest_framework.response import Response as HttpResponse
from rest_framework.views import APIView

from scoring import services, staff_selectors
from scoring.exports import scorecards_csv_response
from scoring.models import Override, OverrideReason
from scoring.scorecards import HIRING_OUTCOMES, TRAINING_OUTCOMES, describe_rule
from simulator import access
from simulator.api import ERROR
from simulator.models import AttemptStatus

MAX_PAGE = 500
MAX_OFFSET = 10_000_000


class StaffApi(APIView):
    permission_classes = [access.IsStaffMember]

    def attempt(self, request, attempt_id: str):
        return access.attempt_for_staff(request.user, attempt_id)


class ReviewOut(serializers.Serializer):
    reviewer = serializers.CharField()
    scores = serializers.DictField(child=serializers.IntegerField())
    notes = serializers.CharField()
    submitted_at = serializers.DateTimeField()


class OverrideOut(serializers.Serializer):
    id = serializers.IntegerField()
    dimension = serializers.CharField()
    action = serializers.ChoiceField(choices=["override", "revert"])
    score = serializers.IntegerField(allow_null=True)
    previous_score = serializers.FloatField(allow_null=True)
    auto_score = serializers.FloatField(allow_null=True)
    reason_code = serializers.CharField()
    justification = serializers.CharField()
    author = serializers.CharField()
    created_at = serializers.DateTimeField()
    reverts = serializers.IntegerField(allow_null=True)
    reverted = serializers.BooleanField()
    standing = serializers.BooleanField()


class ScorecardOut(serializers.Serializer):
    class DimensionOut(serializers.Serializer):
        dimension = serializers.CharField()
        name = serializers.CharField()
        score = serializers.FloatField(allow_null=True, help_text="The final score; null while blind")
        source = serializers.ChoiceField(choices=["override", "reviews", "auto"], allow_null=True)
        auto_score = serializers.FloatField(allow_null=True, help_text="Null while blind")
        reviews = serializers.ListField(child=serializers.DictField())
        overrides = OverrideOut(many=True)
        override_to_recheck = serializers.BooleanField(
            help_text="The standing override was made on an auto-score that a rescoring has since changed"
        )

    class RecommendationOut(serializers.Serializer):
        outcome = serializers.CharField()
        label = serializers.CharField()
        because = serializers.CharField()
        rule = serializers.ListField(child=serializers.CharField())

    attempt_id = serializers.CharField()
    status = serializers.CharField()
    participant = serializers.CharField(help_text="The name, or a code while the caller's review is blind")
    blind = serializers.BooleanField()
    dimensions = DimensionOut(many=True)
    mean_score = serializers.FloatField(allow_null=True)
    recommendation = RecommendationOut(allow_null=True)
    flags = serializers.DictField()
    reviews = ReviewOut(many=True)
    my_review = serializers.DictField(allow_null=True)


def _scorecard_body(attempt, viewer) -> dict:
    """The scorecard as this viewer may see it (blind review applied), serialized."""
    return ScorecardOut(staff_selectors.scorecard_view(attempt=attempt, viewer=viewer).as_api()).data


class AttemptAnswersApi(StaffApi):
    class AnswersOut(serializers.Serializer):
        item_id = serializers.CharField()
        position = serializers.IntegerField()
        kind = serializers.CharField()
        answer = serializers.DictField()
        version = serializers.IntegerField()
        revisions = serializers.ListField(child=serializers.DictField())

    @extend_schema(
        responses={200: AnswersOut(many=True), 401: ERROR, 403: ERROR, 404: ERROR},
        summary="The participant's final answers and every saved revision, per item (staff)",
    )
    def get(self, request, attempt_id: str):
        attempt = self.attempt(request, attempt_id)
        return HttpResponse(self.AnswersOut(staff_selectors.attempt_answers(attempt=attempt), many=True).data)


class ScorecardApi(StaffApi):
    @extend_schema(
        responses={200: ScorecardOut, 401: ERROR, 403: ERROR, 404: ERROR},
        summary="The scorecard: per dimension the final score and where it came from, reviews, overrides, "
        "the recommendation and flags (blind review applied)",
    )
    def get(self, request, attempt_id: str):
        attempt = self.attempt(request, attempt_id)
        if not hasattr(attempt, "scorecard") and attempt.status not in (
            AttemptStatus.SCORED,
            AttemptStatus.FINALIZED,
        ):
            return HttpResponse(
                {
                    "error": "not_scored",
                    "detail": f"this attempt has not been scored yet (it is {attempt.status})",
                },
                status=404,
            )
        return HttpResponse(_scorecard_body(attempt, request.user))


class ReviewSubmitApi(StaffApi):
    class ReviewIn(serializers.Serializer):
        scores = serializers.DictField(
            child=serializers.IntegerField(min_value=1, max_value=5), help_text='{"dimension": 1-5}'
        )
        notes = serializers.CharField(max_length=20000, allow_blank=True, required=False, default="")

    @extend_schema(
        request=ReviewIn,
        responses={201: ScorecardOut, 400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
        summary="Submit (or revise) the caller's own review: a 1-5 score per dimension and notes",
    )
    def post(self, request, attempt_id: str):
        attempt = self.attempt(request, attempt_id)
        data = self.ReviewIn(data=request.data)
        data.is_valid(raise_exception=True)
        services.review_submit(
            attempt=attempt, reviewer=request.user, scores=data.validated_data["scores"],
            notes=data.validated_data["notes"],
        )  # fmt: skip
        attempt.refresh_from_db()
        return HttpResponse(_scorecard_body(attempt, request.user), status=status.HTTP_201_CREATED)


class ClaimApi(StaffApi):
    @extend_schema(
        request=None,
        responses={
            200: inline_serializer(
                "Claim", {"reviewer": serializers.CharField(), "expires_at": serializers.DateTimeField()}
            ),
            401: ERROR,
            403: ERROR,
            404: ERROR,
            409: ERROR,
        },  # fmt: skip
        summary="Claim the attempt for 30 minutes so no other reviewer grades it at the same time",
    )
    def post(self, request, attempt_id: str):
        claim = services.review_claim(attempt=self.attempt(request, attempt_id), reviewer=request.user)
        return HttpResponse({"reviewer": request.user.get_username(), "expires_at": claim.expires_at})


class OverrideCreateApi(StaffApi):
    class OverrideIn(serializers.Serializer):
        dimension = serializers.CharField(max_length=40)
        score = serializers.IntegerField(min_value=1, max_value=5)
        reason_code = serializers.ChoiceField(choices=OverrideReason.choices)
        justification = serializers.CharField(max_length=20000, allow_blank=False, trim_whitespace=True)

    @extend_schema(
        request=OverrideIn,
        responses={201: OverrideOut, 400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
        summary="Override one dimension's score with a reason code and a justification (append-only)",
    )
    def post(self, request, attempt_id: str):
        attempt = self.attempt(request, attempt_id)
        data = self.OverrideIn(data=request.data)
        data.is_valid(raise_exception=True)
        override = services.override_create(attempt=attempt, author=request.user, **data.validated_data)
        return HttpResponse(OverrideOut(_override_row(override)).data, status=status.HTTP_201_CREATED)


class OverrideRevertApi(StaffApi):
    class RevertIn(serializers.Serializer):
        justification = serializers.CharField(max_length=20000, allow_blank=False, trim_whitespace=True)

    @extend_schema(
        request=RevertIn,
        responses={201: OverrideOut, 400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
        summary="Revert a standing override; the revert is itself recorded",
    )
    def post(self, request, override_id: int):
        override = get_object_or_404(
            Override, pk=override_id, attempt__in=access.attempts_visible_to(request.user)
        )
        data = self.RevertIn(data=request.data)
        data.is_valid(raise_exception=True)
        revert = services.override_revert(
            override=override, author=request.user, justification=data.validated_data["justification"]
        )
        return HttpResponse(OverrideOut(_override_row(revert)).data, status=status.HTTP_201_CREATED)


def _override_row(override: Override) -> dict:
    return {
        "id": override.pk, "dimension": override.dimension, "action": override.action, "score": override.score,
        "previous_score": override.previous_score, "auto_score": override.auto_score,
        "reason_code": override.reason_code, "justification": override.justification,
        "author": override.author.get_username(), "created_at": override.created_at, "reverts": override.reverts_id,
        "reverted": False, "standing": override.action == "override",
    }  # fmt: skip


class FinalizeApi(StaffApi):
    class FinalizeIn(serializers.Serializer):
        without_required_reviews = serializers.BooleanField(
            default=False, help_text="Finalize although the exercise's required human reviews are not all in"
        )

    @extend_schema(
        request=FinalizeIn,
        responses={200: ScorecardOut, 401: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
        summary="Finalize the scorecard (leads): scored → finalized; later changes need a reopen",
    )
    def post(self, request, attempt_id: str):
        attempt = self.attempt(request, attempt_id)
        access.require_lead(request.user)
        data = self.FinalizeIn(data=request.data)
        data.is_valid(raise_exception=True)
        attempt = services.scorecard_finalize(
            attempt=attempt, finalized_by=request.user,
            without_required_reviews=data.validated_data["without_required_reviews"],
        )  # fmt: skip
        return HttpResponse(_scorecard_body(attempt, request.user))


class ReopenApi(StaffApi):
    class ReopenIn(serializers.Serializer):
        reason = serializers.CharField(max_length=5000, allow_blank=False, trim_whitespace=True)

    @extend_schema(
        request=ReopenIn,
        responses={200: ScorecardOut, 400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
        summary="Reopen a finalized scorecard (leads), with a reason that is recorded",
    )
    def post(self, request, attempt_id: str):
        attempt = self.attempt(request, attempt_id)
        access.require_lead(request.user)
        data = self.ReopenIn(data=request.data)
        data.is_valid(raise_exception=True)
        attempt = services.scorecard_reopen(
            attempt=attempt, reopened_by=request.user, reason=data.validated_data["reason"]
        )
        return HttpResponse(_scorecard_body(attempt, request.user))


class CSVRenderer(renderers.BaseRenderer):
    """Lets `?format=csv` reach the view; the view streams the CSV itself."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else str(data).encode()


class ExerciseScorecardsApi(StaffApi):
    renderer_classes = [renderers.JSONRenderer, CSVRenderer]

    def handle_exception(self, exc):
        """A refusal is JSON ({error, detail}) even when CSV was asked for."""
        response = super().handle_exception(exc)
        self.request.accepted_renderer = renderers.JSONRenderer()
        self.request.accepted_media_type = "application/json"
        return response

    class RowOut(serializers.Serializer):
        attempt_id = serializers.CharField()
        participant = serializers.CharField()
        email = serializers.CharField()
        status = serializers.CharField()
        submitted_at = serializers.DateTimeField(allow_null=True)
        scores = serializers.DictField(child=serializers.FloatField(allow_null=True))
        sources = serializers.DictField(child=serializers.CharField(allow_null=True))
        mean = serializers.FloatField(allow_null=True)
        recommendation = serializers.CharField()
        reviews = serializers.CharField()
        needs_review = serializers.BooleanField()
        needs_adjudication = serializers.BooleanField()
        overridden = serializers.ListField(child=serializers.CharField())

    class PageOut(serializers.Serializer):
        count = serializers.IntegerField()
        dimensions = serializers.ListField(child=serializers.CharField())
        results = serializers.ListField(child=serializers.DictField())

    @extend_schema(
        parameters=[
            OpenApiParameter("format", str, enum=["json", "csv"], description="csv streams every row as CSV"),
            OpenApiParameter("status", str, enum=[AttemptStatus.SCORED, AttemptStatus.FINALIZED]),
            OpenApiParameter("recommendation", str, enum=list(HIRING_OUTCOMES + TRAINING_OUTCOMES)),
            OpenApiParameter("needs_review", bool),
            OpenApiParameter("needs_adjudication", bool),
            OpenApiParameter(
                "sort",
                str,
                description="mean, -mean, submitted, -submitted, participant, "
                "-participant, or a dimension key with an optional leading '-'",
            ),  # fmt: skip
            OpenApiParameter(
                "limit", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, description="default 50"
            ),
            OpenApiParameter("offset", {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET}),
        ],
        responses={
            200: OpenApiResponse(PageOut, description="JSON page, or text/csv with ?format=csv"),
            400: ERROR,
            401: ERROR,
            403: ERROR,
            404: ERROR,
        },  # fmt: skip
        summary="Every scorecard of an exercise (leads), as JSON pages or one CSV (formula-safe)",
    )
    def get(self, request, exercise_id: int):
        access.require_lead(request.user)
        exercise = get_object_or_404(access.exercises_visible_to(request.user), pk=exercise_id)
        params = request.query_params
        try:
            limit = int(params.get("limit", 50))
            offset = int(params.get("offset", 0))
        except ValueError:
            return HttpResponse(
                {"error": "invalid", "detail": "limit and offset must be whole numbers"}, status=400
            )
        if not 1 <= limit <= MAX_PAGE or not 0 <= offset <= MAX_OFFSET:
            return HttpResponse(
                {"error": "invalid", "detail": f"limit must be 1-{MAX_PAGE} and offset 0-{MAX_OFFSET}"},
                status=400,
            )
        rows = staff_selectors.comparison_scorecards(
            exercise=exercise, viewer=request.user, status=params.get("status", ""),
            recommendation=params.get("recommendation", ""), needs_review=_flag(params.get("needs_review")),
            adjudication=_flag(params.get("needs_adjudication")),
            sort=params.get("sort", "-mean"), dimension_sort=params.get("sort", ""),
        )  # fmt: skip
        dimensions = staff_selectors.comparison_dimensions(exercise)
        if request.accepted_renderer.format == "csv":
            return _stream_csv(rows, dimensions, filename=f"{exercise.slug}-scorecards.csv", request=request)
        page = [staff_selectors.comparison_row(s, dimensions) for s in rows[offset : offset + limit]]
        return HttpResponse(
            {"count": rows.count(), "dimensions": dimensions, "results": self.RowOut(page, many=True).data}
        )


def _flag(value):
    if value in (None, ""):
        return None
    if value.lower() in ("true", "1", "yes"):
        return True
    if value.lower() in ("false", "0", "no"):
        return False
    raise Http404


def _stream_csv(rows, dimensions: list[str], *, filename: str, request) -> StreamingHttpResponse:
    """The CSV of every row, with the export recorded in the audit log."""
    from simulator.services import audit_record

    membership = access.staff_membership(request.user)
    audit_record(
        organisation_id=membership.organisation_id, actor=request.user, action="scorecards.exported",
        target=filename, after={"query": request.META.get("QUERY_STRING", "")},
    )  # fmt: skip
    return scorecards_csv_response(rows, dimensions, filename=filename)


class RecommendationRuleApi(StaffApi):
    class BandIn(serializers.Serializer):
        outcome = serializers.ChoiceField(choices=list(HIRING_OUTCOMES + TRAINING_OUTCOMES))
        min_mean = serializers.FloatField(min_value=1, max_value=5)
        min_each = serializers.FloatField(min_value=1, max_value=5)

    class RuleIn(serializers.Serializer):
        bands = serializers.ListField(min_length=1, max_length=10)
        otherwise = serializers.ChoiceField(choices=list(HIRING_OUTCOMES + TRAINING_OUTCOMES))

    class RuleOut(serializers.Serializer):
        bands = serializers.ListField(child=serializers.DictField())
        otherwise = serializers.CharField()
        text = serializers.ListField(child=serializers.CharField())

    @extend_schema(
        responses={200: RuleOut, 401: ERROR, 403: ERROR, 404: ERROR},
        summary="The exercise's recommendation rule",
    )
    def get(self, request, exercise_id: int):
        exercise = get_object_or_404(access.exercises_visible_to(request.user), pk=exercise_id)
        rule = staff_selectors.rule_of(exercise)
        return HttpResponse({**rule, "text": describe_rule(rule)})

    @extend_schema(
        request=RuleIn,
        responses={200: RuleOut, 400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR},
        summary="Set the exercise's recommendation rule (leads); every scorecard is re-evaluated",
    )
    def put(self, request, exercise_id: int):
        access.require_lead(request.user)
        exercise = get_object_or_404(access.exercises_visible_to(request.user), pk=exercise_id)
        data = self.RuleIn(data=request.data)
        data.is_valid(raise_exception=True)
        bands = self.BandIn(data=data.validated_data["bands"], many=True)
        bands.is_valid(raise_exception=True)
        services.recommendation_rule_set(
            exercise=exercise, bands=bands.validated_data, otherwise=data.validated_data["otherwise"],
            set_by=request.user,
        )  # fmt: skip
        rule = staff_selectors.rule_of(exercise)
        return HttpResponse({**rule, "text": describe_rule(rule)})
