#!/usr/bin/env python3
"""Reference numbers from SciPy for the drift statistics (crates/monitor).

Run from the repository root:  python3 scripts/make_drift_fixtures.py
It writes crates/monitor/tests/fixtures/scipy.json, which is committed, so
the tests need neither Python nor SciPy; rerun it only when a case is added.

The samples are not stored: both sides generate them from a 64-bit LCG
(`sample` below and `tests/scipy.rs`) with operations that IEEE doubles
give identically in Python and Rust, so a case is its recipe plus SciPy's
answer.
"""
import json
import pathlib

import numpy as np
import scipy
from scipy import stats
from scipy.spatial import distance

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "crates" / "monitor" / "tests" / "fixtures" / "scipy.json"
MASK = (1 << 64) - 1
FLOOR = 1e-4


def sample(seed, n, scale, shift, step):
    """n values: shift + scale * (u1 + u2 + u3) / 3, cut down to a multiple
    of `step` when it is positive (to make ties)."""
    state = seed
    out = []
    for _ in range(n):
        acc = 0.0
        for _ in range(3):
            state = (state * 6364136223846793005 + 1442695040888963407) & MASK
            acc += (state >> 11) / 9007199254740992.0
        v = shift + scale * (acc / 3.0)
        if step > 0:
            v = np.floor(v / step) * step
        out.append(float(v))
    return out


def recipe(seed, n, scale, shift, step):
    return {"seed": seed, "n": n, "scale": scale, "shift": shift, "step": step}


def floored_shares(counts):
    c = np.asarray(counts, dtype=np.float64)
    s = c / c.sum()
    return np.where(s == 0, FLOOR, s)


def main():
    ks = []
    for a, b in [
        (recipe(1, 20, 1.0, 0.0, 0.0), recipe(2, 20, 1.0, 0.0, 0.0)),
        (recipe(3, 30, 1.0, 0.0, 0.0), recipe(4, 45, 1.0, 0.2, 0.0)),
        (recipe(5, 100, 10.0, 0.0, 1.0), recipe(6, 80, 10.0, 0.5, 1.0)),
        (recipe(7, 500, 1.0, 0.0, 0.0), recipe(8, 700, 1.0, 0.01, 0.0)),
        (recipe(9, 1000, 1.0, 0.0, 0.0), recipe(10, 1000, 1.0, 0.0, 0.0)),
        (recipe(11, 999, 5.0, 0.0, 0.1), recipe(12, 1000, 5.0, 0.1, 0.1)),
        (recipe(13, 3000, 1.0, 0.0, 0.0), recipe(14, 2000, 1.0, 0.03, 0.0)),
        (recipe(15, 10000, 1.0, 0.0, 0.0), recipe(16, 7000, 1.0, 0.005, 0.0)),
        (recipe(17, 40, 1.0, 0.0, 0.0), recipe(18, 40, 1.0, 0.5, 0.0)),
    ]:
        r = stats.ks_2samp(sample(**a), sample(**b))
        ks.append({"a": a, "b": b, "statistic": float(r.statistic), "p_value": float(r.pvalue)})
    # Above 10,000 values a side SciPy switches to kstwo at the effective
    # size round(n1*n2/(n1+n2)); a few cases put that size in each of the
    # regions where kstwo changes method.
    asymptotic = []
    for a, b in [
        (recipe(21, 20000, 1.0, 0.0, 0.0), recipe(22, 15000, 1.0, 0.01, 0.0)),
        (recipe(23, 12000, 1.0, 0.0, 0.0), recipe(24, 300, 1.0, 0.0, 0.0)),
        (recipe(25, 10500, 1.0, 0.0, 0.0), recipe(26, 120, 1.0, 0.05, 0.0)),
        (recipe(27, 30000, 1.0, 0.0, 0.0), recipe(28, 25000, 1.0, 0.002, 0.0)),
        (recipe(29, 11000, 1.0, 0.0, 0.0), recipe(30, 60, 1.0, 0.3, 0.0)),
    ]:
        r = stats.ks_2samp(sample(**a), sample(**b))
        asymptotic.append({"a": a, "b": b, "statistic": float(r.statistic), "p_value": float(r.pvalue)})
    # kstwo.sf itself on a grid across its regions: Ruben-Gambino's edges,
    # Durbin's matrix, Pomeranz, Smirnov's one-sided sum, Pelz-Good.
    kstwo = []
    for n in [3, 10, 50, 140, 141, 400, 2000, 9000, 60000, 150000]:
        for x in [0.4 / n, 0.8 / n, 1.5 / n, 0.3 / np.sqrt(n), 0.7 / np.sqrt(n), 1.0 / np.sqrt(n),
                  1.3 / np.sqrt(n), 1.8 / np.sqrt(n), 2.5 / np.sqrt(n), 4.0 / np.sqrt(n), 0.3, 0.6, 1 - 1.5 / n]:
            if 0 < x < 1:
                kstwo.append({"n": n, "x": float(x), "sf": float(stats.kstwo.sf(x, n))})
    # The binomial band a regressor's interval coverage is held to.
    binom = []
    for n in [1, 5, 19, 50, 100, 333, 1000, 5000, 40000]:
        for p in [0.5, 0.8, 0.9, 0.95, 0.99]:
            for q in [0.025, 0.975]:
                binom.append({"q": q, "n": n, "p": p, "ppf": int(stats.binom.ppf(q, n, p))})
    wasserstein = []
    for a, b in [
        (recipe(31, 50, 1.0, 0.0, 0.0), recipe(32, 70, 2.0, 1.0, 0.0)),
        (recipe(33, 400, 10.0, 0.0, 1.0), recipe(34, 300, 10.0, 2.0, 1.0)),
        (recipe(35, 2000, 1.0, 0.0, 0.0), recipe(36, 2000, 1.0, 0.0, 0.0)),
    ]:
        wasserstein.append({"a": a, "b": b, "distance": float(stats.wasserstein_distance(sample(**a), sample(**b)))})
    weighted = []
    for u, uw, v, vw in [
        ([0.0, 1.0, 3.0], [1.0, 2.0, 1.0], [0.5, 2.0], [3.0, 1.0]),
        ([1.0, 2.0, 3.0, 4.0], [0.5, 1.0, 1.0, 0.5], [1.5, 2.5, 10.0], [1.0, 1.0, 1.0]),
    ]:
        weighted.append({"u": u, "u_weights": uw, "v": v, "v_weights": vw,
                         "distance": float(stats.wasserstein_distance(u, v, uw, vw))})
    shares = []
    for r, c in [
        ([10, 20, 30, 40], [40, 30, 20, 10]),
        ([100, 0, 50, 25], [90, 10, 40, 35]),
        ([5, 5], [5, 5]),
        ([1000, 2000, 3000, 0, 10], [900, 2100, 2800, 150, 0]),
        ([7, 13, 0, 22, 9, 1], [6, 15, 3, 20, 9, 0]),
    ]:
        rf, cf = floored_shares(r), floored_shares(c)
        shares.append({
            "reference": r, "current": c,
            "psi": float(np.sum((cf - rf) * np.log(cf / rf))),
            "kl": float(stats.entropy(rf, cf)),
            "js": float(distance.jensenshannon(r, c, base=2)),
        })
    chi2 = []
    for r, c in [
        ([10, 20, 30], [15, 20, 25]),
        ([30, 10], [20, 20]),
        ([3, 2], [1, 9]),
        ([500, 300, 150, 50, 0], [450, 320, 160, 60, 10]),
        ([100, 0, 50], [80, 0, 70]),
    ]:
        table = np.array([r, c], dtype=np.float64)
        table = table[:, table.sum(axis=0) > 0]
        res = stats.chi2_contingency(table)
        chi2.append({"reference": r, "current": c, "statistic": float(res.statistic),
                     "p_value": float(res.pvalue), "dof": int(res.dof)})
    sf = [{"x": x, "k": k, "sf": float(stats.chi2.sf(x, k))}
          for x, k in [(0.5, 1), (3.84, 1), (10.0, 4), (50.0, 30), (200.0, 150), (1e-3, 2), (400.0, 9)]]
    out = {
        "scipy_version": scipy.__version__,
        "numpy_version": np.__version__,
        "ks_2samp": ks,
        "ks_asymptotic": asymptotic,
        "kstwo": kstwo,
        "binom_ppf": binom,
        "wasserstein": wasserstein,
        "wasserstein_weighted": weighted,
        "shares": shares,
        "chi2_contingency": chi2,
        "chi2_sf": sf,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
