"""The staff pages of the scoring side: review, scorecard, comparison."""

urlpatterns: list = []
