"""Aggregate per-tumour quantities and QC into the cohort AnnData (and TSV exports)."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from rtpredict.commands._args import add_output, allow_columns, sample_paths
from rtpredict.errors import InputError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options of ``rtpredict aggregate``."""
    parser.add_argument("--quantifier", choices=["salmon", "star"], required=True)
    parser.add_argument("--gtf", required=True, help="annotation GTF (transcript → gene)")
    parser.add_argument(
        "--tx2gene", help="the GTF's transcript → gene table from `rtpredict tx2gene` (faster)"
    )
    parser.add_argument("--samples", required=True, help="sample sheet (tumour order)")
    parser.add_argument(
        "--batch", help="aggregate only this cohort batch of the sheet (default: every tumour)"
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=500,
        help="tumours per batch when the sheet has no batch column (500)",
    )
    parser.add_argument("--clinical", help="clinical table keyed by sample_id")
    parser.add_argument(
        "--quant",
        nargs="+",
        required=True,
        metavar="SAMPLE=PATH",
        help="salmon: quant directory; star: featureCounts table. For every per-tumour option, "
        "one pattern with {sample} may stand for all the sheet's tumours",
    )
    parser.add_argument("--fastp", nargs="+", required=True, metavar="SAMPLE=JSON")
    parser.add_argument("--star-log", nargs="*", default=[], metavar="SAMPLE=Log.final.out")
    parser.add_argument("--bam-qc", nargs="*", default=[], metavar="SAMPLE=JSON")
    parser.add_argument(
        "--allow-column", action="append", default=[], metavar="COLUMN=REASON",
        help="a column allowed past the identifier guard, with the reason (repeatable)",
    )  # fmt: skip
    add_output(parser, "cohort .h5ad to write")
    parser.add_argument("--tsv-dir", required=True, help="directory for the TSV exports")
    parser.add_argument(
        "--no-gene-tables",
        action="store_true",
        help="export only the tumours' table (samples.tsv), not gene counts and TPM",
    )


def _tool_versions(
    quantifier: str, quant: dict[str, str], fastp: dict[str, str], star_log: dict[str, str]
) -> dict[str, str]:
    versions = {}
    fastp_json = json.loads(Path(next(iter(fastp.values()))).read_text())
    versions["fastp"] = fastp_json.get("summary", {}).get("fastp_version", "unknown")
    first = Path(next(iter(quant.values())))
    if quantifier == "salmon":
        meta = json.loads((first / "aux_info" / "meta_info.json").read_text())
        versions["salmon"] = meta.get("salmon_version", "unknown")
    else:
        header = first.read_text().split("\n", 1)[0]
        match = re.search(r"featureCounts v(\S+?);", header)
        versions["featureCounts"] = match.group(1) if match else "unknown"
        log_out = Path(next(iter(star_log.values()))).with_name("Log.out")
        if log_out.exists():
            match = re.search(r"STAR version=(\S+)", log_out.read_text())
            versions["STAR"] = match.group(1) if match else "unknown"
    return versions


def run(args: argparse.Namespace) -> int:
    """Build the cohort AnnData (of one batch, with ``--batch``) from per-tumour outputs."""
    import pandas as pd

    from rtpredict import io

    allow = allow_columns(args.allow_column, "--allow-column")
    sheet = io.read_sample_sheet(
        args.samples, allow_columns=allow, batch=args.batch, batch_size=args.batch_size
    )
    samples = list(dict.fromkeys(sheet["sample_id"]))
    quant = sample_paths(args.quant, samples)
    missing = [s for s in samples if s not in quant]
    if missing:
        raise InputError(f"no quantification given for {', '.join(missing)}")
    quant = {s: quant[s] for s in samples}
    tx2gene = io.load_tx2gene(args.tx2gene or args.gtf)
    fastp = sample_paths(args.fastp, samples)
    qc = pd.DataFrame({s: io.read_fastp(fastp[s]) for s in samples}).T
    if args.quantifier == "salmon":
        gene_quant = io.salmon_gene_quant(
            {s: Path(p) / "quant.sf" for s, p in quant.items()}, tx2gene
        )
        extra = pd.DataFrame({s: io.read_salmon_qc(p) for s, p in quant.items()}).T
    else:
        gene_quant = io.featurecounts_gene_quant(quant)
        star, bam = sample_paths(args.star_log, samples), sample_paths(args.bam_qc, samples)
        extra = pd.concat(
            [
                pd.DataFrame({s: io.read_star_log(star[s]) for s in samples}).T,
                pd.DataFrame({s: json.loads(Path(bam[s]).read_text()) for s in samples}).T,
            ],
            axis=1,
        )
    qc = pd.concat([qc, extra.drop(columns=["salmon_version"], errors="ignore")], axis=1)
    qc = qc.infer_objects()
    qc["n_lanes"] = sheet.groupby("sample_id").size().reindex(samples).to_numpy()
    if args.batch is not None:
        qc["batch"] = args.batch
    clinical = (
        io.read_clinical(args.clinical, allow_columns=allow, samples=samples)
        if args.clinical
        else None
    )
    provenance = {
        "quantifier": args.quantifier,
        "tools": _tool_versions(
            args.quantifier, quant, fastp, sample_paths(args.star_log, samples)
        ),
        "annotation": str(Path(args.gtf).name),
    }
    if args.batch is not None:
        provenance["batch"] = args.batch
    adata = io.build_cohort(gene_quant, io.gene_table(tx2gene), qc, clinical, provenance=provenance)
    io.write_h5ad(adata, args.output)
    io.export_tsv(adata, args.tsv_dir, genes=not args.no_gene_tables)
    return 0
