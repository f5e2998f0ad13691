"""The federation's privacy policy, which every site applies to what it sends, before sending.

The plan's ``privacy`` block (part of the plan's digest, so every site agrees to it) sets:

``min_cell_count`` (k, default 5; 1 turns the rule off)
    A site refuses to join unless its training part holds >= k tumours and, for survival and
    binary targets, >= k with and >= k without an event (positive); a hold-out part below that
    withholds the hold-out's statistics instead (`rtpredict.federated._site.check_cells`). Every
    node of every tree it sends covers >= k of its training tumours: a split leaving fewer on a
    side is collapsed into a leaf (`prune_tree`). Histogram cells (training margins, the Cox
    hazard grid) are merged until every released cell holds 0 or >= k tumours (`blocks`). A
    count per feature (missing values, unseen categories) that is 1..k-1, or leaves 1..k-1
    tumours out, is not released. The hold-out's bootstrap resamples leave the site only as
    the covariance of the site's counts, never resample by resample: with the plan's seed a
    coordinator knows each resample's weights and could solve the resampled sums for single
    tumours.
``dp`` (null, or ``{epsilon, delta, ...}``)
    The Gaussian mechanism on every count and sum of the summary and finalise steps (`Release`),
    each tumour's contribution clipped so that every release has a stated L2 sensitivity under
    the replacement of one tumour's record; the budget is split evenly over a site's releases
    and accounted in zero-concentrated DP (Bun & Steinke, TCC 2016): rho adds up over releases
    and converts to (epsilon, delta) by their Proposition 1.3. Trees are not covered (see
    ``docs/federated.md``).

The choice of 5 follows the threshold rule of statistical disclosure control (Hundepool et al.,
*Statistical Disclosure Control*, Wiley 2012, ch. 5): frequency tables are checked for cells
below a minimum count, commonly 3 to 5 in official statistics and health registries; a
consortium bound to a stricter rule (e.g. 11 for US CMS data) sets it in the plan.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike

from rtpredict.federated._policy import PrivacyPolicy, dp_releases


# ------------------------------------------------------------------ minimum cell count
def blocks(n_cells: int, ok: Callable[[int, int], bool]) -> list[tuple[int, int]]:
    """Partition cells ``0..n_cells`` into runs ``[lo, hi)`` each passing ``ok(lo, hi)``.

    Top-down: a run is split at the first of the points 1/2, 3/8, 5/8, 1/4, 3/4, 1/8, 7/8 of
    its length (a fixed, data-independent lattice) whose two sides both pass ``ok``, and each
    side is split again; a run no point can split is released whole. The caller makes sure
    the whole range passes.
    """
    fractions = (4, 3, 5, 2, 6, 1, 7)
    out: list[tuple[int, int]] = []
    stack = [(0, n_cells)]
    while stack:
        lo, hi = stack.pop()
        cuts = [lo + (hi - lo) * j // 8 for j in fractions] if hi - lo > 1 else []
        cut = next((c for c in cuts if lo < c < hi and ok(lo, c) and ok(c, hi)), None)
        if cut is None:
            out.append((lo, hi))
        else:
            stack += [(cut, hi), (lo, cut)]
    return sorted(out)


def fixed_blocks(n_cells: int, n_blocks: int) -> list[tuple[int, int]]:
    """Return ``n_blocks`` runs of (nearly) equal length covering ``n_cells`` cells."""
    edges = np.unique(np.round(np.linspace(0, n_cells, min(n_blocks, n_cells) + 1)).astype(int))
    return list(zip(edges[:-1].tolist(), edges[1:].tolist(), strict=True))


def block_sums(values: np.ndarray, runs: list[tuple[int, int]]) -> np.ndarray:
    """Return the sum of ``values`` over each run (along the first axis)."""
    return np.array([np.sum(values[lo:hi], axis=0) for lo, hi in runs], dtype=float)


def spread(starts: Sequence[float], totals: Sequence[float], widths: np.ndarray) -> np.ndarray:
    """Spread each block's total over its cells in proportion to their widths.

    ``starts`` are the blocks' first cells (a block runs to the next start, the last to the
    end of ``widths``). The result is on the full grid and flat within each block (a
    histogram) or of one rate (events / exposure), so it tells no more than the block totals.
    """
    widths = np.asarray(widths, dtype=float)
    first = [int(s) for s in starts]
    out = np.zeros(widths.size)
    for lo, hi, total in zip(first, [*first[1:], widths.size], totals, strict=True):
        out[lo:hi] = float(total) * widths[lo:hi] / widths[lo:hi].sum()
    return out


def allowed(count: float, k: int) -> bool:
    """Whether a cell count may be released: 0 or at least ``k``."""
    return count == 0 or count >= k


def prune_tree(tree: dict, counts: np.ndarray, k: int, learning_rate: float) -> int:
    """Collapse, in place, every split of an XGBoost JSON tree with a side under ``k`` rows.

    ``counts`` holds the training rows reaching each node. A collapsed node becomes a leaf
    whose value is ``learning_rate`` times the node's own weight (XGBoost keeps the unscaled
    optimal weight of every node in ``base_weights``): exactly the leaf XGBoost would have made
    had it not split there. The nodes below are removed and the rest renumbered. Returns the
    number of splits collapsed.
    """
    left, right = tree["left_children"], tree["right_children"]
    kept, collapsed, stack = [], set(), [0]
    while stack:
        node = stack.pop()
        kept.append(node)
        if left[node] == -1:
            continue
        if counts[left[node]] >= k and counts[right[node]] >= k:
            stack += [left[node], right[node]]
        else:
            collapsed.add(node)
    if not collapsed:
        return 0
    kept.sort()
    new = {old: i for i, old in enumerate(kept)}
    columns = (
        "base_weights",
        "default_left",
        "split_conditions",
        "split_indices",
        "split_type",
        "sum_hessian",
        "loss_changes",
    )
    out = {c: [tree[c][n] for n in kept] for c in columns}
    out["left_children"] = [-1 if n in collapsed else new.get(left[n], -1) for n in kept]
    out["right_children"] = [-1 if n in collapsed else new.get(right[n], -1) for n in kept]
    out["parents"] = [new.get(tree["parents"][n], tree["parents"][n]) for n in kept]
    for node in collapsed:
        i = new[node]
        value = learning_rate * tree["base_weights"][node]
        out["base_weights"][i] = out["split_conditions"][i] = value
        out["split_indices"][i] = out["split_type"][i] = out["default_left"][i] = 0
        out["loss_changes"][i] = 0.0
    categorical = [
        (node, tree["categories_segments"][j], tree["categories_sizes"][j])
        for j, node in enumerate(tree["categories_nodes"])
        if node in new and node not in collapsed
    ]
    out["categories_nodes"] = [new[node] for node, _, _ in categorical]
    out["categories_sizes"] = [size for _, _, size in categorical]
    out["categories_segments"] = np.cumsum([0, *out["categories_sizes"][:-1]]).tolist()
    out["categories"] = [
        c for _, start, size in categorical for c in tree["categories"][start : start + size]
    ]
    tree.update(out)
    tree["tree_param"]["num_nodes"] = str(len(kept))
    tree["tree_param"]["num_deleted"] = "0"
    return len(collapsed)


def node_counts(tree: dict, leaves: np.ndarray) -> np.ndarray:
    """Return the number of rows reaching each node, from each row's leaf (``pred_leaf``)."""
    parents = tree["parents"]
    counts = np.bincount(np.asarray(leaves, dtype=int), minlength=len(parents)).astype(float)
    for node in range(len(parents) - 1, 0, -1):  # XGBoost numbers children after parents
        counts[parents[node]] += counts[node]
    return counts


# ------------------------------------------------------------------ releases
class Release:
    """Apply a site's policy to the aggregates of one step and record what it did.

    Each method takes the exact aggregate and returns what may leave the site: unchanged,
    suppressed (NaN), merged into blocks (sent with each block's first cell) or noised, per the
    policy. ``report`` lists what was suppressed, how many cells were merged into how many
    blocks, and the noise's standard deviation and sensitivity per release; the site keeps it
    in its ``sent-*.json`` copy and sends the noise part along (it depends on the plan and on
    public counts only).

    Parameters
    ----------
    policy
        The plan's policy.
    objective
        The plan's objective (fixes the DP releases and so each one's share of the budget).
    rng
        Source of the noise; by default seeded from the operating system, so the coordinator
        cannot predict it.
    """

    def __init__(
        self, policy: PrivacyPolicy, objective: str, rng: np.random.Generator | None = None
    ) -> None:
        self.k = policy.min_cell_count
        self.dp = policy.dp
        self.rng = rng if rng is not None else np.random.default_rng()
        self.releases = dp_releases(objective)
        self.report: dict = {"min_cell_count": self.k, "suppressed": [], "merged": {}, "dp": {}}

    def noise(self, name: str, value: ArrayLike, sensitivity: float) -> np.ndarray:
        """Return ``value`` plus Gaussian noise calibrated to its share of the DP budget."""
        if name not in self.releases:
            raise ValueError(f"{name!r} is not among the DP releases {self.releases}")
        rho = self.dp.rho / len(self.releases)
        sigma = sensitivity / math.sqrt(2.0 * rho)
        self.report["dp"][name] = {"sensitivity": float(sensitivity), "noise_sd": sigma}
        value = np.asarray(value, dtype=float)
        return value + self.rng.normal(0.0, sigma, size=value.shape)

    def sums(self, name: str, value: ArrayLike, sensitivity: float) -> list[float]:
        """A count, sum or vector of sums over a whole part (>= k tumours): noised under DP."""
        value = np.atleast_1d(np.asarray(value, dtype=float))
        return (value if self.dp is None else self.noise(name, value, sensitivity)).tolist()

    def counts(self, name: str, counts: np.ndarray, n: int) -> list[float]:
        """Counts per feature out of ``n`` tumours, each with a sensitivity of 1.

        Without DP a count of 1..k-1, or one leaving 1..k-1 of the ``n`` out, is not released
        (NaN). Under DP all are noised (L2 sensitivity sqrt(number of counts)).
        """
        counts = np.asarray(counts, dtype=float)
        if self.dp is not None:
            return self.noise(name, counts, math.sqrt(counts.size)).tolist()
        small = ~np.array([allowed(c, self.k) and allowed(n - c, self.k) for c in counts])
        if small.any():
            cells = np.flatnonzero(small).tolist()
            self.report["suppressed"].append({"field": name, "cells": cells})
        return np.where(small, np.nan, counts).tolist()

    def histogram(self, name: str, counts: np.ndarray) -> tuple[list[float], list[float]]:
        """Tumour counts on a grid of bins (each tumour in one bin), released per block.

        Without DP: bins merged (`blocks`) until each released block holds 0 or >= k tumours.
        Under DP: ``histogram_bins`` fixed blocks, noised (L2 sensitivity sqrt(2): a replaced
        tumour leaves one block and joins another). Returns each block's first bin and total.
        """
        counts = np.asarray(counts, dtype=float)
        if self.dp is not None:
            runs = fixed_blocks(counts.size, self.dp.histogram_bins)
            totals = self.noise(name, block_sums(counts, runs), math.sqrt(2.0))
        else:
            cumulative = np.concatenate([[0.0], np.cumsum(counts)])
            runs = blocks(
                counts.size, lambda lo, hi: allowed(cumulative[hi] - cumulative[lo], self.k)
            )
            totals = block_sums(counts, runs)
        self._merged(name, counts.size, runs)
        return [float(lo) for lo, _ in runs], totals.tolist()

    def hazard(
        self,
        events: np.ndarray,
        exposure: np.ndarray,
        at_risk: np.ndarray,
        grid: np.ndarray,
        max_rate: float,
    ) -> tuple[list[float], list[float], list[float]]:
        """Events and risk-weighted exposure per interval of the hazard grid, per block.

        Without DP: intervals merged until each released block has 0 or >= k events and 0 or
        >= k tumours at risk at its start (the tumours whose time it sums). Under DP: fixed
        blocks of ``hazard_block_years``; events noised with sensitivity sqrt(2), exposure with
        sqrt(2) * ``max_rate`` * the L2 norm of the block widths (``max_rate`` bounds
        exp(margin); a tumour's exposure in a block is at most the block's width). Returns each
        block's first interval, events and exposure.
        """
        width = np.diff(grid)
        if self.dp is not None:
            step = max(1, round(self.dp.hazard_block_years / float(width[0])))
            runs = [(lo, min(lo + step, width.size)) for lo in range(0, width.size, step)]
            block_width = block_sums(width, runs)
            event_totals = self.noise("grid-events", block_sums(events, runs), math.sqrt(2.0))
            sensitivity = math.sqrt(2.0) * max_rate * float(np.linalg.norm(block_width))
            exposure_totals = self.noise("grid-exposure", block_sums(exposure, runs), sensitivity)
        else:
            cumulative = np.concatenate([[0.0], np.cumsum(events)])

            def ok(lo: int, hi: int) -> bool:
                events_in = cumulative[hi] - cumulative[lo]
                return allowed(events_in, self.k) and allowed(at_risk[lo], self.k)

            runs = blocks(width.size, ok)
            event_totals, exposure_totals = block_sums(events, runs), block_sums(exposure, runs)
        self._merged("hazard-grid", width.size, runs)
        starts = [float(lo) for lo, _ in runs]
        return starts, event_totals.tolist(), exposure_totals.tolist()

    def _merged(self, name: str, n_cells: int, runs: list[tuple[int, int]]) -> None:
        if len(runs) < n_cells:
            self.report["merged"][name] = {"cells": n_cells, "blocks": len(runs)}
