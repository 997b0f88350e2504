"""The staff pages of the delivery side: login, attempts, invitations, participants."""

urlpatterns: list = []
