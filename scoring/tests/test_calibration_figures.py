"""The calibration and item statistics figures on small fixed tables, against values worked out by
hand or published with the reference method."""

from collections import Counter

import pytest
from scipy.stats import pearsonr

from scoring.calibration import (
    OverrideFact,
    Period,
    auto_vs_human,
    override_rates,
    override_versions,
    reviewer_alpha,
    reviewer_deviations,
    weakest_checks,
)
from scoring.item_statistics import ScoredDimension, corrected_item_total, flags, item_statistics

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four coders, twelve
# units, values 1-5, missing values blank. Published: nominal 0.743, ordinal 0.815, interval 0.849.
KRIPPENDORFF_2011 = {
    1: [1, 1, 1],
    2: [2, 2, 3, 2],
    3: [3, 3, 3, 3],
    4: [3, 3, 3, 3],
    5: [2, 2, 2, 2],
    6: [1, 2, 3, 4],
    7: [4, 4, 4, 4],
    8: [1, 1, 2, 1],
    9: [2, 2, 2, 2],
    10: [5, 5, 5],
    11: [1, 1],
    12: [3],
}


def test_alpha_matches_the_published_ordinal_value_of_krippendorffs_example():
    figures = reviewer_alpha(KRIPPENDORFF_2011)

    assert figures["alpha"] == pytest.approx(0.815, abs=0.0005)
    # Unit 12 has one rating: it cannot be paired, so it counts neither as an attempt nor as reviews.
    assert figures["attempts"] == 11
    assert figures["reviews"] == 40


def test_alpha_is_one_when_reviewers_agree_and_undefined_without_pairs_or_spread():
    assert reviewer_alpha({"a": [2, 2], "b": [4, 4], "c": [5, 5]})["alpha"] == pytest.approx(1.0)
    assert reviewer_alpha({"a": [3], "b": [4]}) == {
        "alpha": None,
        "attempts": 0,
        "reviews": 0,
        "enough_data": False,
    }
    assert reviewer_alpha({"a": [3, 3], "b": [3, 3]})["alpha"] is None


def test_alpha_of_two_reviewers_on_two_attempts_worked_by_hand():
    # Values 1,3 on one attempt and 3,3 on the other. Ordinal distances from the marginals n1=1, n3=3:
    # delta(1,3) = (n1/2 + n2 + n3/2)^2 = (0.5 + 0 + 1.5)^2 = 4. Observed: the first attempt's two
    # ordered pairs, 2 * 4 / (n_u - 1 = 1) = 8, over n = 4 values: Do = 8 / 4 = 2. Expected: every
    # ordered pair of values, 2 * n1 * n3 * 4 / (n (n - 1)) = 24 / 12 = 2. Alpha = 1 - Do/De = 0.
    assert reviewer_alpha({"a": [1, 3], "b": [3, 3]})["alpha"] == pytest.approx(0.0)


def test_kappa_and_mean_signed_difference_worked_by_hand():
    # Levels auto 1,1,3,3 against human 1,2,3,3 (3.4 rounds to 3). Quadratic weights (i-j)^2/16:
    # observed weighted disagreement 1/16; expected from the marginals 7/16; kappa = 1 - 1/7 = 6/7.
    figures = auto_vs_human([(1.0, 1.0), (1.0, 2.0), (3.0, 3.0), (3.4, 3.0)])

    assert figures["n"] == 4
    assert figures["qwk"] == pytest.approx(6 / 7)
    assert figures["mean_signed_difference"] == pytest.approx((0 - 1 + 0 + 0.4) / 4)


def test_kappa_of_reversed_scores_is_minus_one_and_undefined_without_pairs():
    assert auto_vs_human([(1.0, 2.0), (2.0, 1.0)])["qwk"] == pytest.approx(-1.0)
    assert auto_vs_human([]) == {"n": 0, "qwk": None, "mean_signed_difference": None, "enough_data": False}


def test_alpha_and_kappa_over_fewer_than_ten_attempts_are_too_few_to_judge():
    nine = {f"a{i}": [1 + i % 5, 1 + (i + 1) % 5] for i in range(9)}
    assert reviewer_alpha(nine)["enough_data"] is False
    assert reviewer_alpha(nine | {"single": [3]})["enough_data"] is False  # one review pairs with nothing
    assert reviewer_alpha(nine | {"a9": [2, 2]})["enough_data"] is True
    pairs = [(float(1 + i % 5), float(1 + (i + 2) % 5)) for i in range(10)]
    assert auto_vs_human(pairs[:9])["enough_data"] is False
    assert auto_vs_human(pairs)["enough_data"] is True


def test_each_reviewer_is_compared_with_the_mean_of_the_others():
    scores = {
        ("a1", "communication"): {"r1": 2, "r2": 4, "r3": 3},
        ("a2", "communication"): {"r1": 3, "r2": 4},
        ("a3", "communication"): {"r1": 1},  # nobody to compare with
    }

    out = reviewer_deviations(scores)

    # a1: r1 2 - (4+3)/2 = -1.5, r2 4 - 2.5 = +1.5, r3 3 - 3 = 0; a2: r1 -1, r2 +1.
    assert out["r1"]["n"] == 2 and out["r1"]["mean_deviation"] == pytest.approx(-1.25)
    assert out["r1"]["direction"] == "stricter" and out["r1"]["lower"] == 2 and out["r1"]["higher"] == 0
    assert out["r2"]["mean_deviation"] == pytest.approx(1.25) and out["r2"]["direction"] == "more lenient"
    assert out["r3"] == {
        "n": 1, "mean_deviation": 0.0, "mean_absolute_deviation": 0.0, "deviating": 0, "lower": 0,
        "higher": 0, "direction": "in line", "by_dimension": {"communication": 0.0},
    }  # fmt: skip


def _fact(
    attempt, score, auto, checks, reason="scorer_missed_evidence", version="v1", dimension="communication"
):
    return OverrideFact(
        attempt=attempt, dimension=dimension, score=score, auto_score=auto, reason_code=reason,
        scorer_version=version, checks=tuple(("customer_comms", c, p) for c, p in checks),
    )  # fmt: skip


def test_weakest_checks_are_the_ones_overrides_correct_ordered_by_points_moved():
    overrides = [
        # Raised by 2: the failing checks are implicated (the scorer missed something).
        _fact("a1", 4, 2.0, [("gives_next_update", False), ("states_impact", True)]),
        # Lowered by 3: the passing checks are implicated (the scorer credited something).
        _fact(
            "a2",
            1,
            4.0,
            [("gives_next_update", True), ("states_impact", True)],
            reason="scorer_credited_keywords",
        ),
        # Raised by 1.
        _fact("a3", 3, 2.0, [("gives_next_update", False), ("states_impact", False)]),
    ]
    assessed = {
        ("customer_comms", "communication", "gives_next_update"): {True: 6, False: 4},
        ("customer_comms", "communication", "states_impact"): {True: 8, False: 2},
    }

    rows = weakest_checks(overrides, {k: Counter(v) for k, v in assessed.items()})

    # gives_next_update: a1 (2) + a2 (3) + a3 (1) = 6 points over 3 overrides; states_impact: a2 (3) + a3 (1) = 4.
    assert [(r["check"], r["implicated"], r["harm"]) for r in rows] == [
        ("gives_next_update", 3, 6.0),
        ("states_impact", 2, 4.0),
    ]
    assert rows[0]["reasons"] == {"scorer_missed_evidence": 2, "scorer_credited_keywords": 1}
    assert rows[0]["failing"] == 2 and rows[0]["passing"] == 1
    assert rows[0]["rate"] == pytest.approx(3 / 10)


def test_override_rates_per_dimension_and_per_scorer_version():
    overrides = [
        _fact("a1", 4, 2.0, [], version="v1"),
        _fact("a1", 5, 2.0, [], version="v1"),  # a second event on the same attempt
        _fact("a2", 1, 3.0, [], version="v2", dimension="troubleshooting", reason="other"),
    ]

    by_dimension = override_rates(overrides, {"communication": 10, "troubleshooting": 4})
    by_version = override_versions(overrides, {"v1": 8, "v2": 6})

    assert by_dimension == [
        {"dimension": "troubleshooting", "attempts": 4, "overridden": 1, "rate": 0.25, "reasons": {"other": 1}},
        {"dimension": "communication", "attempts": 10, "overridden": 1, "rate": 0.1,
         "reasons": {"scorer_missed_evidence": 2}},
    ]  # fmt: skip
    assert by_version == [
        {"scorer_version": "v1", "attempts": 8, "overrides": 2, "attempts_overridden": 1, "rate": 1 / 8},
        {"scorer_version": "v2", "attempts": 6, "overrides": 1, "attempts_overridden": 1, "rate": 1 / 6},
    ]


def test_corrected_item_total_worked_by_hand_and_against_scipy():
    # x deviations (2, 1, -1, -2), y deviations (1, 1, -1, -1): r = 6 / sqrt(10 * 4).
    assert corrected_item_total([5, 4, 2, 1], [4, 4, 2, 2]) == pytest.approx(6 / 40**0.5)
    assert corrected_item_total([1, 0, 1, 0], [4, 2, 2, 4]) == pytest.approx(0.0)
    assert corrected_item_total([1, 1, 1], [1, 2, 3]) is None
    item, rest = [1, 0, 1, 1, 0, 1, 0, 0, 1], [12, 9, 14, 10, 11, 15, 7, 8, 13]
    assert corrected_item_total(item, rest) == pytest.approx(pearsonr(item, rest).statistic)


def _table(repeat: int = 1) -> list[ScoredDimension]:
    """Four attempts of a two-part exercise: a triage part (troubleshooting, checks c1-c3) and a comms
    part (communication), repeated `repeat` times."""
    rows = []
    triage = ("triage_queue", "saml_clock_skew", "medium")
    comms = ("customer_comms", "saml_clock_skew", "medium")
    table = [(5, 4, True), (4, 4, True), (2, 2, False), (1, 2, False)]
    for copy in range(repeat):
        for n, (a, b, c1) in enumerate(table):
            attempt = f"{copy}-{n}"
            rows.append(
                ScoredDimension(
                    attempt, f"{attempt}-1", triage, "troubleshooting", a, {"c1": c1, "c2": False, "c3": True}
                )
            )
            rows.append(ScoredDimension(attempt, f"{attempt}-2", comms, "communication", b, {}))
    return rows


def test_item_statistics_of_a_small_table_worked_by_hand():
    stats = item_statistics(_table())

    triage = next(s for s in stats["scenarios"] if s["kind"] == "triage_queue")
    comms = next(s for s in stats["scenarios"] if s["kind"] == "customer_comms")
    # Triage scores 5,4,2,1 (mean 3, two of four at 3 or more); the rest of each attempt is the comms score.
    assert triage["mean_score"] == 3.0 and triage["share_passing"] == 0.5
    assert triage["discrimination"] == pytest.approx(6 / 40**0.5)
    assert comms["mean_score"] == 3.0 and comms["discrimination"] == pytest.approx(6 / 40**0.5)
    checks = {c["check"]: c for c in stats["checks"]}
    # c1 passes for the two strong attempts: r = 1 with the rest (comms 4,4,2,2).
    assert checks["c1"]["share_passing"] == 0.5 and checks["c1"]["discrimination"] == pytest.approx(1.0)
    assert checks["c2"]["share_passing"] == 0.0 and checks["c2"]["discrimination"] is None
    assert all(not s["flags"] for s in stats["scenarios"] + stats["checks"])  # four attempts: too few to flag


def test_items_that_do_not_discriminate_or_that_nearly_everyone_fails_are_flagged():
    stats = item_statistics(_table(repeat=5))  # 20 attempts, the same figures

    checks = {c["check"]: c for c in stats["checks"]}
    assert checks["c1"]["flags"] == []
    assert checks["c2"]["flags"] == ["does_not_discriminate", "nearly_everyone_fails"]
    assert checks["c3"]["flags"] == ["does_not_discriminate"]
    assert flags(n=20, share_passing=0.5, discrimination=0.19) == ["does_not_discriminate"]
    assert flags(n=19, share_passing=0.0, discrimination=None) == []


def test_a_period_reads_two_dates_and_says_what_is_wrong():
    period = Period.parse("2026-01-01", "2026-01-31")
    assert period.as_dict() == {"from": "2026-01-01", "to": "2026-01-31"}
    assert Period.parse("", None) == Period()
    with pytest.raises(ValueError, match="from must be a date"):
        Period.parse("yesterday", "")
    with pytest.raises(ValueError, match="on or before"):
        Period.parse("2026-02-01", "2026-01-01")
