"""The staff API of calibration and item statistics (leads): an exercise's calibration figures over
a period, its item statistics, and retiring a scenario from it.

Leads only: a reviewer, like anyone outside the organisation, gets a 404.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response as HttpResponse

from scoring import services
from scoring.api import StaffApi
from scoring.calibration import ENOUGH_TO_JUDGE, Period, exercise_calibration
from scoring.item_statistics import exercise_item_statistics
from simulator import access
from simulator.api import ERROR
from simulator.errors import DomainError

PERIOD_PARAMETERS = [
    OpenApiParameter("from", str, description="first day of the period (YYYY-MM-DD), by submission date"),
    OpenApiParameter("to", str, description="last day of the period (YYYY-MM-DD), included"),
]


class InvalidQuery(DomainError):
    status_code = 400
    code = "invalid"


def _period(request) -> Period:
    try:
        return Period.parse(request.query_params.get("from"), request.query_params.get("to"))
    except ValueError as error:
        raise InvalidQuery(str(error)) from None


def _lead_exercise(request, exercise_id):
    access.require_lead(request.user)
    return get_object_or_404(access.exercises_visible_to(request.user), pk=exercise_id)


class ReviewerAlphaOut(serializers.Serializer):
    alpha = serializers.FloatField(
        allow_null=True, help_text="Krippendorff's alpha, ordinal; null if undefined"
    )
    attempts = serializers.IntegerField(help_text="attempts with at least two reviews of the dimension")
    reviews = serializers.IntegerField(help_text="reviews of those attempts")
    enough_data = serializers.BooleanField(
        help_text=f"false when alpha rests on fewer than {ENOUGH_TO_JUDGE} attempts: too few to judge"
    )


class AutoVsHumanOut(serializers.Serializer):
    n = serializers.IntegerField(help_text="attempts whose final score on the dimension came from people")
    qwk = serializers.FloatField(allow_null=True, help_text="quadratic weighted kappa, auto-score vs final")
    mean_signed_difference = serializers.FloatField(allow_null=True, help_text="mean of auto − human")
    enough_data = serializers.BooleanField(
        help_text=f"false when kappa rests on fewer than {ENOUGH_TO_JUDGE} attempts: too few to judge"
    )


class CalibrationDimensionOut(serializers.Serializer):
    dimension = serializers.CharField()
    name = serializers.CharField()
    reviewers = ReviewerAlphaOut()
    auto_vs_human = AutoVsHumanOut()


class CalibrationReviewerOut(serializers.Serializer):
    reviewer = serializers.CharField()
    reviewer_id = serializers.IntegerField()
    n = serializers.IntegerField(help_text="scores compared with at least one other reviewer's")
    mean_deviation = serializers.FloatField(
        help_text="mean of (own score − the others' mean); below 0 stricter"
    )
    mean_absolute_deviation = serializers.FloatField()
    deviating = serializers.IntegerField(help_text="scores at least one point from the others' mean")
    lower = serializers.IntegerField()
    higher = serializers.IntegerField()
    direction = serializers.ChoiceField(choices=["stricter", "in line", "more lenient"])
    by_dimension = serializers.DictField(child=serializers.FloatField())


class CalibrationOut(serializers.Serializer):
    class OverridesOut(serializers.Serializer):
        total = serializers.IntegerField()
        by_dimension = serializers.ListField(child=serializers.DictField())
        by_reason = serializers.DictField(child=serializers.IntegerField())
        weakest_checks = serializers.ListField(
            child=serializers.DictField(),
            help_text="checks the overrides implicate (failing on a raised score, passing on a lowered one), "
            "most harmful first: harm is the points those overrides moved",
        )
        by_scorer_version = serializers.ListField(child=serializers.DictField())

    exercise = serializers.DictField()
    period = serializers.DictField()
    attempts = serializers.IntegerField()
    reviews = serializers.IntegerField()
    dimensions = CalibrationDimensionOut(many=True)
    reviewers = CalibrationReviewerOut(many=True)
    overrides = OverridesOut()


class ExerciseCalibrationApi(StaffApi):
    @extend_schema(
        parameters=PERIOD_PARAMETERS,
        responses={200: CalibrationOut, 400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR},
        summary="Calibration of an exercise (leads): agreement between reviewers (Krippendorff's alpha) and "
        "with the auto-score (QWK), each reviewer's deviation, and override analytics by dimension, check "
        "and scorer version",
    )
    def get(self, request, exercise_id: int):
        exercise = _lead_exercise(request, exercise_id)
        report = exercise_calibration(exercise=exercise, period=_period(request))
        return HttpResponse(CalibrationOut(report).data)


class ItemStatisticsOut(serializers.Serializer):
    class ScenarioOut(serializers.Serializer):
        kind = serializers.CharField()
        archetype = serializers.CharField()
        difficulty = serializers.CharField()
        n = serializers.IntegerField()
        mean_score = serializers.FloatField()
        share_passing = serializers.FloatField()
        discrimination = serializers.FloatField(allow_null=True, help_text="corrected item-total correlation")
        flags = serializers.ListField(child=serializers.CharField())
        retired = serializers.BooleanField()

    class CheckOut(serializers.Serializer):
        kind = serializers.CharField()
        archetype = serializers.CharField()
        difficulty = serializers.CharField()
        dimension = serializers.CharField()
        check = serializers.CharField()
        n = serializers.IntegerField()
        share_passing = serializers.FloatField()
        discrimination = serializers.FloatField(allow_null=True)
        flags = serializers.ListField(child=serializers.CharField())

    exercise = serializers.DictField()
    period = serializers.DictField()
    attempts = serializers.IntegerField()
    thresholds = serializers.DictField()
    scenarios = ScenarioOut(many=True)
    checks = CheckOut(many=True)


class ItemStatisticsApi(StaffApi):
    @extend_schema(
        parameters=[OpenApiParameter("exercise", int, required=True), *PERIOD_PARAMETERS],
        responses={200: ItemStatisticsOut, 400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR},
        summary="Item statistics of an exercise (leads): per scenario and per check, difficulty, "
        "discrimination and flags",
    )
    def get(self, request):
        access.require_lead(request.user)
        text = request.query_params.get("exercise", "")
        if not text.isdigit():
            raise InvalidQuery("exercise is required: the id of one of your exercises")
        exercise = _lead_exercise(request, int(text))
        report = exercise_item_statistics(exercise=exercise, period=_period(request))
        return HttpResponse(ItemStatisticsOut(report).data)


class ItemRetireApi(StaffApi):
    class RetireIn(serializers.Serializer):
        kind = serializers.CharField(max_length=32)
        archetype = serializers.CharField(max_length=64)
        difficulty = serializers.CharField(max_length=16)
        reason = serializers.CharField(max_length=2000, allow_blank=False, trim_whitespace=True)

    class RetireOut(serializers.Serializer):
        parts = serializers.ListField(child=serializers.IntegerField(), help_text="the parts changed, from 1")
        items = serializers.ListField(child=serializers.DictField(), help_text="the exercise's parts now")

    @extend_schema(
        request=RetireIn,
        responses={200: RetireOut, 400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR},
        summary="Retire a scenario (kind × archetype × difficulty) from an exercise (leads): new attempts "
        "are not given it",
    )
    def post(self, request, exercise_id: int):
        exercise = _lead_exercise(request, exercise_id)
        data = self.RetireIn(data=request.data)
        data.is_valid(raise_exception=True)
        positions = services.item_retire(exercise=exercise, retired_by=request.user, **data.validated_data)
        exercise.refresh_from_db()
        return HttpResponse({"parts": [p + 1 for p in positions], "items": exercise.items})
