"""The fairness app's pages: the candidate's optional questions and the lead's adverse-impact report."""

from django.urls import path

from fairness import views

urlpatterns = [
    path("attempt/<str:attempt_id>/about-you/", views.about_you, name="self-identification"),
    path(
        "staff/settings/self-identification/",
        views.question_settings,
        name="staff-settings-self-identification",
    ),
    path(
        "staff/exercises/<int:exercise_id>/adverse-impact/",
        views.adverse_impact,
        name="staff-adverse-impact",
    ),
]
