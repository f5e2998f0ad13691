# Aggregation: transcripts -> genes, QC and clinical covariates -> one cohort AnnData + TSVs.


rule aggregate:
    input:
        unpack(aggregate_inputs),
    output:
        h5ad="results/cohort.h5ad",
        tables=multiext(
            "results/tables/", "gene_counts.tsv", "gene_tpm.tsv", "samples.tsv"
        ),
    log:
        "results/logs/aggregate.log",
    benchmark:
        "results/benchmarks/aggregate.tsv"
    conda:
        "../envs/rtpredict.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb(2000, per_gb=4000),
        runtime=runtime(10, per_gb=10),
    params:
        rtpredict=RTPREDICT,
        args=aggregate_args,
        quantifier=QUANTIFIER,
    shell:
        "{params.rtpredict} aggregate --quantifier {params.quantifier} --gtf {input.gtf} "
        "--samples {input.samples} {params.args} --output {output.h5ad} "
        "--tsv-dir results/tables > {log} 2>&1"
