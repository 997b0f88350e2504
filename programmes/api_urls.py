"""The staff API of programmes."""

from django.urls import path

from programmes import api

urlpatterns = [
    path("programmes/", api.ProgrammeListApi.as_view(), name="api-programmes"),
    path("programmes/<int:programme_id>/", api.ProgrammeDetailApi.as_view(), name="api-programme"),
    path(
        "programmes/<int:programme_id>/enrolments/",
        api.EnrolmentListApi.as_view(),
        name="api-programme-enrolments",
    ),
    path("enrolments/<int:enrolment_id>/", api.EnrolmentDetailApi.as_view(), name="api-enrolment"),
]
