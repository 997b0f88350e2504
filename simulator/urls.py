from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from integrations.urls import staff_urlpatterns as integrations_staff_urls
from simulator import api, views

api_v1 = [
    path("auth/token/", api.TokenView.as_view(), name="api-token"),
    path("exercises/", api.ExerciseListApi.as_view(), name="api-exercises"),
    path("invitations/", api.InvitationCreateApi.as_view(), name="api-invitations"),
    path("attempts/", api.AttemptStartApi.as_view(), name="api-attempt-start"),
    path("attempts/<str:attempt_id>/", api.AttemptDetailApi.as_view(), name="api-attempt"),
    path(
        "attempts/<str:attempt_id>/items/<str:item_id>/response/",
        api.ResponseSaveApi.as_view(),
        name="api-response",
    ),
    path("attempts/<str:attempt_id>/items/<str:item_id>/logs/", api.LogSearchApi.as_view(), name="api-logs"),
    path("attempts/<str:attempt_id>/events/", api.EventBatchApi.as_view(), name="api-events"),
    path("attempts/<str:attempt_id>/submit/", api.SubmitApi.as_view(), name="api-submit"),
    path("attempts/<str:attempt_id>/extra-time/", api.ExtraTimeApi.as_view(), name="api-extra-time"),
    path("attempts/<str:attempt_id>/kpis/", api.AttemptKpiApi.as_view(), name="api-kpis"),
    path("attempts/<str:attempt_id>/scores/", api.ScoresApi.as_view(), name="api-scores"),
    path("attempts/<str:attempt_id>/feedback/", api.FeedbackApi.as_view(), name="api-feedback"),
    path("schemas/responses/<str:kind>/", api.ResponseSchemaApi.as_view(), name="api-response-schema"),
    path("", include("scoring.api_urls")),
    path("", include("programmes.api_urls")),
    path("", include("fairness.api_urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", views.ApiDocsView.as_view(url_name="schema"), name="swagger-ui"),
    path("staff/", include("simulator.staff_urls")),
    path("staff/", include("scoring.urls")),
    path("staff/", include("programmes.staff_urls")),
    path("programme/", include("programmes.urls")),
    path("", include("fairness.urls")),
    path("staff/", include(integrations_staff_urls)),
    path("integrations/", include("integrations.urls")),
    path("take/<str:token>/", views.take, name="take"),
    path("attempt/<str:attempt_id>/", views.workspace, name="workspace"),
    path("attempt/<str:attempt_id>/appeal/", views.appeal, name="attempt-appeal"),
    path("healthz/", views.healthz, name="healthz"),
]
