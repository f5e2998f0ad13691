# Read QC: FASTQ pairs checked before any tool reads them (gzip integrity, records, mates),
# lanes of one tumour merged, then fastp trimming (adapters, quality) with reports.


rule check_fastq:
    input:
        unpack(PLAN.lane_fastqs_unchecked),
    output:
        "results/qc/fastq_check/{sample}.json",
    log:
        "results/logs/check_fastq/{sample}.log",
    benchmark:
        "results/benchmarks/check_fastq/{sample}.tsv"
    conda:
        "../envs/rtpredict.yaml"
    threads: 1
    resources:
        mem_mb=PLAN.mem_mb(1000),
        runtime=PLAN.runtime(10, per_gb=10),
    params:
        rtpredict=RTPREDICT,
        pairs=PLAN.fastq_pairs,
    shell:
        "{params.rtpredict} check-fastq {params.pairs} --output {output} > {log} 2>&1"


rule merge_lanes:
    input:
        unpack(PLAN.lane_fastqs),
    output:
        r1=temp("results/merged/{sample}_R1.fastq.gz"),
        r2=temp("results/merged/{sample}_R2.fastq.gz"),
    log:
        "results/logs/merge_lanes/{sample}.log",
    benchmark:
        "results/benchmarks/merge_lanes/{sample}.tsv"
    conda:
        "../envs/coreutils.yaml"
    threads: 1
    resources:
        mem_mb=PLAN.mem_mb(1000),
        runtime=PLAN.runtime(10, per_gb=10),
    shell:
        "(zcat -f {input.r1} | gzip -1 > {output.r1} && "
        "zcat -f {input.r2} | gzip -1 > {output.r2}) 2> {log}"


rule fastp:
    input:
        unpack(PLAN.raw_fastqs),
    output:
        r1=temp("results/trimmed/{sample}_R1.fastq.gz"),
        r2=temp("results/trimmed/{sample}_R2.fastq.gz"),
        json="results/qc/fastp/{sample}.fastp.json",
        html="results/qc/fastp/{sample}.fastp.html",
    log:
        "results/logs/fastp/{sample}.log",
    benchmark:
        "results/benchmarks/fastp/{sample}.tsv"
    conda:
        "../envs/fastp.yaml"
    threads: 2
    resources:
        mem_mb=PLAN.mem_mb(2000),
        runtime=PLAN.runtime(10, per_gb=15),
    params:
        extra=config["fastp"]["extra"],
    shell:
        "fastp -i {input.r1} -I {input.r2} -o {output.r1} -O {output.r2} "
        "--detect_adapter_for_pe --thread {threads} --json {output.json} "
        "--html {output.html} --report_title {wildcards.sample} {params.extra} > {log} 2>&1"
