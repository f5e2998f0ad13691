# The cohort: every batch's QC, clinical covariates, features and predictions joined into
# results/cohort.h5ad and results/tables/ (cheap: no expression), with the run's provenance.


rule join:
    input:
        unpack(PLAN.join_inputs),
    output:
        h5ad="results/cohort.h5ad",
        tables=multiext("results/tables/", "samples.tsv", "features.tsv"),
        predictions=report(
            "results/tables/predictions.tsv",
            caption="../report/predictions.rst",
            category="Predictions",
        ),
    log:
        "results/logs/join.log",
    benchmark:
        "results/benchmarks/join.tsv"
    conda:
        "../envs/rtpredict.yaml"
    threads: 1
    resources:
        mem_mb=PLAN.mem_mb(2000, per_gb=2000),
        runtime=PLAN.runtime(10, per_gb=10),
    params:
        rtpredict=RTPREDICT,
        batches=PLAN.join_args,
        tables=subpath(output.predictions, parent=True),
    shell:
        "{params.rtpredict} join {params.batches} --output {output.h5ad} "
        "--tables-dir {params.tables} --provenance {input.provenance} > {log} 2>&1"
