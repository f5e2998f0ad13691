# Reference preparation: the reference files checked against each other, transcript FASTA
# (when not given), salmon and STAR indices.


rule check_reference:
    input:
        unpack(PLAN.reference_files),
    output:
        "results/qc/reference_check.json",
    log:
        "results/logs/check_reference.log",
    benchmark:
        "results/benchmarks/check_reference.tsv"
    conda:
        "../envs/rtpredict.yaml"
    threads: 1
    resources:
        mem_mb=PLAN.mem_mb(1000, per_gb=500),
        runtime=PLAN.runtime(10, per_gb=5),
    params:
        rtpredict=RTPREDICT,
        args=PLAN.reference_check_args(),
    shell:
        "{params.rtpredict} check-reference {params.args} --output {output} > {log} 2>&1"


rule transcriptome:
    input:
        genome=REF.get("genome_fasta") or "MISSING_genome_fasta",
        gtf=REF["gtf"],
        checked="results/qc/reference_check.json",
    output:
        "resources/transcriptome.fa",
    log:
        "results/logs/transcriptome.log",
    benchmark:
        "results/benchmarks/transcriptome.tsv"
    conda:
        "../envs/gffread.yaml"
    threads: 1
    resources:
        mem_mb=PLAN.mem_mb(1000, per_gb=2000),
        runtime=PLAN.runtime(10, per_gb=10),
    shell:
        "gffread -w {output} -g {input.genome} {input.gtf} > {log} 2>&1"


rule salmon_index:
    input:
        unpack(PLAN.salmon_index_inputs),
    output:
        directory("resources/salmon_index"),
    log:
        "results/logs/salmon_index.log",
    benchmark:
        "results/benchmarks/salmon_index.tsv"
    conda:
        "../envs/salmon.yaml"
    threads: 2
    resources:
        mem_mb=PLAN.mem_mb(2000, per_gb=8000),
        runtime=PLAN.runtime(20, per_gb=30),
    params:
        kmer=config["salmon"]["kmer"],
        decoy_genome=REF["genome_fasta"] if PLAN.salmon_decoys else "",
    shell:
        """
        (
            if [ -n "{params.decoy_genome}" ]; then
                tmp=$(mktemp -d resources/.salmon_gentrome.XXXXXX)
                grep '^>' {params.decoy_genome} | cut -d ' ' -f 1 | sed 's/^>//' >"$tmp/decoys.txt"
                cat {input.transcriptome} {params.decoy_genome} >"$tmp/gentrome.fa"
                salmon index -t "$tmp/gentrome.fa" -d "$tmp/decoys.txt" -i {output} \
                    -k {params.kmer} -p {threads}
                rm -r "$tmp"
            else
                salmon index -t {input.transcriptome} -i {output} -k {params.kmer} -p {threads}
            fi
        ) >{log} 2>&1
        """


rule star_index:
    input:
        genome=REF.get("genome_fasta") or "MISSING_genome_fasta",
        gtf=REF["gtf"],
        checked="results/qc/reference_check.json",
    output:
        directory("resources/star_index"),
    log:
        "results/logs/star_index.log",
    benchmark:
        "results/benchmarks/star_index.tsv"
    conda:
        "../envs/star.yaml"
    threads: 2
    resources:
        mem_mb=PLAN.mem_mb(4000, per_genome_gb=11000),
        runtime=PLAN.runtime(30, per_gb=30),
    params:
        overhang=config["star"]["read_length"] - 1,
        sa_nbases=star_sa_index_nbases(REF.get("genome_fasta") or ""),
    shell:
        "mkdir -p {output} && "
        "STAR --runMode genomeGenerate --runThreadN {threads} --genomeDir {output} "
        "--genomeFastaFiles {input.genome} --sjdbGTFfile {input.gtf} "
        "--sjdbOverhang {params.overhang} --genomeSAindexNbases {params.sa_nbases} "
        "--outFileNamePrefix {output}/ --outTmpDir {output}/_STARtmp > {log} 2>&1"
