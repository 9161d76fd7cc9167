"""Counter-based random streams: uniform, independent across streams, days and draws far apart,
distinct for every field, exact distributions, and checked limits."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from sim.streams import MAX_DAY, MAX_SEED, LaneStreams

LANES = 20_000


def _uniforms(seed: int, stream: str, day: int, draw: int = 0, lanes: int = LANES) -> np.ndarray:
    streams = LaneStreams(seed, np.arange(lanes))
    streams.start_day(day)
    for _ in range(draw):
        streams.uniform(stream)
    return streams.uniform(stream)


def _independent(a: np.ndarray, b: np.ndarray) -> None:
    """Pearson correlation near 0, and a 10 x 10 contingency table consistent with independence."""
    r = np.corrcoef(a, b)[0, 1]
    assert abs(r) < 4 / np.sqrt(a.size), r
    table = np.histogram2d(a, b, bins=10, range=[[0, 1], [0, 1]])[0]
    assert stats.chi2_contingency(table).pvalue > 1e-4


@pytest.mark.parametrize("day", [0, 255, 256, 1000, 3649])
def test_each_day_is_uniform(day):
    assert stats.kstest(_uniforms(3, "x", day), "uniform").pvalue > 1e-4


@pytest.mark.parametrize(("first", "second"), [((0, "a", 0), (256, "a", 0)), ((1, "a", 0), (4097, "a", 0)),
                                              ((5, "a", 0), (5, "b", 0)), ((300, "a", 0), (300 + 2**12, "b", 0)),
                                              ((2, "a", 0), (2, "a", 4096)), ((3649, "a", 1), (1, "a", 1))])
def test_streams_days_and_draws_far_apart_are_independent(first, second):
    """Days beyond 255 and draws beyond 4,095 used to share bits with the stream's hash."""
    _independent(_uniforms(11, first[1], first[0], first[2]), _uniforms(11, second[1], second[0], second[2]))


def test_seeds_and_runs_are_independent():
    _independent(_uniforms(0, "x", 4), _uniforms(1, "x", 4))
    a = _uniforms(7, "x", 4, lanes=2 * LANES)
    _independent(a[:LANES], a[LANES:])


def test_every_field_gives_distinct_numbers():
    """No two (stream, day, draw) triples of a run share a value: the fields never overlap."""
    streams = LaneStreams(42, np.arange(4))
    seen = []
    for day in range(0, 3650, 7):
        streams.start_day(day)
        for name in ("pakistan.initiative", "afghanistan.initiative", "ttp.attacks"):
            for _ in range(3):
                seen.append(streams.uniform(name))
    values = np.concatenate(seen)
    assert np.unique(values).size == values.size


@given(st.integers(0, MAX_SEED), st.integers(0, 2**40), st.integers(0, MAX_DAY))
def test_any_seed_run_and_day_in_range_is_accepted_and_reproducible(seed, run, day):
    a, b = LaneStreams(seed, np.array([run])), LaneStreams(seed, np.array([run]))
    a.start_day(day)
    b.start_day(day)
    u = a.uniform("x")
    assert 0.0 <= u[0] < 1.0 and u[0] == b.uniform("x")[0]


def test_a_lane_does_not_depend_on_its_neighbours():
    alone = LaneStreams(9, np.array([37]))
    many = LaneStreams(9, np.arange(100))
    for s in (alone, many):
        s.start_day(12)
    assert alone.uniform("x")[0] == many.uniform("x")[37]


def test_limits_are_refused_with_a_clear_error():
    with pytest.raises(ValueError, match="seed"):
        LaneStreams(MAX_SEED + 1, np.arange(2))
    with pytest.raises(ValueError, match="seed"):
        LaneStreams(-1, np.arange(2))
    with pytest.raises(ValueError, match="run indices"):
        LaneStreams(0, np.array([-3]))
    with pytest.raises(ValueError, match="day"):
        LaneStreams(0, np.arange(2)).start_day(MAX_DAY + 1)


def test_poisson_draws_have_the_poisson_distribution():
    """Inversion of one uniform per lane: the counts follow Poisson(mean), also for a large mean."""
    streams = LaneStreams(1, np.arange(LANES))
    for mean in (0.3, 3.5, 40.0):
        draws = streams.poisson(f"x{mean}", mean)
        support = np.arange(draws.max() + 1)
        observed = np.bincount(draws, minlength=support.size)
        expected = stats.poisson.pmf(support, mean) * LANES
        keep = expected > 5
        observed = np.append(observed[keep], observed[~keep].sum())
        expected = np.append(expected[keep], LANES - expected[keep].sum())
        assert stats.chisquare(observed, expected).pvalue > 1e-4, mean
    large = streams.poisson("large", 900.0)
    assert abs(large.mean() - 900) < 4 * np.sqrt(900 / LANES) and abs(large.std() - 30) < 1.5


@pytest.mark.parametrize("dispersion", [0.05, 1.0, 20.0])
def test_gamma_factor_has_mean_one_and_the_declared_variance(dispersion):
    """The factor is Gamma(1 / dispersion, dispersion): a KS test on its own distribution."""
    factors = LaneStreams(3, np.arange(LANES)).gamma_factor("spread", dispersion)
    shape = 1 / dispersion
    assert stats.kstest(factors, stats.gamma(shape, scale=dispersion).cdf).pvalue > 1e-4
    assert (factors >= 0).all()


def test_gamma_factor_is_exactly_one_without_dispersion_and_per_lane_otherwise():
    streams = LaneStreams(3, np.arange(4))
    assert streams.gamma_factor("spread", 0.0).tolist() == [1.0] * 4
    mixed = streams.gamma_factor("spread", np.array([0.0, 2.0, 0.0, 2.0]))
    assert mixed[[0, 2]].tolist() == [1.0, 1.0] and (mixed[[1, 3]] != 1.0).all()
    streams.start_day(1)
    everywhere = streams.gamma_factor("spread", 2.0)
    streams.start_day(1)
    masked = streams.gamma_factor("spread", 2.0, where=np.array([True, False, True, False]))
    assert masked.tolist() == [everywhere[0], 1.0, everywhere[2], 1.0]


def test_lognormal_factor_has_median_one():
    factors = LaneStreams(2, np.arange(LANES)).lognormal_factor("claim", 0.5)
    assert stats.kstest(np.log(factors) / 0.5, "norm").pvalue > 1e-4
