# Quantification: salmon selective alignment (default route), or STAR alignment to a sorted,
# indexed BAM with pysam QC and strandedness inference, then featureCounts.


rule salmon_quant:
    input:
        unpack(PLAN.trimmed_fastqs),
        index="resources/salmon_index",
    output:
        quant="results/salmon/{sample}/quant.sf",
        lib="results/salmon/{sample}/lib_format_counts.json",
        meta="results/salmon/{sample}/aux_info/meta_info.json",
    log:
        "results/logs/salmon_quant/{sample}.log",
    benchmark:
        "results/benchmarks/salmon_quant/{sample}.tsv"
    conda:
        "../envs/salmon.yaml"
    threads: 2
    resources:
        mem_mb=PLAN.mem_mb(
            2000, per_gb=500, per_genome_gb=6000 if PLAN.salmon_decoys else 0
        ),
        runtime=PLAN.runtime(15, per_gb=20),
    params:
        outdir=subpath(output.quant, parent=True),
        extra=config["salmon"]["extra"],
    shell:
        "salmon quant -i {input.index} -l A -1 {input.r1} -2 {input.r2} "
        "--validateMappings -p {threads} -o {params.outdir} {params.extra} > {log} 2>&1"


rule star_align:
    input:
        unpack(PLAN.trimmed_fastqs),
        index="resources/star_index",
    output:
        bam="results/star/{sample}/Aligned.sortedByCoord.out.bam",
        log_final="results/star/{sample}/Log.final.out",
    log:
        "results/logs/star_align/{sample}.log",
    benchmark:
        "results/benchmarks/star_align/{sample}.tsv"
    conda:
        "../envs/star.yaml"
    threads: 2
    resources:
        mem_mb=PLAN.mem_mb(4000, per_gb=500, per_genome_gb=11000),
        runtime=PLAN.runtime(20, per_gb=30),
    params:
        prefix=subpath(output.bam, parent=True),
        extra=config["star"]["extra"],
    # a temporary directory left by a killed run makes STAR refuse to start: remove it first
    shell:
        "rm -rf {params.prefix}/_STARtmp && "
        "STAR --runThreadN {threads} --genomeDir {input.index} "
        "--readFilesIn {input.r1} {input.r2} --readFilesCommand zcat "
        "--outSAMtype BAM SortedByCoordinate --outSAMunmapped Within "
        "--outSAMattrRGline ID:{wildcards.sample} SM:{wildcards.sample} "
        "--outFileNamePrefix {params.prefix}/ --outTmpDir {params.prefix}/_STARtmp "
        "{params.extra} > {log} 2>&1"


rule index_bam:
    input:
        "results/star/{sample}/Aligned.sortedByCoord.out.bam",
    output:
        "results/star/{sample}/Aligned.sortedByCoord.out.bam.bai",
    log:
        "results/logs/index_bam/{sample}.log",
    benchmark:
        "results/benchmarks/index_bam/{sample}.tsv"
    conda:
        "../envs/star.yaml"
    threads: 1
    resources:
        mem_mb=PLAN.mem_mb(1000),
        runtime=PLAN.runtime(5, per_gb=5),
    shell:
        "samtools index {input} > {log} 2>&1"


rule bam_qc:
    input:
        bam="results/star/{sample}/Aligned.sortedByCoord.out.bam",
        bai="results/star/{sample}/Aligned.sortedByCoord.out.bam.bai",
        gtf=REF["gtf"],
    output:
        qc="results/star/{sample}/bam_qc.json",
        strand="results/star/{sample}/strandedness.txt",
    log:
        "results/logs/bam_qc/{sample}.log",
    benchmark:
        "results/benchmarks/bam_qc/{sample}.tsv"
    conda:
        "../envs/rtpredict.yaml"
    threads: 1
    resources:
        mem_mb=PLAN.mem_mb(1000),
        runtime=PLAN.runtime(10, per_gb=10),
    params:
        rtpredict=RTPREDICT,
        strandedness=config["star"]["strandedness"],
    shell:
        "{params.rtpredict} bam-qc --bam {input.bam} --gtf {input.gtf} "
        "--strandedness {params.strandedness} --output {output.qc} "
        "--strand-output {output.strand} > {log} 2>&1"


rule featurecounts:
    input:
        bam="results/star/{sample}/Aligned.sortedByCoord.out.bam",
        strand="results/star/{sample}/strandedness.txt",
        gtf=REF["gtf"],
    output:
        counts="results/featurecounts/{sample}.tsv",
        summary="results/featurecounts/{sample}.tsv.summary",
    log:
        "results/logs/featurecounts/{sample}.log",
    benchmark:
        "results/benchmarks/featurecounts/{sample}.tsv"
    conda:
        "../envs/subread.yaml"
    threads: 2
    resources:
        mem_mb=PLAN.mem_mb(1000),
        runtime=PLAN.runtime(10, per_gb=10),
    shell:
        "featureCounts -T {threads} -p --countReadPairs -s $(cat {input.strand}) "
        "-a {input.gtf} -o {output.counts} {input.bam} > {log} 2>&1"
