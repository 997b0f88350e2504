"""The fairness API: an exercise's adverse-impact report, for leads (anyone else: 404)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response as HttpResponse
from rest_framework.views import APIView

from fairness import selectors
from simulator import access
from simulator.api import ERROR
from simulator.errors import DomainError
from simulator.models import Purpose


class NotHiring(DomainError):
    status_code = 400
    code = "not_a_hiring_exercise"


class GroupOut(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    people = serializers.IntegerField()
    selected = serializers.IntegerField()
    selection_rate = serializers.FloatField()
    impact_ratio = serializers.FloatField(
        allow_null=True, help_text="Null when no judged group has anyone selected"
    )
    four_fifths_flag = serializers.BooleanField()
    highest = serializers.BooleanField()
    above_median = serializers.IntegerField()
    above_median_rate = serializers.FloatField(allow_null=True)
    above_median_impact_ratio = serializers.FloatField(allow_null=True)
    above_median_four_fifths_flag = serializers.BooleanField()
    above_median_highest = serializers.BooleanField()


class QuestionOut(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    respondents = serializers.IntegerField(
        allow_null=True, help_text="Null when withheld (see totals_withheld)"
    )
    not_stated = serializers.IntegerField(
        allow_null=True, help_text="Prefer not to say, declined or not answered; null when withheld"
    )
    totals_withheld = serializers.CharField(
        allow_null=True,
        help_text="Why respondents and not_stated are null: fewer than min_group_size answered, or "
        "they would give the size of the groups left out",
    )
    groups = GroupOut(many=True)
    left_out = serializers.ListField(
        child=inline_serializer(
            "LeftOutGroup",
            {
                "key": serializers.CharField(),
                "label": serializers.CharField(),
                "reason": serializers.CharField(help_text="Always “too few to report”"),
            },
        ),
        help_text="Options with too few people to report (none included), in the question's order, "
        "with no count",
    )
    comparable = serializers.BooleanField(help_text="At least two groups are large enough to compare")
    flagged = serializers.ListField(child=serializers.CharField())


class ReportOut(serializers.Serializer):
    exercise = serializers.IntegerField()
    candidates = serializers.IntegerField()
    selected = serializers.IntegerField()
    selected_outcomes = serializers.ListField(child=serializers.CharField())
    median_score = serializers.FloatField(allow_null=True)
    min_group_size = serializers.IntegerField()
    min_share = serializers.FloatField()
    finalized_only = serializers.BooleanField()
    questions = QuestionOut(many=True)


class AdverseImpactApi(APIView):
    permission_classes = [access.IsStaffMember]

    @extend_schema(
        parameters=[OpenApiParameter("finalized", bool, description="only finalized scorecards")],
        responses={200: ReportOut, 400: ERROR, 401: ERROR, 403: ERROR, 404: OpenApiResponse(ERROR)},
        summary="Adverse impact of a hiring exercise by self-identified group (leads)",
    )
    def get(self, request, exercise_id: int):
        access.require_lead(request.user)
        exercise = get_object_or_404(access.exercises_visible_to(request.user), pk=exercise_id)
        if exercise.purpose != Purpose.HIRING:
            raise NotHiring(
                "adverse impact is reported for hiring exercises; this one is a training exercise"
            )
        finalized = request.query_params.get("finalized", "false").lower()
        if finalized not in ("true", "false", "yes", "no", "1", "0"):
            raise DomainError("finalized must be true or false")
        report = selectors.impact_report(exercise=exercise, finalized_only=finalized in ("true", "yes", "1"))
        return HttpResponse(ReportOut({"exercise": exercise.pk, **report}).data)


class QuestionsApi(APIView):
    """The organisation's self-identification questions: read and replaced by leads only."""

    permission_classes = [access.IsStaffMember]

    class QuestionsIn(serializers.Serializer):
        questions = serializers.ListField(child=serializers.DictField(), allow_empty=False)

    class QuestionsOut(serializers.Serializer):
        custom = serializers.BooleanField(help_text="False while the default questions are asked")
        questions = serializers.ListField(child=serializers.DictField())
        prefer_not_to_say = serializers.CharField(help_text="Offered with every question; never a group")

    def _out(self, organisation_id: int) -> dict:
        from fairness.models import QuestionSet
        from fairness.questions import PREFER_NOT_TO_SAY

        return {
            "custom": QuestionSet.objects.filter(organisation_id=organisation_id).exists(),
            "questions": selectors.questions_for(organisation_id=organisation_id),
            "prefer_not_to_say": PREFER_NOT_TO_SAY,
        }

    @extend_schema(
        responses={200: QuestionsOut, 401: ERROR, 403: ERROR, 404: ERROR},
        summary="Self-identification questions (leads)",
    )
    def get(self, request):
        membership = access.require_lead(request.user)
        return HttpResponse(self.QuestionsOut(self._out(membership.organisation_id)).data)

    @extend_schema(
        request=QuestionsIn,
        responses={200: QuestionsOut, 400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR},
        summary="Replace the self-identification questions (leads)",
    )
    def put(self, request):
        from fairness import services

        membership = access.require_lead(request.user)
        data = self.QuestionsIn(data=request.data)
        data.is_valid(raise_exception=True)
        services.questions_set(
            organisation=membership.organisation,
            questions=data.validated_data["questions"],
            set_by=request.user,
        )
        return HttpResponse(self.QuestionsOut(self._out(membership.organisation_id)).data)
