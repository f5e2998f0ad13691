"""Reports: QC rules, what a tumour and a cohort report show, escaping, self-containment, CLI."""

from __future__ import annotations

import itertools
import re
from html import unescape
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from _report_cohort import build

from rtpredict import _format as fmt
from rtpredict import cli
from rtpredict.errors import InputError
from rtpredict.report import (
    cohort_view,
    evaluate_qc,
    load_rules,
    render_cohort_report,
    render_tumour_report,
    write_multiqc,
    write_tumour_report,
)

POOR = "SIM012"  # 51% mapped: fails QC
DATE = "2026-11-28"
XSS = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def cohort():
    return build().copy()


@pytest.fixture(scope="module")
def view(cohort):
    return cohort_view(cohort, date=DATE)


@pytest.fixture(scope="module")
def pages(view):
    """Every tumour's report and the cohort report, rendered once."""
    out = {s: render_tumour_report(view, s) for s in view.obs.index}
    out["cohort"] = render_cohort_report(view)
    return out


def text_of(html: str) -> str:
    """The visible text of a page, whitespace collapsed (tags and SVG removed)."""
    html = re.sub(r"<svg.*?</svg>", " ", html, flags=re.DOTALL)
    html = re.sub(r"<(style|script)\b.*?</\1>", " ", html, flags=re.DOTALL)
    blocks = "br|p|td|th|tr|li|ul|dl|dt|dd|h\\d|div|section|article|table|caption|figcaption"
    html = re.sub(rf"</?(?:{blocks})\b[^>]*>", " ", html)
    return " ".join(unescape(re.sub(r"<[^>]+>", "", html)).split())


# ------------------------------------------------------------------------------ QC rules
def qc_frame(**columns) -> object:
    """A tiny AnnData with the given obs columns and 100 genes."""
    from anndata import AnnData

    n = len(next(iter(columns.values())))
    obs = pd.DataFrame(columns, index=[f"T{i}" for i in range(n)])
    return AnnData(X=np.zeros((n, 100), dtype=np.float32), obs=obs)


def statuses(adata, rule: str) -> list[str]:
    checks = evaluate_qc(adata, load_rules())
    return [next(c for c in checks[s] if c.rule == rule).status for s in adata.obs_names]


def test_depth_is_judged_per_quantified_gene():
    # 100 genes: fail below 20 per gene (2,000 fragments), warn below 100 (10,000)
    adata = qc_frame(n_fragments_mapped=[1_999, 2_000, 9_999, 10_000, np.nan])
    assert statuses(adata, "depth") == ["fail", "warn", "warn", "pass", "warn"]


def test_depth_falls_back_to_trimmed_pairs_times_mapping_rate():
    # the STAR route has no n_fragments_mapped
    adata = qc_frame(n_read_pairs_trimmed=[4_000.0, 40_000.0], mapping_rate=[0.4, 0.9])
    assert statuses(adata, "depth") == ["fail", "pass"]


def test_mapping_rate_thresholds_and_message():
    adata = qc_frame(mapping_rate=[0.59, 0.6, 0.69, 0.7])
    assert statuses(adata, "mapping_rate") == ["fail", "warn", "warn", "pass"]
    check = next(c for c in evaluate_qc(adata, load_rules())["T0"] if c.rule == "mapping_rate")
    assert "59.0%" in check.message
    assert "60.0%" in check.message


def test_strandedness_stranded_unstranded_and_ambiguous():
    adata = qc_frame(strand_forward_fraction=[0.01, 0.97, 0.5, 0.58, 0.3, np.nan])
    assert statuses(adata, "strandedness") == ["pass", "pass", "pass", "pass", "warn", "warn"]


def test_rsi_coverage_below_one_fails_other_signatures_warn():
    adata = qc_frame(rsi_coverage=[1.0, 0.9, 1.0], ifng_6_coverage=[1.0, 1.0, 0.83])
    assert statuses(adata, "signature_coverage") == ["pass", "fail", "warn"]


def test_a_metric_missing_from_the_cohort_is_a_warning_not_a_pass():
    adata = qc_frame(mapping_rate=[0.9])
    assert statuses(adata, "genes_detected") == ["warn"]


def test_bands_are_thirds_of_the_training_percentile():
    rules = load_rules()
    assert [rules.band(p).name for p in (0, 33.3, 33.4, 66.6, 66.7, 100)] == [
        "lower", "lower", "middle", "middle", "upper", "upper"
    ]  # fmt: skip
    assert rules.band(float("nan")) is None


def test_a_broken_rules_file_names_the_field(tmp_path):
    raw = dict(load_rules().raw)
    raw["qc"][1]["fail_below"] = 0.9  # above warn_below
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(InputError, match=r"rules.yaml: qc\[1\]: needs fail_below <= warn_below"):
        load_rules(path)


# ----------------------------------------------------------------------- tumour report
def test_failed_qc_withholds_every_rna_score_and_says_why(cohort, pages):
    text = text_of(pages[POOR])
    assert "No score: the RNA library failed quality control" in text
    assert "Mapping rate 51.5% is below the minimum of 60.0%" in text
    row = cohort.obs.loc[POOR]
    for column in ("demo_recurrence_event_probability", "recurrence_event_probability"):
        assert fmt.percent(row[column]) not in text
    assert fmt.number(row["rsi"], 3) not in text
    assert "What drove each prediction" not in text
    assert "DNA findings" in text  # separate assay: still shown


def test_passing_tumour_shows_the_stored_values(cohort, pages):
    sample = "SIM001"
    row = cohort.obs.loc[sample]
    text = text_of(pages[sample])
    for key in ("demo_recurrence", "recurrence"):
        probability = f"{key}_event_probability"
        assert f"within 5 years: {fmt.percent(row[probability])}" in text
        assert fmt.interval(row[f"{probability}_lower"], row[f"{probability}_upper"], 0,
                            as_percent=True) in text  # fmt: skip
        assert f"the {fmt.ordinal(row[f'{key}_percentile'])} percentile" in text
    assert f"RSI {fmt.number(row['rsi'], 3)}" in text
    assert "published threshold of 0.46" in text
    assert "doi:10.1016/j.ijrobp.2009.06.014" in text
    assert f"{fmt.number(row['gard_fractions_to_target'], 1)} fractions" in text


def test_report_renders_what_the_anndata_holds_and_computes_nothing(cohort):
    edited = cohort.copy()
    edited.obs.loc["SIM001", "demo_recurrence_event_probability"] = 0.123456
    edited.obs.loc["SIM001", "rsi"] = 0.777
    text = text_of(render_tumour_report(cohort_view(edited, date=DATE), "SIM001"))
    assert "within 5 years: 12%" in text
    assert "RSI 0.777: above the published threshold of 0.46, read as radioresistant" in text


def test_an_estimate_outside_its_own_interval_is_flagged(cohort):
    edited = cohort.copy()
    columns = [f"demo_recurrence_event_probability{s}" for s in ("", "_lower", "_upper")]
    edited.obs.loc["SIM001", columns] = [0.9, 0.2, 0.5]
    edited.obs.loc["SIM002", columns] = [0.3, 0.2, 0.5]
    view = cohort_view(edited, date=DATE)
    warning = "estimate lies outside the interval of its bootstrap refits"
    assert warning in text_of(render_tumour_report(view, "SIM001"))
    assert warning not in text_of(render_tumour_report(view, "SIM002"))


def test_model_trained_on_simulated_data_is_labelled_so(pages):
    text = text_of(pages["SIM001"])
    assert "was trained on SIMULATED tumours" in text
    assert "SIMULATED TRAINING DATA" in text
    assert "real patients: 1015 with recurrence follow-up" in text  # the real-data model


def test_a_site_unseen_in_training_is_flagged(cohort, pages):
    lung = cohort.obs.index[cohort.obs["site"] == "lung"][0]
    text = text_of(pages[lung])
    assert "Tumour site “lung” was not in this model's training data" in text
    assert "Tumour site = lung (unknown to model)" in pages[lung]  # the waterfall label


def test_no_dna_data_is_unknown_never_wild_type(cohort, pages):
    without = cohort.obs.index[~cohort.obs["dna_available"].astype(bool)]
    with_dna = cohort.obs.index[cohort.obs["dna_available"].astype(bool)]
    assert len(without)
    assert len(with_dna)
    text = text_of(pages[without[0]])
    assert "No DNA data for this tumour" in text
    assert "is unknown" in text
    assert "Mutated panel genes" not in text
    mutated = [
        g
        for g in ("TP53", "KEAP1", "NFE2L2")
        if bool(cohort.obs.loc[with_dna[0], f"dna_{g}_mutated"])
    ]
    text = text_of(pages[with_dna[0]])
    for gene in mutated:
        vaf = fmt.percent(cohort.obs.loc[with_dna[0], f"dna_{gene}_max_vaf"])
        assert f"{gene} {vaf}" in text


def test_signatures_are_compared_with_the_frozen_reference(cohort, pages):
    text = text_of(pages["SIM001"])
    assert "reference cohort (600 tumours: simulated training cohort)" in text
    value = cohort.obs.loc["SIM001", "buffa_hypoxia"]
    position = "above" if value > 2.0 else "below" if value < 2.0 else "at"
    assert f"Buffa hypoxia higher = more hypoxic {value:.0f} {position} reference median" in text


def test_waterfall_ends_at_the_model_output(cohort, view):
    from rtpredict.report._context import tumour_context

    context = tumour_context(view, "SIM001")
    result = next(r for r in context["results"] if r["key"] == "recurrence")
    output = cohort.obs.loc["SIM001", "recurrence_prediction"]
    assert f"This tumour: {fmt.number(output)}" in result["waterfall"]["figure"]


# ----------------------------------------------------------- safety and self-containment
def test_user_strings_are_escaped_in_html_and_in_matplotlib_svg(cohort):
    hostile = cohort.copy()
    site = hostile.obs["site"].astype(str)
    site.loc["SIM001"] = XSS
    hostile.obs["site"] = site.astype("category")
    hostile.obs["cohort"] = hostile.obs["cohort"].astype(str).replace("SIM-A", f'"{XSS}')
    hostile.uns["recurrence_prediction"] = {**hostile.uns["recurrence_prediction"]}
    hostile.uns["recurrence_prediction"]["model"] = {
        **hostile.uns["recurrence_prediction"]["model"],
        "name": f"m{XSS}",
    }
    view = cohort_view(hostile, date=DATE)
    tumour, cohort_page = render_tumour_report(view, "SIM001"), render_cohort_report(view)
    for html in (tumour, cohort_page):
        assert XSS not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # matplotlib writes text into its SVG: the site in a SHAP label, the model in titles
    svgs = re.findall(r"<svg.*?</svg>", tumour, flags=re.DOTALL)
    assert any("Tumour site = &lt;script&gt;alert(1)&lt;/script&gt;" in s for s in svgs)
    svgs = re.findall(r"<svg.*?</svg>", cohort_page, flags=re.DOTALL)
    assert any(">m&lt;script&gt;alert(1)&lt;/script&gt;</text>" in s for s in svgs)
    assert "<script" not in tumour  # no script at all in a tumour report


def test_pages_fetch_nothing(pages):
    for name, html in pages.items():
        assert not re.search(r"\s(src|srcset|poster|data)=", html), name
        for tag in ("<link", "@import", "<iframe", "<object", "<embed"):
            assert tag not in html, name
        assert not re.search(r"url\((?!#)", html), name  # only url(#id) references
        hrefs = re.findall(r'href="([^"]*)"', html)
        local = ("#", "data:image/png;base64,", "https://doi.org/")  # doi: links, never loaded
        assert all(h.startswith(local) or re.fullmatch(r"[\w.-]+\.html", h) for h in hrefs), name
        policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html)
        assert policy, name
        assert "default-src 'none'" in unescape(policy.group(1)), name


def test_pages_are_small_unique_in_ids_and_accessible(pages):
    for name, html in pages.items():
        assert len(html.encode()) < 2 * 1024 * 1024, name
        assert html.startswith('<!DOCTYPE html>\n<html lang="en">')
        ids = re.findall(r'\sid="([^"]+)"', html)
        assert len(ids) == len(set(ids)), f"{name}: duplicate ids"
        for svg in re.findall(r"<svg\b[^>]*>", html):
            assert 'role="img"' in svg
            assert "aria-label=" in svg or "aria-labelledby=" in svg
        for labelled in re.findall(r'aria-labelledby="([^"]+)"', html):
            assert all(f'id="{i}"' in html for i in labelled.split()), name
        headings = [int(h) for h in re.findall(r"<h([1-6])\b", html)]
        assert headings[0] == 1
        assert all(b - a <= 1 for a, b in itertools.pairwise(headings))


def test_only_the_cohort_report_has_a_script_and_the_policy_allows_exactly_it(pages):
    import base64
    import hashlib

    html = pages["cohort"]
    scripts = re.findall(r"<script>(.*?)</script>", html, flags=re.DOTALL)
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in unescape(html)
    assert "<script" not in pages["SIM001"]
    assert "script-src 'none'" in unescape(pages["SIM001"])


def test_rendering_is_reproducible(view):
    assert render_tumour_report(view, "SIM002") == render_tumour_report(view, "SIM002")


def test_a_model_card_for_another_model_file_is_not_used(cohort):
    card = {"files": {"model": {"sha256": "0" * 64}}, "validation": {"primary_metric": "x"}}
    view = cohort_view(cohort, cards={"recurrence": card}, date=DATE)
    info = next(m for m in view.models if m.key == "recurrence")
    assert info.card is None
    assert "describes another model file" in info.card_note


def test_single_tumour_anndata(cohort, tmp_path):
    path = write_tumour_report(cohort[["SIM003"]].copy(), "SIM003", tmp_path / "one.html")
    assert "SIM003" in path.read_text()


# --------------------------------------------------------------------- cohort and MultiQC
def test_cohort_report_lists_every_tumour_and_withholds_failed_ones(cohort, pages):
    html = pages["cohort"]
    for sample in cohort.obs_names:
        assert f'<a href="{sample}.html">{sample}</a>' in html
    row = re.search(rf"<tr>\s*<th scope=\"row\"><a href=\"{POOR}\.html\">.*?</tr>", html, re.DOTALL)
    assert row
    assert row.group(0).count("withheld") == 4
    text = text_of(html)
    assert "C-index within cohorts" in text
    assert "random gene-set controls" in text
    assert "Random gene-set controls were not run (n_random_sets=0)." in text


def test_multiqc_tables_parse_and_blank_withheld_scores(view, tmp_path):
    qc_path, predictions_path = write_multiqc(view, tmp_path)
    for path in (qc_path, predictions_path):
        lines = path.read_text().splitlines()
        header = yaml.safe_load("\n".join(line[2:] for line in lines if line.startswith("# ")))
        assert header["plot_type"] == "table"
        assert header["id"].startswith("rtpredict_")
        table = pd.read_csv(path, sep="\t", comment="#", index_col=0, keep_default_na=False)
        assert list(table.index) == list(view.obs.index)
        assert set(table.columns) == set(header["headers"])
    table = pd.read_csv(predictions_path, sep="\t", comment="#", index_col=0)
    assert table.loc[POOR].isna().all()
    assert table.drop(index=POOR).notna().all().all()
    qc = pd.read_csv(qc_path, sep="\t", comment="#", index_col=0)
    assert qc.loc[POOR, "qc_status"] == "fail"
    assert "Mapping rate" in qc.loc[POOR, "qc_findings"]


def test_cli_writes_every_report_and_the_multiqc_tables(cohort, tmp_path, monkeypatch):
    monkeypatch.setitem(cli.COMMANDS, "report", "report")
    source = tmp_path / "cohort.predictions.h5ad"
    subset = cohort[["SIM001", "SIM002", "SIM011", POOR]].copy()
    subset.write_h5ad(source)
    out = tmp_path / "reports"
    code = cli.main(["report", str(source), "-o", str(out), "--multiqc-dir",
                     str(tmp_path / "mqc"), "--date", DATE, "-j", "2"])  # fmt: skip
    assert code == 0
    assert sorted(p.stem for p in out.glob("*.html")) == sorted([*subset.obs_names, "cohort"])
    assert sorted(p.name for p in (tmp_path / "mqc").iterdir()) == [
        "rtpredict_predictions_mqc.tsv", "rtpredict_qc_mqc.tsv"
    ]  # fmt: skip


def test_cli_refuses_a_sample_id_that_is_not_a_file_name(cohort, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(cli.COMMANDS, "report", "report")
    bad = cohort[:2].copy()
    bad.obs_names = ["SIM001", "../escape"]
    source = tmp_path / "bad.h5ad"
    bad.write_h5ad(source)
    assert cli.main(["report", str(source), "-o", str(tmp_path / "r")]) == 2
    assert "'../escape' cannot name a report file" in capsys.readouterr().err
    assert not (tmp_path / "escape.html").exists()


def test_a_cohort_without_features_or_predictions_still_renders(cohort):
    qc_only = cohort[:3].copy()
    keep = ["n_read_pairs", "mapping_rate", "n_fragments_mapped", "site", "genes_detected"]
    qc_only.obs = qc_only.obs[keep]
    qc_only.uns = {}
    qc_only.obsm = {}
    view = cohort_view(qc_only, date=DATE)
    text = text_of(render_tumour_report(view, "SIM001"))
    assert "No model predictions are stored for this tumour." in text
    assert "RSI not available: RSI was not scored." in text
    assert "No DNA analysis was run for this cohort." in text
    assert "Not measured" in text  # strandedness: no column
    assert "Tumours" in text_of(render_cohort_report(view))


def test_header_names_model_versions_and_checksums(pages):
    text = text_of(pages["SIM001"])
    assert "demo_recurrence SIMULATED (built 2026-11-28 with rtpredict 0.1.0.dev0; SHA-256" in text
    assert "recurrence (built 2025-01-01 with rtpredict 0.1.0.dev0; SHA-256 3ffb57f967b3…)" in text


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a #rrggbb colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_text_colours_meet_wcag_aa_contrast():
    css = (Path(__file__).parents[1] / "rtpredict/report/templates/report.css").read_text()
    var = dict(re.findall(r"--([\w-]+): (#[0-9a-f]{6})", css))
    pairs = [("ink", "#ffffff"), ("muted", "#ffffff"), ("muted", var["panel"]),
             ("accent", "#ffffff"), ("pass", var["pass-bg"]), ("warn", var["warn-bg"]),
             ("fail", var["fail-bg"]), ("up", "#ffffff"), ("down", "#ffffff")]  # fmt: skip
    for fg, bg in pairs:
        light, dark = sorted((relative_luminance(var[fg]), relative_luminance(bg)), reverse=True)
        assert (light + 0.05) / (dark + 0.05) >= 4.5, (fg, bg)


@pytest.mark.parametrize("sample", ["SIM001\n", "cohort", "", "_x", "a b"])
def test_report_path_refuses_ids_outside_the_sample_sheet_rule(tmp_path, sample):
    from rtpredict.report._batch import report_path

    with pytest.raises(InputError, match="cannot name a report file"):
        report_path(tmp_path, sample)
    assert report_path(tmp_path, "SIM-001.a_b") == tmp_path / "SIM-001.a_b.html"


def test_depth_on_the_star_route_is_judged_plotted_and_tabled_alike(cohort, tmp_path):
    """STAR reports no mapped-fragment count: depth comes from trimmed pairs × mapping rate."""
    star = cohort.copy()
    star.obs["n_read_pairs_trimmed"] = star.obs["n_fragments_mapped"] / star.obs["mapping_rate"]
    del star.obs["n_fragments_mapped"]
    view = cohort_view(star, date=DATE)
    depth = [next(c for c in view.qc[s] if c.rule == "depth") for s in view.obs.index]
    assert all(c.value != "—" and "Not measured" not in c.message for c in depth)
    assert 'id="qc-depth' in render_cohort_report(view)
    qc_path, _ = write_multiqc(view, tmp_path)
    table = pd.read_csv(qc_path, sep="\t", comment="#", index_col=0)
    expected = cohort.obs["n_fragments_mapped"] / cohort.n_vars
    np.testing.assert_allclose(table["mapped_per_gene"], expected.to_numpy(), rtol=1e-5)


def test_cli_refuses_a_model_card_named_twice(cohort, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(cli.COMMANDS, "report", "report")
    source = tmp_path / "c.h5ad"
    cohort[:2].copy().write_h5ad(source)
    card = tmp_path / "m.card.json"
    card.write_text("{}")
    argv = ["report", str(source), "-o", str(tmp_path / "r"),
            "--model-card", f"m={card}", "--model-card", f"m={card}"]  # fmt: skip
    assert cli.main(argv) == 2
    assert "m is given twice" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()
