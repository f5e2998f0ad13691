# Federated training (not in the default run; `snakemake federated_site`, defined when
# config federated.plan is set): this centre joins a
# consortium run as one site. Its SuperNode reads results/cohort.h5ad, the file
# `rtpredict train` reads, and sends only trees and aggregate sums; the per-patient data-use
# register and a copy of every aggregate sent stay in results/federated/. The rule ends when
# this site has answered the run's final step (`--once`). Config keys (config.yaml):
#
#   federated:
#     plan: federation.yaml         # the plan every site agreed to (its sha256 is checked)
#     site_code: H01                # this centre's pseudonymous code in the plan
#     superlink: superlink.example.org:9092
#     ca: certificates/ca.crt       # the consortium's CA certificate
#     key: keys/H01.key             # this site's private key (`rtpredict federated keygen`)
#     runtime_port: 9094            # local port for the ClientApps


if config["federated"]["plan"]:

    rule federated_site:
        input:
            features="results/cohort.h5ad",
            plan=config["federated"]["plan"],
            ca=config["federated"]["ca"],
            key=config["federated"]["key"],
        output:
            folder=directory("results/federated"),
        log:
            "results/logs/federated_site.log",
        benchmark:
            "results/benchmarks/federated_site.tsv"
        conda:
            "../envs/rtpredict.yaml"
        threads: 1
        resources:
            mem_mb=4000,
            runtime=24 * 60,
        params:
            rtpredict=RTPREDICT,
            code=config["federated"]["site_code"],
            superlink=config["federated"]["superlink"],
            port=config["federated"]["runtime_port"],
        shell:
            "{params.rtpredict} federated site {output.folder} --cohort {input.features}"
            " --site-code {params.code} --plan {input.plan} --superlink {params.superlink}"
            " --ca {input.ca} --key {input.key} --runtime-port {params.port} --once > {log} 2>&1"
