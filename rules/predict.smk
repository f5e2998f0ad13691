# Predictions: each configured model (XGBoost JSON + model card, checksum and feature schema
# checked on load) scores every tumour, with uncertainty, percentile and SHAP explanations.


rule predict:
    input:
        unpack(predict_inputs),
    output:
        h5ad="results/cohort.predictions.h5ad",
        tsv=report(
            "results/tables/predictions.tsv",
            caption="../report/predictions.rst",
            category="Predictions",
        ),
    log:
        "results/logs/predict.log",
    benchmark:
        "results/benchmarks/predict.tsv"
    conda:
        "../envs/rtpredict.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb(2000, per_gb=4000),
        runtime=runtime(10, per_gb=10),
    params:
        rtpredict=RTPREDICT,
        args=predict_args(),
    shell:
        "{params.rtpredict} predict {input.features} {params.args} "
        "--provenance {input.provenance} --out {output.h5ad} --tsv {output.tsv} > {log} 2>&1"
