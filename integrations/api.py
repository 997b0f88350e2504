"""The assessment partner API an applicant tracking system calls, in Greenhouse's shape
(https://developers.greenhouse.io/assessment.html): list_tests, send_test, test_status. Refusals
use the project's `{error, detail}` body: 400 for bad input (naming the field), 401 without a live
key, 404 for an id outside the key's organisation."""

import logging
import smtplib

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response as HttpResponse
from rest_framework.views import APIView

from integrations import payloads, services
from integrations.authentication import HasPartnerKey, PartnerKeyAuthentication, PartnerKeyThrottle
from simulator.api import ERROR

logger = logging.getLogger(__name__)


class PartnerView(APIView):
    authentication_classes = [PartnerKeyAuthentication]
    permission_classes = [HasPartnerKey]
    throttle_classes = [PartnerKeyThrottle]


class ListTestsApi(PartnerView):
    class PartnerTestSerializer(serializers.Serializer):
        partner_test_id = serializers.CharField()
        partner_test_name = serializers.CharField()

    @extend_schema(
        tags=["greenhouse"], responses={200: PartnerTestSerializer(many=True), 401: ERROR},
        summary="The organisation's hiring exercises, as tests an ATS can send",
    )  # fmt: skip
    def get(self, request):
        tests = services.partner_tests(organisation_id=request.auth.organisation_id).only("slug", "title")
        return HttpResponse([{"partner_test_id": t.slug, "partner_test_name": t.title} for t in tests])


class SendTestApi(PartnerView):
    class CandidateSerializer(serializers.Serializer):
        first_name = serializers.CharField(max_length=100, allow_blank=True, required=False, default="")
        last_name = serializers.CharField(max_length=100, allow_blank=True, required=False, default="")
        email = serializers.EmailField()
        resume_url = serializers.CharField(max_length=1000, required=False)
        phone_number = serializers.CharField(max_length=100, required=False)
        greenhouse_profile_url = serializers.CharField(max_length=1000, required=False)

    class InputSerializer(serializers.Serializer):
        partner_test_id = serializers.CharField(max_length=100)
        url = serializers.URLField(max_length=1000)

    class SendTestOutputSerializer(serializers.Serializer):
        partner_interview_id = serializers.CharField()

    @extend_schema(
        tags=["greenhouse"],
        request=inline_serializer(
            "SendTestInput",
            {"partner_test_id": serializers.CharField(), "candidate": CandidateSerializer(), "url": serializers.URLField()},
        ),
        responses={200: SendTestOutputSerializer, 400: ERROR, 401: ERROR, 404: ERROR, 502: ERROR},
        summary="Invite a candidate to a test and e-mail them the link",
    )  # fmt: skip
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        raw_candidate = request.data.get("candidate") if isinstance(request.data, dict) else None
        candidate = self.CandidateSerializer(data=raw_candidate if isinstance(raw_candidate, dict) else {})
        if not candidate.is_valid():
            raise serializers.ValidationError({"candidate": candidate.errors})
        fields = dict(candidate.validated_data)
        try:
            interview, _ = services.partner_test_send(
                api_key=request.auth,
                partner_test_id=data.validated_data["partner_test_id"],
                candidate=services.Candidate(
                    first_name=fields.pop("first_name").strip(), last_name=fields.pop("last_name").strip(),
                    email=fields.pop("email"), extra=fields,
                ),
                callback_url=data.validated_data["url"],
                link_for=lambda token: request.build_absolute_uri(reverse("take", args=[token])),
            )  # fmt: skip
        except (smtplib.SMTPException, OSError):
            logger.exception("send_test: the invitation e-mail was not accepted")
            return HttpResponse(
                {"error": "email_failed", "detail": "the mail server did not accept the invitation e-mail; "
                 "nothing was created, send the test again later"}, status=502,
            )  # fmt: skip
        return HttpResponse({"partner_interview_id": interview.public_id})


class TestStatusApi(PartnerView):
    class TestStatusSerializer(serializers.Serializer):
        partner_status = serializers.CharField()
        partner_profile_url = serializers.URLField(required=False)
        partner_score = serializers.FloatField(required=False)
        metadata = serializers.DictField()

    @extend_schema(
        tags=["greenhouse"],
        parameters=[OpenApiParameter("partner_interview_id", str, required=True)],
        responses={200: TestStatusSerializer, 400: ERROR, 401: ERROR, 404: ERROR},
        summary="Where a sent test is; `complete` with the scorecard once it is finalized",
    )  # fmt: skip
    def get(self, request):
        public_id = request.query_params.get("partner_interview_id", "").strip()
        if not public_id:
            raise serializers.ValidationError({"partner_interview_id": ["this query parameter is required"]})
        interview = services.partner_interview_for(api_key=request.auth, public_id=public_id)
        return HttpResponse(payloads.greenhouse_test_status(interview.attempt))


class ResponseErrorApi(PartnerView):
    class InputSerializer(serializers.Serializer):
        api_call = serializers.CharField(max_length=50)
        errors = serializers.ListField(child=serializers.CharField(max_length=1000), max_length=100)
        partner_test_id = serializers.CharField(max_length=100, required=False)
        partner_test_name = serializers.CharField(max_length=200, required=False)
        partner_interview_id = serializers.CharField(max_length=100, required=False)
        candidate_email = serializers.CharField(max_length=254, required=False)

    @extend_schema(
        tags=["greenhouse"], request=InputSerializer, responses={200: None, 400: ERROR, 401: ERROR},
        summary="Greenhouse reports a response it could not read; kept in the audit log",
    )  # fmt: skip
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        services.partner_error_record(
            api_key=request.auth, api_call=fields.pop("api_call"), errors=fields.pop("errors"), details=fields
        )
        return HttpResponse(status=200)
