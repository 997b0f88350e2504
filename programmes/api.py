"""The staff API of programmes: list and read programmes, and their trainees' progress.

Programmes are a lead's: a reviewer's lists are empty and anything outside the caller's
organisation is a 404 (`programmes.selectors.programmes_visible_to`). Lists page by limit/offset
like the other staff lists (`simulator.api._list_page`).
"""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response as HttpResponse
from rest_framework.views import APIView

from programmes import selectors
from programmes.selectors import EnrolmentProgress
from simulator import access
from simulator.api import ERROR, PageQuerySerializer, _list_page, _page_serializer

PAGE_PARAMETERS = [
    OpenApiParameter("limit", int, required=False, description="Rows per page (1-200, default 50)"),
    OpenApiParameter("offset", int, required=False, description="Rows to skip"),
]


class StaffApi(APIView):
    permission_classes = [access.IsStaffMember]


class ProgrammeRuleOut(serializers.Serializer):
    dimensions = serializers.ListField(child=serializers.CharField(), help_text="The dimensions judged")
    min_mean = serializers.FloatField()
    min_each = serializers.FloatField()
    attempts = serializers.IntegerField(help_text="Over the last N scored attempts evidencing each dimension")
    words = serializers.CharField()


class ProgrammeDrillOut(serializers.Serializer):
    id = serializers.IntegerField(help_text="The exercise's id")
    slug = serializers.CharField()
    title = serializers.CharField()


class ProgrammeStageOut(serializers.Serializer):
    position = serializers.IntegerField()
    title = serializers.CharField()
    goal = serializers.CharField()
    due_days = serializers.IntegerField()
    drills = ProgrammeDrillOut(many=True)
    rule = ProgrammeRuleOut()


class ProgrammeRowOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ProgrammeOut(ProgrammeRowOut):
    stages = ProgrammeStageOut(many=True)


class StageReadinessOut(serializers.Serializer):
    ready = serializers.BooleanField()
    mean = serializers.FloatField(allow_null=True)
    levels = serializers.DictField(child=serializers.FloatField(allow_null=True))
    counts = serializers.DictField(child=serializers.IntegerField())
    reasons = serializers.ListField(
        child=serializers.CharField(), help_text="Why not ready; empty when ready"
    )


class StageProgressOut(serializers.Serializer):
    position = serializers.IntegerField()
    title = serializers.CharField()
    due_date = serializers.DateField()
    state = serializers.CharField(help_text="ready, current (the first stage not ready), upcoming or overdue")
    ready_on = serializers.DateTimeField(allow_null=True)
    readiness = StageReadinessOut()


class EnrolmentRowOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.CharField()
    start_date = serializers.DateField()
    state = serializers.ChoiceField(
        choices=["complete", "current", "overdue"],
        help_text="Of the current stage; complete when all are ready",
    )
    current_stage = serializers.CharField(allow_null=True)
    due_date = serializers.DateField(allow_null=True)
    ready = serializers.BooleanField(help_text="Every stage is ready")
    readiness_mean = serializers.FloatField(allow_null=True)
    stages_ready = serializers.IntegerField()
    scored_drills = serializers.IntegerField()
    trend = serializers.FloatField(
        allow_null=True, help_text="Change of the mean score per drill, recent drills"
    )
    trend_word = serializers.CharField()
    last_drill_at = serializers.DateTimeField(allow_null=True)


class EnrolmentScoredDrillOut(serializers.Serializer):
    attempt_id = serializers.CharField()
    exercise_id = serializers.IntegerField()
    submitted_at = serializers.DateTimeField()
    scores = serializers.DictField(child=serializers.FloatField())
    mean = serializers.FloatField()


class EnrolmentOut(EnrolmentRowOut):
    programme_id = serializers.IntegerField()
    stages = StageProgressOut(many=True)
    scored = EnrolmentScoredDrillOut(many=True)
    weakest_dimension = serializers.CharField(allow_null=True)


def _programme_row(programme) -> dict:
    return {
        "id": programme.pk,
        "title": programme.title,
        "description": programme.description,
        "created_at": programme.created_at,
        "updated_at": programme.updated_at,
    }


def _enrolment_row(progress: EnrolmentProgress) -> dict:
    current = progress.current
    enrolment = progress.enrolment
    return {
        "id": enrolment.pk,
        "name": enrolment.name,
        "email": enrolment.email,
        "start_date": enrolment.start_date,
        "state": "complete" if current is None else ("overdue" if current.state == "overdue" else "current"),
        "current_stage": current.stage.title if current else None,
        "due_date": current.due_date if current else None,
        "ready": current is None,
        "readiness_mean": current.readiness.mean if current else None,
        "stages_ready": sum(1 for s in progress.stages if s.state == "ready"),
        "scored_drills": len(progress.scored_records),
        "trend": progress.slope,
        "trend_word": progress.trend_word,
        "last_drill_at": progress.last_activity,
    }


class ProgrammeListApi(StaffApi):
    @extend_schema(
        parameters=PAGE_PARAMETERS,
        responses={
            200: _page_serializer("ProgrammePage", ProgrammeRowOut),
            400: ERROR,
            401: ERROR,
            403: ERROR,
        },
        summary="The organisation's onboarding programmes (leads; a reviewer's list is empty)",
        operation_id="v1_programmes_list",
    )
    def get(self, request):
        query = PageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = selectors.programmes_visible_to(request.user).order_by("title", "pk")
        page = _list_page(request, rows, query.validated_data, _programme_row)
        page["results"] = ProgrammeRowOut(page["results"], many=True).data
        return HttpResponse(page)


class ProgrammeDetailApi(StaffApi):
    @extend_schema(
        responses={200: ProgrammeOut, 401: ERROR, 403: ERROR, 404: ERROR},
        summary="A programme: its stages in order, each with its drills, due day and readiness rule",
    )
    def get(self, request, programme_id: int):
        programme = selectors.programme_for_staff(request.user, programme_id)
        body = _programme_row(programme)
        body["stages"] = [
            {
                "position": stage.position,
                "title": stage.title,
                "goal": stage.goal,
                "due_days": stage.due_days,
                "drills": [{"id": d.pk, "slug": d.slug, "title": d.title} for d in stage.drill_list],
                "rule": {
                    "dimensions": selectors.stage_dimensions(stage),
                    "min_mean": stage.min_mean,
                    "min_each": stage.min_each,
                    "attempts": stage.attempts_needed,
                    "words": selectors.stage_rule(stage).words(),
                },
            }
            for stage in selectors.programme_stages(programme)
        ]
        return HttpResponse(ProgrammeOut(body).data)


class EnrolmentListApi(StaffApi):
    @extend_schema(
        parameters=PAGE_PARAMETERS,
        responses={
            200: _page_serializer("EnrolmentPage", EnrolmentRowOut),
            400: ERROR,
            401: ERROR,
            403: ERROR,
            404: ERROR,
        },  # fmt: skip
        summary="Every trainee of a programme with their current stage, readiness and trend",
        operation_id="v1_programmes_enrolments_list",
    )
    def get(self, request, programme_id: int):
        programme = selectors.programme_for_staff(request.user, programme_id)
        query = PageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        limit, offset = query.validated_data["limit"], query.validated_data["offset"]
        count, rows = selectors.enrolments_page(
            programme=programme, offset=offset, limit=limit, today=timezone.localdate()
        )
        page = _list_page(request, _Counted(count, rows, offset), query.validated_data, _enrolment_row)
        page["results"] = EnrolmentRowOut(page["results"], many=True).data
        return HttpResponse(page)


class _Counted:
    """An already-fetched page that `_list_page` can count and slice like a queryset."""

    def __init__(self, count: int, rows: list, offset: int):
        self._count, self._rows, self._offset = count, rows, offset

    def count(self) -> int:
        return self._count

    def __getitem__(self, window: slice):
        return self._rows[window.start - self._offset : window.stop - self._offset]


class EnrolmentDetailApi(StaffApi):
    @extend_schema(
        responses={200: EnrolmentOut, 401: ERROR, 403: ERROR, 404: ERROR},
        summary="One trainee's progress: every stage with its due date and readiness, and every scored drill",
    )
    def get(self, request, enrolment_id: int):
        enrolment = selectors.enrolment_for_staff(request.user, enrolment_id)
        progress = selectors.trainee_progress(enrolment=enrolment, today=timezone.localdate())
        body = _enrolment_row(progress)
        body["programme_id"] = enrolment.programme_id
        body["stages"] = [
            {
                "position": s.stage.position,
                "title": s.stage.title,
                "due_date": s.due_date,
                "state": s.state,
                "ready_on": s.ready_on,
                "readiness": {
                    "ready": s.readiness.ready,
                    "mean": s.readiness.mean,
                    "levels": s.readiness.levels,
                    "counts": s.readiness.counts,
                    "reasons": list(s.readiness.reasons),
                },
            }
            for s in progress.stages
        ]
        body["scored"] = [
            {"attempt_id": r.attempt_id, "exercise_id": r.exercise_id, "submitted_at": r.submitted_at,
             "scores": r.scores, "mean": r.mean}
            for r in progress.scored_records
        ]  # fmt: skip
        body["weakest_dimension"] = progress.weakest["dimension"] if progress.weakest else None
        return HttpResponse(EnrolmentOut(body).data)
