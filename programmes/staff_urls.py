"""The lead's programme pages."""

from django.urls import path

from programmes import staff_views

urlpatterns = [
    path("programmes/", staff_views.programme_list, name="staff-programmes"),
    path("programmes/new/", staff_views.programme_new, name="staff-programme-new"),
    path("programmes/drills/install/", staff_views.drills_install, name="staff-programme-drills-install"),
    path("programmes/<int:programme_id>/", staff_views.programme_detail, name="staff-programme"),
    path("programmes/<int:programme_id>/edit/", staff_views.programme_edit, name="staff-programme-edit"),
    path("programmes/<int:programme_id>/enrol/", staff_views.programme_enrol, name="staff-programme-enrol"),
    path(
        "programmes/<int:programme_id>/trainees/<int:enrolment_id>/",
        staff_views.programme_trainee,
        name="staff-programme-trainee",
    ),
]
