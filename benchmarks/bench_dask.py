"""Logistic regression on data larger than a worker's memory: glm_lib on a dask cluster.

A design with an intercept and p - 1 standard normal columns and a Bernoulli
response is written to disk chunk by chunk (raw float64 files, never whole in
memory). A ``LocalCluster`` of 2 worker processes, each with a memory limit well
below the data's size, fits it with ``gl.fit`` on dask arrays that read one row
chunk at a time, for three sizes N. Printed per size: the data's size, the
fit's wall time and number of iterations, the time of one IRLS pass over the
data (one map-reduce: X'WX, X'Wz, deviance) and that time per row as a multiple
of the in-memory pass's (numpy, N = 1e6), and the peak resident memory of each
worker. The largest coefficient difference from an in-memory fit is checked on
the smallest size. dask-ml's ``LogisticRegression`` (no penalty, Newton) is
timed on the smallest size if it is installed.

Also printed per size: the number of passes over the data the fit made
(reads of X's chunks, counted by the reading function, divided by the number
of chunks; target: iterations + 1), the fit's time per million rows (linear
in N: constant), dask-ml's ``LogisticRegression`` (Newton, no penalty) on the
same cluster and data with its time over glm_lib's, and the load average
(figures above load 2 are marked INVALID: the machine was shared).

Targets (issues 13, 23): completes within the workers' memory limits; time per
IRLS pass per row within 2x the in-memory pass's; time linear in N; the data
read iterations + 1 times; faster than dask-ml's Newton at 5e6 and 2e7 rows.

Usage: python benchmarks/bench_dask.py [--sizes 5e6 1e7 2e7] [--cols P] [--chunk ROWS] [--memory-limit 1GiB]
       [--no-dask-ml] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
import warnings

import numpy as np

import glm_lib as gl
from glm_lib._engine._backends import NumpyBackend
from glm_lib._engine._dask import DaskBackend

SEED = 2024


def write_data(directory: str, rows: int, cols: int, chunk: int) -> tuple[str, str]:
    """X (rows x cols, C order) and y as raw float64 files, written chunk by chunk."""
    beta = np.random.default_rng(SEED).normal(0.0, 0.1, cols)
    x_path, y_path = os.path.join(directory, "X.f64"), os.path.join(directory, "y.f64")
    with open(x_path, "wb") as x_file, open(y_path, "wb") as y_file:
        for index, start in enumerate(range(0, rows, chunk)):
            rng = np.random.default_rng([SEED, index])
            n = min(chunk, rows - start)
            X = np.empty((n, cols))
            X[:, 0] = 1.0
            X[:, 1:] = rng.standard_normal((n, cols - 1))
            y = (rng.random(n) < 1.0 / (1.0 + np.exp(-(X @ beta)))).astype(float)
            X.tofile(x_file)
            y.tofile(y_file)
    return x_path, y_path


def read_rows(path: str, start: int, stop: int, cols: int, counter: str | None = None) -> np.ndarray:
    """Rows ``start:stop`` of a raw float64 file, read into a fresh array (no memory map).

    With ``counter``, one byte is appended to that file per read (the workers
    are separate processes), so that the passes over the data can be counted.
    """
    if counter is not None:
        with open(counter, "ab") as handle:
            handle.write(b".")
    values = np.fromfile(path, dtype=np.float64, count=(stop - start) * cols, offset=start * cols * 8)
    return values.reshape(stop - start, cols) if cols > 1 else values


def lazy_arrays(x_path: str, y_path: str, rows: int, cols: int, chunk: int, counter: str | None = None):
    """dask arrays that read one row chunk from disk per task (X's reads counted in ``counter``)."""
    import dask
    import dask.array as da

    starts = range(0, rows, chunk)
    X = da.concatenate([
        da.from_delayed(dask.delayed(read_rows)(x_path, s, min(s + chunk, rows), cols, counter), (min(chunk, rows - s), cols), float)
        for s in starts])
    y = da.concatenate([
        da.from_delayed(dask.delayed(read_rows)(y_path, s, min(s + chunk, rows), 1), (min(chunk, rows - s),), float)
        for s in starts])
    return X, y


class PeakMemory:
    """Poll every worker's resident set size while a block runs; keep each one's maximum."""

    def __init__(self, client, interval: float = 0.2):
        self.client, self.interval, self.peaks = client, interval, {}
        self._stop = threading.Event()

    def _poll(self):
        import psutil

        while not self._stop.is_set():
            for worker, rss in self.client.run(lambda: psutil.Process().memory_info().rss).items():
                self.peaks[worker] = max(self.peaks.get(worker, 0), rss)
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


LOAD_LIMIT = 2.0


def tag() -> str:
    """The 1-minute load average, and whether a figure taken now counts."""
    load = os.getloadavg()[0]
    return f"load {load:4.1f}" + ("" if load <= LOAD_LIMIT else " INVALID")


def reads(counter: str) -> int:
    return os.path.getsize(counter) if os.path.exists(counter) else 0


def median_time(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def in_memory_pass_per_row(cols: int, rows: int = 1_000_000, repeat: int = 5) -> float:
    X = np.empty((rows, cols))
    rng = np.random.default_rng(SEED)
    X[:, 0] = 1.0
    X[:, 1:] = rng.standard_normal((rows, cols - 1))
    y = (rng.random(rows) < 0.5).astype(float)
    backend = NumpyBackend(X, y, np.ones(rows), np.zeros(rows))
    params = np.zeros(cols)
    return median_time(lambda: backend.sums(gl.Binomial(), params), repeat) / rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=float, nargs="+", default=[5e6, 1e7, 2e7])
    parser.add_argument("--cols", type=int, default=20)
    parser.add_argument("--chunk", type=int, default=250_000)
    parser.add_argument("--memory-limit", default="1GiB")
    parser.add_argument("--no-dask-ml", action="store_true")
    # Two workers on this 2-core machine raise the load average to about 3 by themselves, which the
    # rule of a quiet machine (load <= 2) does not allow; one worker keeps it near 1.
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    import dask.array as da
    from dask.distributed import Client, LocalCluster

    sizes = [int(size) for size in args.sizes]
    largest, cols, chunk = max(sizes), args.cols, args.chunk
    per_row_memory = in_memory_pass_per_row(cols)
    print(f"in memory (numpy, N = 1,000,000, p = {cols}): one IRLS pass {per_row_memory * 1e6 * 1e3:.1f} ms "
          f"= {per_row_memory * 1e9:.1f} ns per row ({tag()})")

    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR")) as directory:
        start = time.perf_counter()
        x_path, y_path = write_data(directory, largest, cols, chunk)
        print(f"wrote {largest:,} rows x {cols} columns ({largest * (cols + 1) * 8 / 2**30:.2f} GiB) "
              f"in {time.perf_counter() - start:.0f} s")
        with LocalCluster(n_workers=args.workers, threads_per_worker=1, memory_limit=args.memory_limit,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            print(f"cluster: {args.workers} worker process(es) x 1 thread, memory limit {args.memory_limit} each, "
                  f"chunks of {chunk:,} rows ({chunk * cols * 8 / 2**20:.0f} MiB)\n")
            print(f"{'N':>12}{'GiB':>7}{'fit s':>8}{'s/1e6':>7}{'iter':>6}{'passes':>8}{'pass s':>8}{'per row':>9}"
                  f"{'vs memory':>11}{'peak RSS/worker MiB':>21}{'dask-ml s':>11}{'ml/gl':>7}   load")
            reference = None
            counter = os.path.join(directory, "reads")
            for rows in sorted(sizes):
                X, y = lazy_arrays(x_path, y_path, rows, cols, chunk, counter)
                n_chunks = X.numblocks[0]
                before = reads(counter)
                with PeakMemory(client) as memory:
                    start = time.perf_counter()
                    res = gl.fit(X, y, family=gl.Binomial())
                    _ = res.bse, res.aic, res.null_deviance, res.pearson_chi2
                    seconds = time.perf_counter() - start
                passes = (reads(counter) - before) / n_chunks
                backend = DaskBackend(X, y, da.ones(rows, chunks=(X.chunks[0],)), da.zeros(rows, chunks=(X.chunks[0],)))
                pass_seconds = median_time(lambda: backend.sums(gl.Binomial(), res.params.to_numpy()), 3)
                per_row = pass_seconds / rows
                peaks = " ".join(f"{peak / 2**20:.0f}" for peak in memory.peaks.values())
                ml_seconds, ml_coef = dask_ml_fit(X, y, args.no_dask_ml)
                ml = "-" if ml_seconds is None else f"{ml_seconds:.1f}"
                ratio = "-" if ml_seconds is None else f"{ml_seconds / seconds:.2f}"
                print(f"{rows:>12,}{rows * (cols + 1) * 8 / 2**30:>7.2f}{seconds:>8.1f}{seconds / rows * 1e6:>7.2f}"
                      f"{res.n_iter:>6}{passes:>8.1f}{pass_seconds:>8.2f}{per_row * 1e9:>7.1f}ns"
                      f"{per_row / per_row_memory:>10.2f}x{peaks:>21}{ml:>11}{ratio:>7}   {tag()}")
                if ml_coef is not None:
                    print(f"{'':>12}dask-ml: max |coef - glm_lib| = {np.max(np.abs(ml_coef - res.params.to_numpy())):.1e}")
                if reference is None:
                    reference = (rows, res, X, y)
            rows, res, X, y = reference
            X_memory, y_memory = read_rows(x_path, 0, rows, cols), read_rows(y_path, 0, rows, 1)  # on the client
            eager = gl.fit(X_memory, y_memory, family=gl.Binomial())
            print(f"\nN = {rows:,}: max |coef(dask) - coef(in memory)| = "
                  f"{np.max(np.abs(res.params - eager.params)):.1e}, deviance relative difference "
                  f"{abs(res.deviance / eager.deviance - 1):.1e}")


def dask_ml_fit(X, y, skip: bool):
    """dask-ml's LogisticRegression (Newton, no penalty) on the same arrays: (seconds, coefficients) or (None, None)."""
    if skip:
        return None, None
    try:
        from dask_ml.linear_model import LogisticRegression
    except ImportError:
        return None, None
    start = time.perf_counter()
    model = LogisticRegression(penalty="none", solver="newton", fit_intercept=False, tol=1e-8, max_iter=100)
    model.fit(X, y)
    return time.perf_counter() - start, np.ravel(model.coef_)


if __name__ == "__main__":
    main()
