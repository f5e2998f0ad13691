# Features: RSI, GARD at each tumour's planned schedule, published signatures (Numba kernels)
# and DNA features from the somatic variants, per cohort batch, against one frozen reference.


rule features:
    input:
        unpack(PLAN.features_inputs),
    output:
        h5ad="results/batches/{batch}/features.h5ad",
        tsv="results/batches/{batch}/features.tsv",
    log:
        "results/logs/features/{batch}.log",
    benchmark:
        "results/benchmarks/features/{batch}.tsv"
    conda:
        "../envs/rtpredict.yaml"
    threads: 2
    resources:
        mem_mb=PLAN.mem_mb(2000, per_gb=4000),
        runtime=PLAN.runtime(15, per_gb=10),
    params:
        rtpredict=RTPREDICT,
        args=PLAN.features_args,
    shell:
        "NUMBA_NUM_THREADS={threads} {params.rtpredict} features {input.cohort} "
        "--output {output.h5ad} --tsv {output.tsv} {params.args} > {log} 2>&1"
