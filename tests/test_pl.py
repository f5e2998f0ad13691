"""rp.pl: each figure draws what the data say, and the reports embed exactly these figures."""

from __future__ import annotations

import html
import re

import anndata as ad
import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from _report_cohort import build
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.patches import Rectangle

from rtpredict import pl
from rtpredict.errors import InputError
from rtpredict.models.validation import ValidationResult
from rtpredict.report import _figures, cohort_view, render_cohort_report, render_tumour_report
from rtpredict.report._cohort_figures import embedding_coords
from rtpredict.report._svg import style, to_svg

mpl.use("Agg")


def new_ax():
    return Figure().add_subplot()


def bars(ax) -> list[Rectangle]:
    return [p for p in ax.patches if isinstance(p, Rectangle)]


def vertical_lines(ax) -> dict[str, float]:
    """Label → x of each vertical line (axvline) on ``ax``."""
    out = {}
    for line in ax.get_lines():
        x = np.asarray(line.get_xdata(), dtype=float)
        if x.size == 2 and x[0] == x[1]:
            out[line.get_label()] = float(x[0])
    return out


@pytest.fixture
def scores() -> ad.AnnData:
    rng = np.random.default_rng(3)
    n = 40
    obs = pd.DataFrame(
        {
            "rsi": rng.uniform(0.1, 0.8, n),
            "gard": rng.normal(30, 8, n),
            "hypoxia": rng.normal(0, 2, n),
            "flat": np.full(n, 2.0),
            "cohort": np.repeat(["A", "B", "C", "D"], 10),
            "event": rng.integers(0, 2, n),
        },
        index=[f"T{i:02d}" for i in range(n)],
    )
    obs.loc["T03", "rsi"] = np.nan
    obs.loc["T05", "hypoxia"] = np.nan
    adata = ad.AnnData(obs=obs)
    adata.uns["signatures"] = {"params": {"signatures": ["hypoxia", "flat", "not_scored"]}}
    return adata


# --------------------------------------------------------------------------- distribution
def test_distribution_bars_count_the_finite_values(scores):
    ax = pl.distribution(scores, "rsi", bins=7, ax=new_ax())
    values = scores.obs["rsi"].dropna().to_numpy()
    counts, edges = np.histogram(values, bins=7)
    drawn = bars(ax)
    assert [b.get_height() for b in drawn] == counts.tolist()
    assert [b.get_x() for b in drawn] == pytest.approx(edges[:-1])
    assert sum(counts) == scores.n_obs - 1  # the NaN is left out
    assert ax.get_ylabel() == "tumours"
    assert ax.get_xlabel() == "rsi"


def test_distribution_marks_the_tumour_and_the_threshold(scores):
    ax = pl.distribution(scores, "rsi", highlight="T07", threshold=0.46, ax=new_ax())
    lines = vertical_lines(ax)
    value = scores.obs.loc["T07", "rsi"]
    assert lines["threshold 0.46"] == 0.46
    (label,) = [k for k in lines if k.startswith("T07")]
    assert lines[label] == pytest.approx(value)
    assert f"{value:.3f}" in label
    assert {t.get_text() for t in ax.get_legend().get_texts()} == {"threshold 0.46", label}


def test_distribution_per_cohort_stacks_groups_told_apart_without_colour(scores):
    ax = pl.distribution(scores, "gard", groupby="cohort", bins=6, ax=new_ax())
    counts, _ = np.histogram(scores.obs["gard"], bins=6)
    drawn = bars(ax)
    assert len(drawn) == 4 * 6
    tops = np.array([b.get_y() + b.get_height() for b in drawn]).reshape(4, 6)
    assert tops[-1].tolist() == counts.tolist()  # the last stack reaches the total
    per_group = np.array([b.get_height() for b in drawn]).reshape(4, 6).sum(axis=1)
    assert per_group.tolist() == [10, 10, 10, 10]
    assert len({b.get_hatch() for b in drawn}) == 4
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["A (n=10)", "B (n=10)", "C (n=10)", "D (n=10)"]


def test_distribution_refuses_unknown_keys(scores):
    with pytest.raises(InputError, match="no obs"):
        pl.distribution(scores, "nope", ax=new_ax())
    with pytest.raises(InputError, match="T99"):
        pl.distribution(scores, "rsi", highlight="T99", ax=new_ax())


# --------------------------------------------------------------------- signature heatmap
def test_heatmap_draws_the_z_scored_matrix(scores):
    ax = pl.signature_heatmap(scores, ax=new_ax())
    (image,) = [a for a in ax.get_children() if isinstance(a, AxesImage)]
    drawn = np.ma.filled(image.get_array(), np.nan)
    keys = ["rsi", "hypoxia", "flat"]  # rsi first; signatures not in obs skipped
    assert [t.get_text() for t in ax.get_xticklabels()] == keys
    assert [t.get_text() for t in ax.get_yticklabels()] == list(scores.obs_names)
    raw = scores.obs[keys]
    z = (raw - raw.mean()) / raw.std(ddof=0)
    np.testing.assert_allclose(drawn[:, :2], z[["rsi", "hypoxia"]].to_numpy(), equal_nan=True)
    assert np.isnan(drawn[3, 0])  # no RSI: drawn as missing
    assert (drawn[:, 2] == 0).all()  # a constant score: 0
    cells = {t.get_text() for t in ax.texts}
    assert "NA" in cells
    assert f"{z.iloc[0, 0]:.1f}" in cells  # values written out: colour is not the only cue


def test_heatmap_orders_tumours_by_group(scores):
    adata = scores[::-1].copy()
    ax = pl.signature_heatmap(adata, ["gard"], groupby="cohort", standard_scale=False, ax=new_ax())
    rows = [t.get_text() for t in ax.get_yticklabels()]
    assert [adata.obs.loc[r, "cohort"] for r in rows] == sorted(adata.obs["cohort"])
    (image,) = [a for a in ax.get_children() if isinstance(a, AxesImage)]
    np.testing.assert_allclose(image.get_array()[:, 0], adata.obs.loc[rows, "gard"])
    separators = [ln.get_ydata()[0] for ln in ax.get_lines()]
    assert separators == [9.5, 19.5, 29.5]


def test_heatmap_names_groups_beside_their_rows_never_over_a_cell(scores):
    ax = pl.signature_heatmap(scores, groupby="cohort", ax=new_ax())
    (side,) = ax.child_axes
    assert [t.get_text() for t in side.get_yticklabels()] == ["A", "B", "C", "D"]
    np.testing.assert_allclose(side.get_yticks(), [4.5, 14.5, 24.5, 34.5])  # each group's centre
    assert not {"A", "B", "C", "D"} & {t.get_text() for t in ax.texts}  # no name among the cells
    ax.figure.canvas.draw()
    group_right = max(t.get_window_extent().x1 for t in side.get_yticklabels())
    tumours_left = min(t.get_window_extent().x0 for t in ax.get_yticklabels())
    assert group_right < tumours_left


def test_heatmap_writes_light_text_on_dark_cells(scores):
    ax = pl.signature_heatmap(scores, ["gard"], ax=new_ax())
    z = (scores.obs["gard"] - scores.obs["gard"].mean()) / scores.obs["gard"].std(ddof=0)
    colours = {t.get_position()[1]: t.get_color() for t in ax.texts}
    assert colours[int(np.argmax(z.abs().to_numpy()))] == "white"  # the darkest cell
    assert colours[int(np.argmin(z.abs().to_numpy()))] != "white"  # a near-white cell


# ----------------------------------------------------------------------------- waterfall
@pytest.fixture(scope="module")
def predicted():
    return build()


def test_waterfall_bars_are_the_largest_shap_values(predicted):
    sample, key = "SIM004", "demo_recurrence"
    ax = pl.waterfall(predicted, sample, key=key, top=4, ax=new_ax())
    shap = predicted.obsm[f"{key}_shap"].loc[sample]
    order = shap.abs().sort_values(ascending=False, kind="stable").index
    expected = [*shap[order[:4]], shap[order[4:]].sum()]
    drawn = bars(ax)
    assert [b.get_width() for b in drawn] == pytest.approx(expected)
    end = predicted.obs.loc[sample, f"{key}_prediction"]
    assert drawn[-1].get_x() + drawn[-1].get_width() == pytest.approx(end)  # ends at the output
    # bar colour and a signed label per bar
    texts = [t.get_text() for t in ax.texts]
    for value in expected:
        assert (f"+{value:.2f}" if value > 0 else f"−{abs(value):.2f}") in texts
    assert f"{len(order) - 4} other features" in texts
    assert any(t.startswith("This tumour: ") for t in texts)
    assert vertical_lines(ax)  # baseline and output lines
    assert "log relative hazard" in ax.get_xlabel()


def test_waterfall_labels_and_aft_sign(predicted):
    adata = predicted.copy()
    key = "demo_recurrence"
    first = str(adata.obsm[f"{key}_shap"].loc["SIM001"].abs().idxmax())
    ax = pl.waterfall(adata, "SIM001", key=key, top=2, labels={first: "The first"}, ax=new_ax())
    assert "The first" in [t.get_text() for t in ax.texts]
    adata.uns[f"{key}_prediction"]["model"]["objective"] = "survival:aft"
    rows = pl.shap_rows(adata, "SIM001", key=key, top=2)
    shap = adata.obsm[f"{key}_shap"].loc["SIM001"]
    assert rows.contributions[0] == pytest.approx(-shap[first])  # right = higher risk
    with pytest.raises(InputError, match=r"tl\.predict"):
        pl.waterfall(adata, "SIM001", key="missing", ax=new_ax())


# ---------------------------------------------------------------------- validation forest
def validation(metric: str = "c_index") -> ValidationResult:
    metrics = pd.DataFrame(
        {
            "predictor": ["model", "rsi", "gard", "model"],
            "metric": [metric, metric, metric, "ibs"],
            "estimate": [0.66, 0.55, 0.58, 0.2],
            "lower": [0.61, 0.49, np.nan, 0.18],
            "upper": [0.71, 0.60, np.nan, 0.22],
        }
    )
    return ValidationResult(
        kind="survival",
        primary_metric=metric,
        scheme={"cv": "stratified", "n_splits": 5},
        metrics=metrics,
        per_cohort=None,
        comparisons=pd.DataFrame(),
        folds=pd.DataFrame(),
        baselines={},
        random_sets={
            "status": "done",
            "metric": metric,
            "null": "random_gene_sets",
            "quantiles": {"0.025": 0.52, "0.975": 0.6},
        },
        oof=pd.DataFrame(),
    )


def test_forest_draws_each_estimate_with_its_interval():
    ax = pl.validation_forest(validation(), ax=new_ax())
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["This model", "RSI alone", "GARD alone"]
    y = dict(zip(labels, ax.get_yticks(), strict=True))
    segments = {}
    points = {}
    for line in ax.get_lines():
        x, yy = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
        if x.size == 2 and x[0] != x[1]:
            segments[yy[0]] = tuple(x)
        elif x.size == 1:
            points[yy[0]] = (x[0], line.get_marker())
    assert segments == {y["This model"]: (0.61, 0.71), y["RSI alone"]: (0.49, 0.60)}
    assert points[y["This model"]] == (0.66, "s")  # the model: a square, not only a colour
    assert points[y["GARD alone"]] == (0.58, "o")  # no CI: the estimate alone
    assert vertical_lines(ax)["chance (0.5)"] == 0.5
    (band,) = ax.patches  # the null controls' 95% range
    assert (band.get_x(), band.get_x() + band.get_width()) == pytest.approx((0.52, 0.6))
    assert ax.get_xlabel() == "Harrell's C-index (95% CI)"


def test_forest_reads_a_card_dict_and_other_metrics():
    card = validation("r2").to_dict()
    ax = pl.validation_forest(card, legend=False, ax=new_ax())
    assert ax.get_legend() is None
    assert vertical_lines(ax)["chance (0)"] == 0.0  # R²'s chance is 0, not 0.5
    ax = pl.validation_forest(card, metric="ibs", ax=new_ax())
    assert [t.get_text() for t in ax.get_yticklabels()] == ["This model"]
    assert not vertical_lines(ax)  # lower is better: no chance line, no band of another metric
    with pytest.raises(InputError, match="auroc"):
        pl.validation_forest(card, metric="auroc", ax=new_ax())


# ---------------------------------------------------------------------------- calibration
def test_calibration_compares_bins_of_the_prediction_with_the_outcome():
    n = 50
    p = np.linspace(0.02, 0.98, n)
    event = (np.arange(n) % 5 < np.repeat([1, 2, 3, 4, 5], 10)).astype(int)
    obs = pd.DataFrame({"m_prediction": p, "event": event}, index=[f"T{i}" for i in range(n)])
    adata = ad.AnnData(obs=obs)
    ax = pl.calibration(adata, "event", key="m", n_bins=5, ax=new_ax())
    (points,) = [ln for ln in ax.get_lines() if ln.get_label() == "bins"]
    np.testing.assert_allclose(points.get_xdata(), p.reshape(5, 10).mean(axis=1))
    np.testing.assert_allclose(points.get_ydata(), [0.2, 0.4, 0.6, 0.8, 1.0])
    assert [t.get_text() for t in ax.texts] == ["n=10"] * 5


def test_calibration_of_survival_uses_kaplan_meier_at_the_horizon():
    time = np.array([1.0, 2, 3, 4, 6, 7, 8, 9, 1, 2, 3, 4])
    event = np.array([1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 1, 1])
    risk = np.array([0.9] * 4 + [0.1] * 4 + [0.5] * 4)
    obs = pd.DataFrame({"m_event_probability": risk, "t": time, "e": event})
    adata = ad.AnnData(obs=obs.set_axis([f"T{i}" for i in range(12)]))
    adata.uns["m_prediction"] = {"params": {"horizon": 5.0}}
    table = pl.calibration_table(adata, "e", key="m", time="t", n_bins=3)
    # low bin: no event by 5 y; middle (0.5): KM 1 − (1)(1)(1/2)(0/1) = 1; high: 3 events of 4
    assert table.observed.tolist() == pytest.approx([0.0, 1.0, 0.75])
    assert table.predicted.tolist() == pytest.approx([0.1, 0.5, 0.9])
    assert table.attrs["horizon"] == 5.0


# ---------------------------------------------------------- the reports draw through rp.pl
def svgs(html: str) -> dict[str, str]:
    found = re.findall(r'<svg[^>]*aria-labelledby="([^ "]+)-title[^"]*".*?</svg>', html, re.S)
    bodies = re.findall(r'<svg[^>]*aria-labelledby="[^ "]+-title[^"]*".*?</svg>', html, re.S)
    return dict(zip(found, bodies, strict=True))


def report_svg(draw, frame, *, prefix: str, title: str, description: str) -> str:
    with style():
        ax = draw(frame())
    return str(to_svg(ax.figure, prefix=prefix, title=title, description=description))


def desc(svg: str) -> str:
    return html.unescape(re.search(r"<desc[^>]*>(.*?)</desc>", svg, re.S).group(1))


def test_reports_embed_the_pl_figures_byte_for_byte(predicted):
    view = cohort_view(predicted, date="2026-01-01")
    cohort = svgs(render_cohort_report(view))
    passing = predicted[(view.status != "fail").to_numpy()]
    rsi = cohort["dist-rsi"]
    assert rsi == report_svg(
        lambda ax: pl.distribution(
            passing,
            "rsi",
            threshold=0.46,
            threshold_label="threshold 0.46",
            title="RSI",
            xlabel="RSI (higher = more radioresistant)",
            ax=ax,
        ),
        _figures.distribution_axes,
        prefix="dist-rsi",
        title="RSI",
        description=desc(rsi),
    )
    card = view.models[0].validation
    _, rows, _, _ = pl._forest.forest_rows(card)
    forest = cohort["forest-0"]
    title = f"{view.models[0].name}: C-index within cohorts"
    assert forest == report_svg(
        lambda ax: pl.validation_forest(card, title=title, legend=False, ax=ax),
        lambda: _figures.forest_axes(len(rows)),
        prefix="forest-0",
        title=title,
        description=desc(forest),
    )
    tumour = svgs(render_tumour_report(view, "SIM002"))
    key = view.models[0].key
    shap = tumour[f"shap-{key}"]
    rows = pl.shap_rows(predicted, "SIM002", key=key, top=8)
    drawn = re.findall(r">([^<>]+ = [^<>]+)</text>", shap)[: len(rows.features)]
    labels = {f: html.unescape(t) for f, t in zip(rows.features, drawn, strict=True)}
    assert shap == report_svg(
        lambda ax: pl.waterfall(predicted, "SIM002", key=key, top=8, labels=labels, ax=ax),
        lambda: _figures.waterfall_axes(len(rows.contributions)),
        prefix=f"shap-{key}",
        title="Feature contributions (SHAP)",
        description=desc(shap),
    )


def test_cohort_embedding_is_the_pca_of_the_expression(predicted):
    """scikit-learn's PCA, checked against a plain SVD of the centred matrix (sign aside)."""
    coords, names, source = embedding_coords(cohort_view(predicted))
    x = np.asarray(predicted.X, dtype=float)
    u, s, _ = np.linalg.svd(x - x.mean(axis=0), full_matrices=False)
    expected = u[:, :2] * s[:2]
    np.testing.assert_allclose(np.abs(coords), np.abs(expected), atol=1e-8)
    ratio = s[:2] ** 2 / (s**2).sum()
    assert names == (f"PC 1 ({100 * ratio[0]:.0f}%)", f"PC 2 ({100 * ratio[1]:.0f}%)")
    assert source == "PCA of log1p(TPM) over all genes"
