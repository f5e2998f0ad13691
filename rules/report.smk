# Reports: one self-contained HTML page per tumour and one for the cohort (rendered from what
# the features and predict steps wrote), and MultiQC custom-content tables.


rule report:
    input:
        unpack(report_inputs),
    output:
        cohort=report(
            "results/reports/cohort.html",
            caption="../report/cohort.rst",
            category="Reports",
            labels={"report": "cohort"},
        ),
        tumours=[
            report(
                f"results/reports/{s}.html",
                caption="../report/tumour.rst",
                category="Reports",
                subcategory="Tumours",
                labels={"report": "tumour", "tumour": s},
            )
            for s in SAMPLES
        ],
        multiqc=multiext(
            "results/multiqc/", "rtpredict_qc_mqc.tsv", "rtpredict_predictions_mqc.tsv"
        ),
    log:
        "results/logs/report.log",
    benchmark:
        "results/benchmarks/report.tsv"
    conda:
        "../envs/rtpredict.yaml"
    threads: 2
    resources:
        mem_mb=mem_mb(2000, per_gb=4000),
        runtime=runtime(10, per_gb=30),
    params:
        rtpredict=RTPREDICT,
        cards=report_card_args(),
    shell:
        "{params.rtpredict} report {input.h5ad} --outdir results/reports "
        "--multiqc-dir results/multiqc --jobs {threads} {params.cards} > {log} 2>&1"
