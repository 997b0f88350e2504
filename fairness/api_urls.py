from django.urls import path

from fairness import api

urlpatterns = [
    path(
        "exercises/<int:exercise_id>/adverse-impact/",
        api.AdverseImpactApi.as_view(),
        name="api-adverse-impact",
    ),
    path(
        "self-identification/questions/", api.QuestionsApi.as_view(), name="api-self-identification-questions"
    ),
]
