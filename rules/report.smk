# Reports: one self-contained HTML page per tumour (per batch, into results/reports/<batch>/),
# one for the cohort (from the joined batches), and MultiQC custom-content tables.


rule report:
    input:
        unpack(PLAN.report_inputs),
    output:
        report(
            directory("results/reports/{batch}"),
            patterns=["{name}.html"],
            caption="../report/tumour.rst",
            category="Reports",
            subcategory="Tumours",
            labels={"report": "tumour", "tumour": "{name}"},
        ),
    log:
        "results/logs/report/{batch}.log",
    benchmark:
        "results/benchmarks/report/{batch}.tsv"
    conda:
        "../envs/rtpredict.yaml"
    threads: 2
    resources:
        mem_mb=PLAN.mem_mb(2000, per_gb=4000),
        runtime=PLAN.runtime(10, per_gb=30),
    params:
        rtpredict=RTPREDICT,
        cards=PLAN.report_card_args(),
    shell:
        "{params.rtpredict} report {input.h5ad} --outdir {output} --only tumours "
        "--jobs {threads} {params.cards} > {log} 2>&1"


rule cohort_report:
    input:
        unpack(PLAN.cohort_report_inputs),
    output:
        cohort=report(
            "results/reports/cohort.html",
            caption="../report/cohort.rst",
            category="Reports",
            labels={"report": "cohort"},
        ),
        multiqc=multiext(
            "results/multiqc/", "rtpredict_qc_mqc.tsv", "rtpredict_predictions_mqc.tsv"
        ),
    log:
        "results/logs/cohort_report.log",
    benchmark:
        "results/benchmarks/cohort_report.tsv"
    conda:
        "../envs/rtpredict.yaml"
    threads: 1
    resources:
        mem_mb=PLAN.mem_mb(2000, per_gb=4000),
        runtime=PLAN.runtime(10, per_gb=30),
    params:
        rtpredict=RTPREDICT,
        cards=PLAN.report_card_args(),
        outdir=subpath(output.cohort, parent=True),
        multiqc=lambda wildcards, output: Path(output.multiqc[0]).parent,
    shell:
        "{params.rtpredict} report {input.h5ad} --outdir {params.outdir} --only cohort "
        "--multiqc-dir {params.multiqc} {params.cards} > {log} 2>&1"
