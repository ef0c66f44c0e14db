"""Run a selfunc campaign on a SLURM cluster with dask-jobqueue (an example to adapt).

Install on the login node, in the same environment as selfunc:

    pip install dask-jobqueue

then edit the job resources below and run this script on the login node; it starts a Dask
scheduler there, submits worker jobs to SLURM, and runs the campaign on them. Other batch
systems: replace SLURMCluster by PBSCluster, SGECluster, LSFCluster or HTCondorCluster
(same arguments). The campaign folder must be on a file system the compute nodes share.

    python scripts/hpc/slurm_campaign.py configs/campaign/quickstart.toml /shared/fs/campaign

Alternatively start the cluster any way you like and pass its address to the command line:
``selfunc simulate CONFIG --out DIR --scheduler tcp://HOST:8786``.
"""

import sys

from dask_jobqueue import SLURMCluster
from distributed import Client

from selfunc.campaign import run_campaign
from selfunc.config import load_campaign


def main(config: str, out: str, jobs: int = 10) -> None:
    cluster = SLURMCluster(
        queue="normal",          # your partition
        account=None,            # your project, if the site needs one
        cores=8,                 # cores per job: 8 single-threaded selfunc workers
        processes=8,
        memory="16GB",           # ~1 GB per worker is plenty for 768^2 pointings
        walltime="02:00:00",
        job_extra_directives=[],
        # distributed's nannies set MALLOC_TRIM_THRESHOLD_=65536 in every worker, which made
        # a pointing 1.65x slower (issue 16); this keeps the BLAS settings and drops it
        job_script_prologue=["export DASK_DISTRIBUTED__NANNY__PRE_SPAWN_ENVIRON="
                             "\"{'OMP_NUM_THREADS': 1, 'MKL_NUM_THREADS': 1, "
                             "'OPENBLAS_NUM_THREADS': 1}\""],
    )
    cluster.scale(jobs=jobs)
    with Client(cluster) as client:
        run_campaign(load_campaign(config), out, scheduler=client.scheduler.address)
    cluster.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
