"""The calibration report: markdown and figures (marginals, pairs, schedule, predictive check)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..io import atomic_write_figure, atomic_write_text  # noqa: E402
from .abc import Calibration  # noqa: E402
from .check import CheckResult  # noqa: E402


def _pct(share: tuple[float, float, float]) -> str:
    p, lo, hi = share
    return f"{100 * p:.1f}% [{100 * lo:.1f}, {100 * hi:.1f}]"


def shrinkage(calibration: Calibration) -> np.ndarray:
    """Posterior sd / prior sd per parameter, in the prior's unit space (1 = nothing learnt)."""
    u = calibration.space.to_unit(calibration.particles)
    w = calibration.weights
    mean = (w[:, None] * u).sum(axis=0)
    sd = np.sqrt((w[:, None] * (u - mean) ** 2).sum(axis=0))
    return sd / np.sqrt(1 / 12)


def plot_marginals(calibration: Calibration, path: Path) -> Path:
    space, theta, w = calibration.space, calibration.particles, calibration.weights
    cols = 4
    rows = -(-space.dim // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.3 * rows), squeeze=False)
    for i, key in enumerate(space.keys):
        ax = axes[i // cols][i % cols]
        lo, hi = space.low[i], space.high[i]
        bins = np.geomspace(lo, hi, 25) if space.log[i] else np.linspace(lo, hi, 25)
        ax.hist(theta[:, i], bins=bins, weights=w, density=True, color="#4575b4", alpha=0.8, label="posterior")
        prior = 1 / (hi - lo) if not space.log[i] else None
        if prior is not None:
            ax.axhline(prior, color="grey", ls="--", lw=1, label="prior")
        else:
            ax.set_xscale("log")
        ax.set_title(key, fontsize=8)
        ax.tick_params(labelsize=7)
    for j in range(space.dim, rows * cols):
        axes[j // cols][j % cols].axis("off")
    fig.suptitle("Posterior marginals (weighted; dashed: uniform prior density)")
    fig.tight_layout()
    out = atomic_write_figure(path, fig)
    plt.close(fig)
    return out


def plot_pairs(calibration: Calibration, path: Path, top: int = 6) -> Path:
    """Pair plot of the ``top`` parameters the targets constrain most (smallest shrinkage)."""
    space, u, w = calibration.space, calibration.space.to_unit(calibration.particles), calibration.weights
    chosen = np.argsort(shrinkage(calibration))[:top]
    k = len(chosen)
    fig, axes = plt.subplots(k, k, figsize=(2.1 * k, 2.1 * k), squeeze=False)
    size = 40 * w / w.max()
    for r, i in enumerate(chosen):
        for c, j in enumerate(chosen):
            ax = axes[r][c]
            if r == c:
                ax.hist(u[:, i], bins=20, range=(0, 1), weights=w, color="#4575b4")
            else:
                ax.scatter(u[:, j], u[:, i], s=size, alpha=0.3, color="#d73027", linewidths=0)
                ax.set_xlim(0, 1)
                ax.set_ylim(0, 1)
            ax.set_xticks([])
            ax.set_yticks([])
            if c == 0:
                ax.set_ylabel(space.keys[i].replace(".", ".\n", 1), fontsize=6)
            if r == k - 1:
                ax.set_xlabel(space.keys[j].replace(".", ".\n", 1), fontsize=6)
    fig.suptitle("Posterior pairs, most constrained parameters (axes: position in the prior box)")
    fig.tight_layout()
    out = atomic_write_figure(path, fig)
    plt.close(fig)
    return out


def plot_schedule(calibration: Calibration, path: Path) -> Path:
    gens = calibration.generations
    x = [g.index for g in gens]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(x, [g.epsilon for g in gens], "o-", color="#d73027", label="tolerance")
    ax.set_xlabel("generation")
    ax.set_ylabel("tolerance", color="#d73027")
    ax2 = ax.twinx()
    ax2.plot(x, [g.ess for g in gens], "s--", color="#4575b4", label="ESS")
    ax2.set_ylabel("effective sample size", color="#4575b4")
    ax2.set_ylim(0, None)
    ax.set_title("ABC-SMC tolerance schedule and ESS per generation")
    fig.tight_layout()
    out = atomic_write_figure(path, fig)
    plt.close(fig)
    return out


def plot_predictive(prior: CheckResult, posterior: CheckResult, path: Path) -> Path:
    names = [*prior.targets, "WHOLE SEQUENCE"]
    rows = [(prior.targets.get(n, prior.sequence), posterior.targets.get(n, posterior.sequence)) for n in names]
    y = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(7, 0.28 * len(names) + 1.2))
    for offset, idx, colour, label in ((-0.2, 0, "#999999", "prior"), (0.2, 1, "#1a9850", "posterior")):
        p = np.array([r[idx][0] for r in rows])
        err = np.array([[r[idx][0] - r[idx][1], r[idx][2] - r[idx][0]] for r in rows]).T
        ax.barh(y + offset, p, height=0.38, xerr=err, color=colour, label=label, error_kw={"lw": 0.7})
    ax.set_yticks(y, names, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of runs meeting the target (95% Wilson interval)")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title("Predictive check: prior vs posterior")
    fig.tight_layout()
    out = atomic_write_figure(path, fig)
    plt.close(fig)
    return out


def write_report(calibration: Calibration, prior: CheckResult, posterior: CheckResult, out: Path,
                 header: list[str]) -> Path:
    """Figures and ``report.md`` in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    plot_marginals(calibration, out / "marginals.png")
    plot_pairs(calibration, out / "pairs.png")
    plot_schedule(calibration, out / "schedule.png")
    plot_predictive(prior, posterior, out / "predictive.png")
    est, ci, shrink = calibration.point_estimate(), calibration.interval(0.9), shrinkage(calibration)
    space = calibration.space
    lines = ["# Calibration report", "", *header, "",
             "## Posterior", "",
             "| parameter | prior | median | 90% credible interval | sd / prior sd |", "|---|---|---|---|---|"]
    for i, key in enumerate(space.keys):
        dist = "log-uniform" if space.log[i] else "uniform"
        lines.append(f"| `{key}` | {dist} [{space.low[i]:g}, {space.high[i]:g}] | {est[key]:.4g} | "
                     f"[{ci[key][0]:.4g}, {ci[key][1]:.4g}] | {shrink[i]:.2f} |")
    lines += ["", "![marginals](marginals.png)", "", "![pairs](pairs.png)", "",
              "## Tolerance schedule and ESS", "",
              "| generation | tolerance | runs | MCMC moves accepted | ESS | population reproducing the sequence | seconds |",
              "|---|---|---|---|---|---|---|"]
    for g in calibration.generations:
        lines.append(f"| {g.index} | {g.epsilon:.4f} | {g.runs} | {g.moved} | {g.ess:.0f} | "
                     f"{100 * g.sequence_share:.1f}% | {g.seconds:.1f} |")
    lines += ["", "![schedule](schedule.png)", "",
              "## Posterior predictive check", "",
              f"Runs meeting each target within its tolerance: {prior.runs} runs drawn from the prior, "
              f"{posterior.runs} from the posterior (95% Wilson intervals).", "",
              "| target | prior | posterior |", "|---|---|---|"]
    for name in prior.targets:
        lines.append(f"| {name} | {_pct(prior.targets[name])} | {_pct(posterior.targets[name])} |")
    lines.append(f"| **whole ordered sequence** | **{_pct(prior.sequence)}** | **{_pct(posterior.sequence)}** |")
    lines += ["", "![predictive](predictive.png)", ""]
    return atomic_write_text(out / "report.md", "\n".join(lines))
