# Predictions: each configured model (XGBoost JSON + model card, checksum and feature schema
# checked on load) scores every tumour of a batch, with uncertainty, percentile and SHAP
# explanations.


rule predict:
    input:
        unpack(PLAN.predict_inputs),
    output:
        h5ad="results/batches/{batch}/predictions.h5ad",
        tsv="results/batches/{batch}/predictions.tsv",
    log:
        "results/logs/predict/{batch}.log",
    benchmark:
        "results/benchmarks/predict/{batch}.tsv"
    conda:
        "../envs/rtpredict.yaml"
    threads: 1
    resources:
        mem_mb=PLAN.mem_mb(2000, per_gb=4000),
        runtime=PLAN.runtime(10, per_gb=10),
    params:
        rtpredict=RTPREDICT,
        args=PLAN.predict_args(),
    shell:
        "{params.rtpredict} predict {input.features} {params.args} "
        "--output {output.h5ad} --tsv {output.tsv} > {log} 2>&1"
