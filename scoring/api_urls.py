"""The staff API of the scoring side: answers, scorecards, reviews, overrides, finalize, exports."""

from django.urls import path

from scoring import api, calibration_api

urlpatterns = [
    path("attempts/<str:attempt_id>/answers/", api.AttemptAnswersApi.as_view(), name="api-attempt-answers"),
    path("attempts/<str:attempt_id>/scorecard/", api.ScorecardApi.as_view(), name="api-scorecard"),
    path("attempts/<str:attempt_id>/claim/", api.ClaimApi.as_view(), name="api-claim"),
    path("attempts/<str:attempt_id>/reviews/", api.ReviewSubmitApi.as_view(), name="api-reviews"),
    path("attempts/<str:attempt_id>/overrides/", api.OverrideCreateApi.as_view(), name="api-overrides"),
    path("overrides/<int:override_id>/revert/", api.OverrideRevertApi.as_view(), name="api-override-revert"),
    path("attempts/<str:attempt_id>/finalize/", api.FinalizeApi.as_view(), name="api-finalize"),
    path("attempts/<str:attempt_id>/reopen/", api.ReopenApi.as_view(), name="api-reopen"),
    path(
        "exercises/<int:exercise_id>/scorecards/",
        api.ExerciseScorecardsApi.as_view(),
        name="api-exercise-scorecards",
    ),
    path(
        "exercises/<int:exercise_id>/recommendation-rule/",
        api.RecommendationRuleApi.as_view(),
        name="api-recommendation-rule",
    ),
    path(
        "exercises/<int:exercise_id>/calibration/",
        calibration_api.ExerciseCalibrationApi.as_view(),
        name="api-exercise-calibration",
    ),
    path("items/statistics/", calibration_api.ItemStatisticsApi.as_view(), name="api-item-statistics"),
    path(
        "exercises/<int:exercise_id>/items/retire/",
        calibration_api.ItemRetireApi.as_view(),
        name="api-item-retire",
    ),
]
