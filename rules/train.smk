# Training (not in the default run; `snakemake train`): an XGBoost model on this cohort's
# features, cross-validated against RSI, GARD, clinical covariates and random gene sets, saved
# as XGBoost JSON + model card. Use it with predict: models: ["results/model/<name>.json"].


rule train:
    input:
        features="results/cohort.h5ad",
    output:
        model=f"results/model/{config['train']['name']}.json",
        bootstrap=f"results/model/{config['train']['name']}.bootstrap.json",
        card=f"results/model/{config['train']['name']}.card.json",
    log:
        "results/logs/train.log",
    benchmark:
        "results/benchmarks/train.tsv"
    conda:
        "../envs/rtpredict.yaml"
    threads: 2
    resources:
        mem_mb=PLAN.mem_mb(4000, per_gb=4000),
        runtime=PLAN.runtime(60, per_gb=60),
    params:
        rtpredict=RTPREDICT,
        args=PLAN.train_args(),
    shell:
        "{params.rtpredict} train {input.features} --output {output.model} {params.args} > {log} 2>&1"
