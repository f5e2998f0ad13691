# Predictions: each configured model (XGBoost JSON + model card, checksum and feature schema
# checked on load) scores every tumour of a batch, with uncertainty, percentile and SHAP
# explanations.


rule predict:
    input:
        unpack(predict_inputs),
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
        mem_mb=mem_mb(2000, per_gb=4000),
        runtime=runtime(10, per_gb=10),
    params:
        rtpredict=RTPREDICT,
        args=predict_args(),
    shell:
        "{params.rtpredict} predict {input.features} {params.args} "
        "--output {output.h5ad} --tsv {output.tsv} > {log} 2>&1"
