# rtpredict: tumour RNA-seq -> cohort AnnData -> radiotherapy features, models and reports.
# Run `rtpredict demo` for the bundled demo, or `snakemake` with your own config.yaml.
from snakemake.utils import min_version

min_version("9.0")


report: "report/workflow.rst"


configfile: "config.yaml"


include: "rules/common.smk"
include: "rules/provenance.smk"
include: "rules/reference.smk"
include: "rules/qc.smk"
include: "rules/quantify.smk"
include: "rules/batches.smk"
include: "rules/aggregate.smk"
include: "rules/variants.smk"
include: "rules/features.smk"
include: "rules/predict.smk"
include: "rules/join.smk"
include: "rules/train.smk"
include: "rules/report.smk"
include: "rules/federated.smk"


rule all:
    default_target: True
    input:
        PLAN.final_outputs(),
