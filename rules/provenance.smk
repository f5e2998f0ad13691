# Provenance: sha256 of every input, the configuration and software versions, written once per
# run and carried into the cohort AnnData and the reports.


rule provenance:
    input:
        unpack(PLAN.provenance_inputs),
    output:
        "results/provenance.json",
    log:
        "results/logs/provenance.log",
    benchmark:
        "results/benchmarks/provenance.tsv"
    conda:
        "../envs/rtpredict.yaml"
    threads: 1
    resources:
        mem_mb=PLAN.mem_mb(1000),
        runtime=PLAN.runtime(10, per_gb=5),
    params:
        rtpredict=RTPREDICT,
        inputs=PLAN.provenance_args,
        config=shlex.quote(json.dumps(config, sort_keys=True)),
    shell:
        "{params.rtpredict} provenance {params.inputs} --config-json {params.config} "
        "--output {output} > {log} 2>&1"
