"""Local workers run without distributed's MALLOC_TRIM_THRESHOLD_=65536 (issue 16: it turns
off glibc's dynamic mmap threshold and made a pointing 1.65x slower in a worker)."""

import os

import pytest

from selfunc.campaign import engine


def _variable():
    return os.environ.get("MALLOC_TRIM_THRESHOLD_")


@pytest.mark.slow
@pytest.mark.skipif(engine._USER_MALLOC is not None, reason="the user exported the variable")
def test_local_workers_do_not_get_the_malloc_trim_threshold():
    import dask.config
    from distributed import Client, LocalCluster

    # distributed's own default, as a cluster started without selfunc's settings gets it;
    # its nanny also leaves the variable in this process's environment
    with LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        assert dask.config.get("distributed.nanny.pre-spawn-environ")["MALLOC_TRIM_THRESHOLD_"]
        assert set(client.run(_variable).values()) == {"65536"}
    client, cluster = engine._client(1, None)
    try:
        assert set(client.run(_variable).values()) == {None}
        assert set(client.run(lambda: os.environ.get("OMP_NUM_THREADS")).values()) == {"1"}
    finally:
        client.close()
        cluster.close()
