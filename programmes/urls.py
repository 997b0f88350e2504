"""The trainee's pages, reached by their programme link."""

from django.urls import path

from programmes import views

urlpatterns = [
    path("<str:token>/", views.trainee_home, name="programme-trainee"),
    path("<str:token>/drills/<int:exercise_id>/start/", views.drill_start, name="programme-drill-start"),
    path(
        "<str:token>/attempts/<str:attempt_id>/feedback/",
        views.drill_feedback,
        name="programme-drill-feedback",
    ),
]
