"""The staff API of the scoring side: answers, scorecards, reviews, overrides, finalize, exports."""

urlpatterns: list = []
