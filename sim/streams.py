"""Counter-based random streams, one value per lane per draw.

Why not one ``numpy.random.Generator`` for all lanes? Because then lane k's numbers would
depend on how many lanes share the instance, and a batch split into chunks across workers
would not reproduce a single replay. Here every uniform is a hash of the fields
``(seed, run index, stream name, day, draw number)``, computed over whole lane arrays at once
with the SplitMix64 finaliser (Steele et al. 2014), a bijection on 64-bit words. The fields
are mixed in one at a time, never packed into shared bits:

    lane   = mix(mix(seed ^ K0) ^ mix(run * G + K1))             one key per (seed, run)
    stream = mix(lane ^ blake2b64(stream name))                  one key per lane and stream
    value  = mix(stream ^ mix(((day << 32) | draw) * G + K2))

For a given lane and stream, distinct (day, draw) pairs give distinct words (day < 2**31,
draw < 2**32, both checked), and distinct runs of a seed give distinct lane keys; different
streams and seeds collide only by chance (about 2**-64). So:

* run k gives the same trajectory alone (R = 1) or as lane 37 of a 4,096-lane chunk;
* each decision type has its own named stream, so adding a mediator to a scenario does not
  shift the TTP's draws -- scenario comparisons use common random numbers;
* the rules must draw for all lanes on every call (never a data-dependent number of draws),
  which is also what makes them vectorised.
"""

from __future__ import annotations

import hashlib

import numpy as np
from scipy import special

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_K_SEED, _K_RUN, _K_COUNTER = (np.uint64(k) for k in (0x243F6A8885A308D3, 0x13198A2E03707344, 0xA4093822299F31D0))
_S30, _S27, _S31, _S11, _S32 = (np.uint64(s) for s in (30, 27, 31, 11, 32))
_TO_UNIT = 1.0 / float(1 << 53)
_NORMAL_ABOVE = 500.0
MAX_SEED = 2**64 - 1
MAX_DAY = 2**31 - 1
MAX_DRAWS = 2**32  #: draws of one stream in one day


def _mix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser: a bijective avalanche over uint64 arrays (wraps modulo 2**64)."""
    x = x ^ (x >> _S30)
    x = x * _MIX1
    x = x ^ (x >> _S27)
    x = x * _MIX2
    return x ^ (x >> _S31)


def _name_key(name: str) -> np.uint64:
    return np.uint64(int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little"))


class LaneStreams:
    """Named, seeded random streams, vectorised over the lanes of one model instance."""

    def __init__(self, seed: int, run_indices: np.ndarray) -> None:
        if not 0 <= int(seed) <= MAX_SEED:
            raise ValueError(f"seed must be an integer in [0, 2**64 - 1], got {seed}")
        runs = np.asarray(run_indices, dtype=np.int64)
        if runs.size and runs.min() < 0:
            raise ValueError("run indices must be non-negative")
        self.seed = int(seed)
        self.run_indices = runs.astype(np.uint64)
        with np.errstate(over="ignore"):
            seed_key = _mix64(np.uint64(self.seed) ^ _K_SEED)
            self._lane_keys = _mix64(seed_key ^ _mix64(self.run_indices * _GOLDEN + _K_RUN))
        self._day = 0
        self._counters: dict[str, int] = {}
        self._stream_keys: dict[str, np.ndarray] = {}

    @property
    def lanes(self) -> int:
        return self.run_indices.size

    def start_day(self, day: int) -> None:
        """Reset the draw counters: draws on day d never depend on draws of earlier days."""
        if not 0 <= day <= MAX_DAY:
            raise ValueError(f"day {day} is outside the streams' range [0, {MAX_DAY}]")
        self._day = int(day)
        self._counters.clear()

    def _stream_key(self, stream: str) -> np.ndarray:
        keys = self._stream_keys.get(stream)
        if keys is None:
            keys = _mix64(self._lane_keys ^ _name_key(stream))
            self._stream_keys[stream] = keys
        return keys

    def uniform(self, stream: str) -> np.ndarray:
        """One uniform in [0, 1) per lane: the next draw of ``stream`` today."""
        n = self._counters.get(stream, 0)
        if n >= MAX_DRAWS:
            raise RuntimeError(f"stream {stream!r}: more than 2**32 draws in one day")
        self._counters[stream] = n + 1
        counter = (np.uint64(self._day) << _S32) | np.uint64(n)
        with np.errstate(over="ignore"):
            bits = _mix64(self._stream_key(stream) ^ _mix64(counter * _GOLDEN + _K_COUNTER))
        return (bits >> _S11).astype(np.float64) * _TO_UNIT

    def bernoulli(self, stream: str, p: np.ndarray | float) -> np.ndarray:
        """A boolean per lane, True with probability p (p may vary by lane)."""
        return self.uniform(stream) < p

    def poisson(self, stream: str, mean: np.ndarray | float) -> np.ndarray:
        """A Poisson count per lane by inversion of one uniform (exact up to a mean of 500).

        Sequential search of the CDF on the lanes still below their uniform; a lane's count
        depends only on its own uniform and mean. Above a mean of 500 a rounded normal
        approximation is used (error far below the Poisson noise itself).
        """
        u = self.uniform(stream)
        mean = np.broadcast_to(np.asarray(mean, dtype=np.float64), u.shape)
        out = np.zeros(u.shape, dtype=np.int64)
        small = np.flatnonzero((mean > 0) & (mean <= _NORMAL_ABOVE))
        if small.size:
            m, uu = mean[small], u[small]
            term = np.exp(-m)
            cdf = term.copy()
            k = np.zeros(small.size)
            active = np.flatnonzero(uu > cdf)
            limit = int(np.max(m) + 40 * np.sqrt(np.max(m)) + 50)
            while active.size and k[active[0]] < limit:
                k[active] += 1
                term[active] *= m[active] / k[active]
                cdf[active] += term[active]
                active = active[uu[active] > cdf[active]]
            out[small] = k.astype(np.int64)
        large = np.flatnonzero(mean > _NORMAL_ABOVE)
        if large.size:
            z = special.ndtri(np.clip(u[large], 1e-12, 1 - 1e-12))
            out[large] = np.maximum(np.rint(mean[large] + np.sqrt(mean[large]) * z), 0).astype(np.int64)
        return out

    def normal(self, stream: str, sd: np.ndarray | float) -> np.ndarray:
        """A Normal(0, sd^2) draw per lane, by inversion of one uniform."""
        u = np.clip(self.uniform(stream), 1e-12, 1 - 1e-12)
        return np.asarray(sd) * special.ndtri(u)

    def gamma_factor(self, stream: str, dispersion: np.ndarray | float,
                     where: np.ndarray | None = None) -> np.ndarray:
        """A Gamma factor of mean 1 and variance ``dispersion`` per lane, by inversion of one
        uniform; exactly 1 where the dispersion is 0. A Poisson mean times this factor gives a
        negative-binomial (gamma-Poisson) count of variance mean + dispersion x mean^2.

        The uniform is drawn in every lane; the inversion (about 1 us a lane) only in the lanes
        of ``where``, if given, and the others get 1: a lane's factor still depends on its own
        uniform alone."""
        u = np.clip(self.uniform(stream), 1e-12, 1 - 1e-12)
        d = np.broadcast_to(np.asarray(dispersion, dtype=np.float64), u.shape)
        out = np.ones(u.shape)
        spread = (d > 0) if where is None else (d > 0) & where
        if spread.any():
            shape = 1.0 / d[spread]
            out[spread] = special.gammaincinv(shape, u[spread]) / shape
        return out

    def lognormal_factor(self, stream: str, sigma: np.ndarray | float) -> np.ndarray:
        """A multiplicative noise factor with median 1 (for claims and reporting noise)."""
        return np.exp(self.normal(stream, sigma))
