"""Latent tumour biology → gene expression, driver status and clinical outcomes.

The generative model (all of it is the simulation's *truth*, written to ``truth/``):

- Per tumour: a site with its usual schedule; latent ``hypoxia`` and ``ifn`` (interferon
  signalling) ~ N(0, 1), hypoxia shifted +0.3 in head and neck; driver status: NRF2 pathway
  (NFE2L2/KEAP1/CUL3), STK11, a DNA-repair defect (truncating ATM/BRCA1/BRCA2) and TP53, a
  negative control with no planted effect.
- Intrinsic radioresistance ``resistance = z + 1.0·nrf2 + 0.5·stk11 − 1.2·repair_defect``,
  z ~ N(0, 1); true SF2 = 0.2 + 0.6·Φ(0.8·resistance); α from SF2 with β = 0.05 Gy⁻² as in GARD.
- Expression (natural log, TPM scale): gene baseline + site programme + loadings × latent
  factors + noise (SD 0.3). RSI genes sit in an order giving RSI ≈ 0.45 (the pooled GARD
  cohort's mean) and move with ``resistance`` in the direction of their
  published coefficient (STAT1 and IRF1 also with ``ifn``); hypoxia-signature genes with
  ``hypoxia``; IFN-γ and cytolytic genes with ``ifn``; NRF2 targets (NQO1, TXNRD1, GCLM, AKR1C1)
  with NRF2 activation. Kim 2012 genes and background genes carry no planted biology.
- Recurrence: exponential hazard, median 6 years at true GARD 25, log-HR −0.04 per unit of
  true GARD (0 without RT), +0.45 per SD of hypoxia, −0.3 per SD of IFN signalling; death
  after recurrence (mean 2.5 years) or otherwise (mean 15 years); follow-up uniform 1–8 years.
  Response (0/1): logistic in true GARD (+0.08 per unit) and hypoxia (−0.6 per SD).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit, ndtr

from rtpredict.signatures import load_catalog
from rtpredict.simulate._genome import GeneSpec

BETA = 0.05  # Gy^-2, as in GARD (Scott et al. 2017)

#: tumour site -> (share of the cohort, dose per fraction (Gy), fractions)
SITES: dict[str, tuple[float, float, int]] = {
    "head_and_neck": (0.35, 2.0, 35),
    "lung": (0.30, 2.0, 30),
    "breast": (0.20, 2.67, 15),
    "glioma": (0.15, 2.0, 30),
}
COHORTS = ("SIM-A", "SIM-B")

#: genes added beyond the signature catalog: symbol -> Ensembl ID (org.Hs.eg.db 3.16.0)
PANEL_GENES = {
    "NFE2L2": "ENSG00000116044",
    "KEAP1": "ENSG00000079999",
    "CUL3": "ENSG00000036257",
    "STK11": "ENSG00000118046",
    "ATM": "ENSG00000149311",
    "TP53": "ENSG00000141510",
    "BRCA1": "ENSG00000012048",
    "BRCA2": "ENSG00000139618",
}
NRF2_TARGETS = {
    "NQO1": "ENSG00000181019",
    "TXNRD1": "ENSG00000198431",
    "GCLM": "ENSG00000023909",
    "AKR1C1": "ENSG00000187134",
}
HYPOXIA_SIGNATURES = ("buffa_hypoxia", "eustace_hypoxia", "toustrup_hypoxia")
#: Ragnum genes that are classic hypoxia targets; the rest of that set is proliferation
RAGNUM_HYPOXIA_GENES = {"ADM", "DDIT4", "HILPDA", "P4HA1", "PGAM4", "PKM", "SPAG4", "SCD"}
IFN_SIGNATURES = ("ifng_18", "ifng_6", "cytolytic_activity")
FACTORS = ("resistance", "hypoxia", "ifn", "nrf2")
#: baseline within-sample rank of each RSI gene: RSI = 0.45 at the cohort's centre
RSI_BASELINE_RANK = {"AR": 9, "JUN": 8, "STAT1": 7, "PRKCB": 6, "RELA": 1, "ABL1": 5, "SUMO1": 3,
                     "PAK2": 10, "HDAC1": 4, "IRF1": 2}  # fmt: skip
#: log-expression step between neighbouring RSI genes, and their loading on resistance
RSI_SPACING = 0.35
RSI_LOADING = 0.3


def catalog_genes() -> dict[str, list[dict]]:
    """Return the genes of every catalog signature as records (symbol, ensembl, weight)."""
    return {
        name: [{"symbol": g.symbol, "ensembl": g.ensembl, "weight": g.weight} for g in sig.genes]
        for name, sig in load_catalog().items()
    }


def gene_specs(n_background: int) -> list[GeneSpec]:
    """Return every gene of the simulated genome: catalog, panel, NRF2 targets, background."""
    real: dict[str, str] = {}
    for genes in catalog_genes().values():
        real.update({g["ensembl"]: g["symbol"] for g in genes})
    real.update({gid: sym for sym, gid in {**PANEL_GENES, **NRF2_TARGETS}.items()})
    specs = [GeneSpec(gid, sym, synthetic=False) for gid, sym in sorted(real.items())]
    specs += [
        GeneSpec(f"RTPSIMG{i:06d}", f"SIMG{i:04d}", synthetic=True)
        for i in range(1, n_background + 1)
    ]
    return specs


def gene_loadings(gene_ids: pd.Index) -> pd.DataFrame:
    """Return each gene's loading on the latent factors (rows: gene IDs, columns: FACTORS)."""
    sigs = catalog_genes()
    load = pd.DataFrame(0.0, index=gene_ids, columns=list(FACTORS))
    rsi_weights = {g["ensembl"]: g["weight"] for g in sigs["rsi"]}
    wmax = max(abs(w) for w in rsi_weights.values())
    for gid, w in rsi_weights.items():
        load.loc[gid, "resistance"] = RSI_LOADING * np.sign(w) * np.sqrt(abs(w) / wmax)
    for name in HYPOXIA_SIGNATURES:
        load.loc[[g["ensembl"] for g in sigs[name]], "hypoxia"] = 0.7
    for g in sigs["ragnum_hypoxia"]:
        load.loc[g["ensembl"], "hypoxia"] = 0.7 if g["symbol"] in RAGNUM_HYPOXIA_GENES else 0.3
    for name in IFN_SIGNATURES:
        load.loc[[g["ensembl"] for g in sigs[name]], "ifn"] = 0.9
    interferon_stimulated = [g["ensembl"] for g in sigs["rsi"] if g["symbol"] in ("STAT1", "IRF1")]
    load.loc[interferon_stimulated, "ifn"] = 0.5
    load.loc[list(NRF2_TARGETS.values()), "nrf2"] = 1.5
    return load


def simulate_tumours(sample_ids: list[str], rng: np.random.Generator) -> pd.DataFrame:
    """Draw each tumour's site, schedule, drivers and latent biology (the truth table)."""
    n = len(sample_ids)
    names = list(SITES)
    shares = np.array([SITES[s][0] for s in names])
    site = rng.choice(names, size=n, p=shares / shares.sum())
    lung_or_hn = np.isin(site, ["lung", "head_and_neck"])
    t = pd.DataFrame(index=pd.Index(sample_ids, name="sample_id"))
    t["cohort"] = rng.choice(COHORTS, size=n)
    t["site"] = site
    t["dose_per_fraction"] = [SITES[s][1] for s in site]
    t["fractions"] = [SITES[s][2] for s in site]
    t["nrf2_mutant"] = rng.random(n) < np.where(lung_or_hn, 0.18, 0.05)
    t["stk11_mutant"] = rng.random(n) < np.where(site == "lung", 0.15, 0.02)
    t["repair_defect"] = rng.random(n) < 0.10
    t["tp53_mutant"] = rng.random(n) < np.where(lung_or_hn, 0.6, 0.3)
    t["hypoxia"] = rng.normal(0, 1, n) + 0.3 * (site == "head_and_neck")
    t["ifn"] = rng.normal(0, 1, n)
    t["resistance"] = (
        rng.normal(0, 1, n)
        + 1.0 * t["nrf2_mutant"]
        + 0.5 * t["stk11_mutant"]
        - 1.2 * t["repair_defect"]
    )
    t["true_sf2"] = 0.2 + 0.6 * ndtr(0.8 * t["resistance"])
    t["true_alpha"] = -np.log(t["true_sf2"]) / 2 - 2 * BETA
    t["true_gard"] = (
        t["fractions"] * t["dose_per_fraction"] * (t["true_alpha"] + BETA * t["dose_per_fraction"])
    )
    t["received_rt"] = (rng.random(n) < 0.9).astype(int)
    t["purity"] = rng.uniform(0.3, 0.9, n).round(3)
    return t


def simulate_log_expression(
    tumours: pd.DataFrame,
    gene_ids: pd.Index,
    loadings: pd.DataFrame,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Return natural-log expression (TPM scale, before normalisation), tumours × genes."""
    n_genes = len(gene_ids)
    baseline = rng.normal(np.log(20), 1.3, n_genes)
    real = ~gene_ids.str.startswith("RTPSIMG")
    baseline[real] = rng.normal(np.log(30), 0.8, int(real.sum()))
    # RSI genes sit close together, in an order giving RSI ≈ 0.45 (the pooled GARD cohort's
    # mean), so that the latent biology and noise reorder their within-sample ranks
    for gene in catalog_genes()["rsi"]:
        rank = RSI_BASELINE_RANK[gene["symbol"]]
        baseline[gene_ids.get_loc(gene["ensembl"])] = np.log(40) + RSI_SPACING * (rank - 5.5)
    sites = list(SITES)
    programme = rng.normal(0, 0.5, (len(sites), n_genes)) * (rng.random((1, n_genes)) < 0.2)
    site_idx = tumours["site"].map({s: i for i, s in enumerate(sites)}).to_numpy()
    factors = tumours[list(FACTORS[:3])].to_numpy(float)
    factors = np.column_stack([factors, tumours["nrf2_mutant"].to_numpy(float)])
    log_expr = (
        baseline[None, :]
        + programme[site_idx]
        + factors @ loadings.loc[gene_ids, list(FACTORS)].to_numpy().T
        + rng.normal(0, 0.3, (len(tumours), n_genes))
    )
    return pd.DataFrame(log_expr, index=tumours.index, columns=gene_ids)


def simulate_outcomes(tumours: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Return the clinical table: site, schedule, RT received, recurrence, survival, response."""
    n = len(tumours)
    gard_effective = tumours["true_gard"] * tumours["received_rt"]
    log_hr = -0.04 * (gard_effective - 25) + 0.45 * tumours["hypoxia"] - 0.3 * tumours["ifn"]
    hazard = np.log(2) / 6 * np.exp(log_hr)  # median time to recurrence 6 y at the reference
    time_recurrence = rng.exponential(1 / hazard)
    follow_up = rng.uniform(1, 8, n)
    time_death = np.where(
        time_recurrence < follow_up,
        time_recurrence + rng.exponential(2.5, n),
        rng.exponential(15, n),
    )
    p_response = expit(-1.0 + 0.08 * (gard_effective - 25) - 0.6 * tumours["hypoxia"])
    clinical = tumours[["cohort", "site", "dose_per_fraction", "fractions", "received_rt"]].copy()
    # recurrence is observed until the end of follow-up or death, whichever comes first
    observed_until = np.minimum(follow_up, time_death)
    clinical["recurrence_event"] = (time_recurrence <= observed_until).astype(int)
    clinical["recurrence_years"] = np.minimum(time_recurrence, observed_until).round(3)
    clinical["os_event"] = (time_death <= follow_up).astype(int)
    clinical["os_years"] = np.minimum(time_death, follow_up).round(3)
    clinical["response"] = (rng.random(n) < p_response).astype(int)
    return clinical
