"""The staff pages of the scoring side: review, scorecard, comparison."""

from django.urls import path

from scoring import views

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
]
