"""Promethean inside Dask workers: plain python3 starts a Dask LocalCluster of two worker
processes; each task makes a numpy image chunk in its worker and routes it py -> rust -> js there
without a copy (Rust makes the grayscale, JS its histogram); the results are gathered here and
checked against numpy.

    python3 examples/dask_pipeline.py [CHUNKS] [SCHEDULER_ADDRESS]

Needs the promethean package where the workers run (pip install, docs/PYTHON.md), and Dask
(Debian's python3-distributed). With a scheduler's address (tcp://HOST:8786), the tasks go to the
workers of a `dask scheduler` / `dask worker` cluster, on as many machines as it has, instead of a
local cluster: docs/PYTHON.md, "Dask".
"""

import os
import sys
from typing import Any

import numpy as np
import numpy.typing as npt
from dask.distributed import Client, LocalCluster

HISTOGRAM_JS = """
globalThis.histogram = (gray) => {
  const counts = new Array(256).fill(0);
  for (const v of gray) counts[v]++;
  return { counts, address: promethean.bufferInfo(gray).address };
};
"""


def chunk_image(seed: int, height: int = 96, width: int = 128) -> npt.NDArray[np.uint8]:
    """A reproducible RGB image, the same in a worker and in the checking process."""
    return np.random.default_rng(seed).integers(0, 256, size=(height, width, 3), dtype=np.uint8)


def luma(image: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """ITU-R BT.601 luma, rounded as the Rust plugin rounds it."""
    weighted: npt.NDArray[np.uint32] = image[..., 0].astype(np.uint32) * 299 + image[..., 1].astype(np.uint32) * 587 + image[..., 2].astype(np.uint32) * 114
    rounded = (weighted + 500) // 1000
    return rounded.astype(np.uint8)


def process_chunk(seed: int) -> dict[str, Any]:
    """Runs in a worker process: py -> rust -> js, each runtime reading the same memory."""
    import promethean  # the worker's own python3 becomes the py runtime (the hosted mode)

    image = chunk_image(seed)
    try:
        promethean.load("rust", "imageops")  # once per worker process
    except promethean.ForeignError as e:
        if e.type != "AlreadyLoaded":
            raise
    image_in_rust = promethean.call("rust", "imageops.address", image)
    gray = promethean.call("rust", "imageops.grayscale", image)  # a Rust Vec, now a numpy array
    promethean.eval("js", HISTOGRAM_JS)
    result = promethean.call("js", "histogram", gray)
    return {
        "seed": seed,
        "pid": os.getpid(),
        "image_copied": image_in_rust != image.ctypes.data,
        "gray_copied": result["address"] != gray.ctypes.data,
        "gray_sum": int(gray.sum(dtype=np.uint64)),
        "histogram": result["counts"],
    }


# Dask's Client and LocalCluster (Debian's 2022.12) carry no annotations: mypy --strict refuses
# untyped calls, hence the ignores on them alone.
def run_tasks(client: Client, chunks: int) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = client.gather(client.map(process_chunk, range(chunks)))  # type: ignore[no-untyped-call]
    return results


def main() -> None:
    chunks = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    if len(sys.argv) > 2:
        with Client(sys.argv[2]) as client:  # type: ignore[no-untyped-call]
            client.upload_file(__file__)  # the workers import this module to run process_chunk
            results = run_tasks(client, chunks)
    else:
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,  # type: ignore[no-untyped-call]
                          dashboard_address=None) as cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
            results = run_tasks(client, chunks)
    workers = sorted({r["pid"] for r in results})
    for r in results:
        expected = luma(chunk_image(r["seed"]))
        assert not r["image_copied"], f"chunk {r['seed']}: Rust saw a copy of the image"
        assert not r["gray_copied"], f"chunk {r['seed']}: JS saw a copy of the grayscale"
        assert r["gray_sum"] == int(expected.sum(dtype=np.uint64)), f"chunk {r['seed']}: wrong grayscale"
        assert r["histogram"] == np.bincount(expected.ravel(), minlength=256).tolist(), f"chunk {r['seed']}: wrong histogram"
        print(f"chunk {r['seed']}: worker {r['pid']}: py -> rust -> js without a copy, histogram checked")
    assert os.getpid() not in workers, "the tasks ran in this process, not in workers"
    print(f"{len(results)} chunks in {len(workers)} worker processes: every result checked")


if __name__ == "__main__":
    main()
