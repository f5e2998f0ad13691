# Somatic DNA: each tumour's VCF read through pysam into a variants table (genes, consequences,
# VAF, hotspots); on the STAR route, RNA read counts at Cancer Hotspots positions.


rule variants:
    input:
        vcf=PLAN.tumour_vcf,
    output:
        "results/variants/{sample}.tsv",
    log:
        "results/logs/variants/{sample}.log",
    benchmark:
        "results/benchmarks/variants/{sample}.tsv"
    conda:
        "../envs/rtpredict.yaml"
    threads: 1
    resources:
        mem_mb=PLAN.mem_mb(1000, per_gb=2000),
        runtime=PLAN.runtime(10, per_gb=20),
    params:
        rtpredict=RTPREDICT,
        genome=config["dna"]["genome"],
        vaf=PLAN.variants_args(),
    shell:
        "{params.rtpredict} variants {input.vcf} --genome {params.genome} {params.vaf} "
        "--output {output} > {log} 2>&1"


rule hotspot_pileup:
    input:
        bam="results/star/{sample}/Aligned.sortedByCoord.out.bam",
        bai="results/star/{sample}/Aligned.sortedByCoord.out.bam.bai",
    output:
        "results/star/{sample}/hotspot_pileup.tsv",
    log:
        "results/logs/hotspot_pileup/{sample}.log",
    benchmark:
        "results/benchmarks/hotspot_pileup/{sample}.tsv"
    conda:
        "../envs/rtpredict.yaml"
    threads: 1
    resources:
        mem_mb=PLAN.mem_mb(1000),
        runtime=PLAN.runtime(10, per_gb=5),
    params:
        rtpredict=RTPREDICT,
        genome="GRCh37" if config["dna"]["genome"] == "GRCh37" else "GRCh38",
    shell:
        "{params.rtpredict} hotspot-pileup {input.bam} --genome {params.genome} "
        "--output {output} > {log} 2>&1"
