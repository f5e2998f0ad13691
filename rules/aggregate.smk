# Aggregation: transcripts -> genes, QC and clinical covariates -> one AnnData per cohort batch
# (+ TSVs). The GTF is read once per run into resources/tx2gene.tsv.


rule tx2gene:
    input:
        gtf=REF["gtf"],
    output:
        "resources/tx2gene.tsv",
    log:
        "results/logs/tx2gene.log",
    benchmark:
        "results/benchmarks/tx2gene.tsv"
    conda:
        "../envs/rtpredict.yaml"
    threads: 1
    resources:
        mem_mb=PLAN.mem_mb(2000, per_gb=8000),
        runtime=PLAN.runtime(10, per_gb=20),
    params:
        rtpredict=RTPREDICT,
    shell:
        "{params.rtpredict} tx2gene --gtf {input.gtf} --output {output} > {log} 2>&1"


rule aggregate:
    input:
        unpack(PLAN.aggregate_inputs),
    output:
        h5ad="results/batches/{batch}/expression.h5ad",
        tables=multiext("results/batches/{batch}/", *PLAN.batch_tables),
    log:
        "results/logs/aggregate/{batch}.log",
    benchmark:
        "results/benchmarks/aggregate/{batch}.tsv"
    conda:
        "../envs/rtpredict.yaml"
    threads: 1
    resources:
        mem_mb=PLAN.mem_mb(1500, per_tumour=4),  # 2.1 GB at 500 tumours x 60,000 genes
        runtime=PLAN.runtime(10, per_tumour=0.01),
    params:
        rtpredict=RTPREDICT,
        args=PLAN.aggregate_args,
        quantifier=QUANTIFIER,
        rows=PLAN.batch_digest,
        tables=subpath(output.h5ad, parent=True),
    shell:
        "{params.rtpredict} aggregate --quantifier {params.quantifier} --gtf {input.gtf} "
        "--tx2gene {input.tx2gene} --samples {input.samples} {params.args} "
        "--output {output.h5ad} --tsv-dir {params.tables} > {log} 2>&1"
