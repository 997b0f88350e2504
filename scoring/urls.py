"""The staff pages of the scoring side: review, scorecard, comparison."""

from django.urls import path

from scoring import calibration_views, views

urlpatterns = [
    path("attempts/<str:public_id>/", views.attempt_review, name="staff-attempt"),
    path("attempts/<str:public_id>/review/", views.review_submit, name="staff-attempt-review"),
    path("attempts/<str:public_id>/release/", views.review_release, name="staff-attempt-release"),
    path("attempts/<str:public_id>/overrides/", views.override_create, name="staff-attempt-override"),
    path(
        "attempts/<str:public_id>/overrides/<int:override_id>/revert/",
        views.override_revert,
        name="staff-attempt-override-revert",
    ),
    path("attempts/<str:public_id>/assign/", views.review_assign, name="staff-attempt-assign"),
    path("attempts/<str:public_id>/appeal/", views.appeal_resolve, name="staff-attempt-appeal"),
    path("attempts/<str:public_id>/finalize/", views.scorecard_finalize, name="staff-attempt-finalize"),
    path("attempts/<str:public_id>/reopen/", views.scorecard_reopen, name="staff-attempt-reopen"),
    path("attempts/<str:public_id>/scorecard/", views.scorecard, name="staff-scorecard"),
    path("exercises/", views.exercises, name="staff-exercises"),
    path("exercises/<int:exercise_id>/compare/", views.compare, name="staff-compare"),
    path("exercises/<int:exercise_id>/rule/", views.recommendation_rule, name="staff-exercise-rule"),
    path("exercises/<int:exercise_id>/appeals/", views.exercise_appeals, name="staff-exercise-appeals"),
    path("exercises/<int:exercise_id>/calibration/", calibration_views.calibration, name="staff-calibration"),
    path(
        "exercises/<int:exercise_id>/calibration/examples/",
        calibration_views.calibration_example_mark,
        name="staff-calibration-mark",
    ),
    path(
        "exercises/<int:exercise_id>/items/retire/", calibration_views.item_retire, name="staff-item-retire"
    ),
    path("calibration/", calibration_views.calibration_index, name="staff-calibration-index"),
    path(
        "calibration/examples/<int:example_id>/",
        calibration_views.calibration_example,
        name="staff-calibration-example",
    ),
    path(
        "calibration/examples/<int:example_id>/grade/",
        calibration_views.calibration_grade,
        name="staff-calibration-grade",
    ),
    path(
        "calibration/examples/<int:example_id>/unmark/",
        calibration_views.calibration_example_unmark,
        name="staff-calibration-unmark",
    ),
]
