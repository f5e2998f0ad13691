# The per-tumour outputs each batch step reads, listed in one small file per batch and step:
# the batch jobs then have a few inputs instead of thousands, which Snakemake would stat for
# every ready batch on every scheduling round of a large first run.


localrules:
    batch_inputs,


rule batch_inputs:
    input:
        PLAN.batch_step_inputs,
    output:
        BATCH_INPUTS,
    log:
        "results/logs/batch_inputs/{batch}.{step}.log",
    benchmark:
        "results/benchmarks/batch_inputs/{batch}.{step}.tsv"
    wildcard_constraints:
        step="aggregate|features",
    priority: 1
    conda:
        "../envs/rtpredict.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=1,
    shell:
        "printf '%s\\n' {input:q} > {output} 2> {log}"
