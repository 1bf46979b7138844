"""Layer 3's engines: map work items to records, yielding each as it finishes.

`local` runs a thread pool (one worker — org connection and backend — per thread); `ray` runs a
pool of Ray actors, on a local Ray runtime or on a cluster given its address. Only this layer
knows about Ray; the records are the same either way.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from crmweaver.agent.batching import serving, wait_serving
from crmweaver.errors import CrmweaverError
from crmweaver.evaluate.episode import Worker, WorkItem
from crmweaver.evaluate.record import ResultRecord

MakeWorker = Callable[[], Worker]


class ExecutorError(CrmweaverError):
    """The executor could not start (e.g. Ray missing or unreachable); names the fix."""


def run_local(items: Iterable[WorkItem], make_worker: MakeWorker, concurrency: int) -> Iterator[ResultRecord]:
    """Threads; at most `2 x concurrency` items in flight so that stopping early is quick. While the
    calling thread waits for them it runs the local model's batched forwards (`wait_serving`)."""
    items = iter(items)
    if concurrency <= 1:
        worker = make_worker()
        try:
            for item in items:
                yield worker.run(item)
        finally:
            worker.close()
        return
    local = threading.local()
    workers: list[Worker] = []
    lock = threading.Lock()

    def run(item: WorkItem) -> ResultRecord:
        worker = getattr(local, "worker", None)
        if worker is None:
            worker = local.worker = make_worker()
            with lock:
                workers.append(worker)
        return worker.run(item)

    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="crmweaver-eval")
    pending: set[Future] = set()
    try:
        with serving():  # left before the pool's shutdown, whose episodes may still need a forward
            for item in items:
                pending.add(pool.submit(run, item))
                if len(pending) >= 2 * concurrency:
                    done, pending = wait_serving(pending)
                    for f in done:
                        yield f.result()
            while pending:
                done, pending = wait_serving(pending)
                for f in done:
                    yield f.result()
    finally:
        for f in pending:
            f.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
        for w in workers:
            w.close()


def run_ray(
    items: Iterable[WorkItem], make_worker: MakeWorker, concurrency: int, address: str | None = None
) -> Iterator[ResultRecord]:
    """Ray actors, one worker each; a local runtime with `concurrency` CPUs unless `address` is given.

    On a cluster the org file must be readable at the same path on every node (a shared disk).
    """
    try:
        import ray
        from ray.util import ActorPool
    except ImportError:
        raise ExecutorError("the ray executor needs Ray: pip install 'crmweaver[ray]'") from None
    started = False
    if not ray.is_initialized():
        try:
            if address:
                ray.init(address=address, log_to_driver=False)
            else:
                ray.init(num_cpus=max(1, concurrency), include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING)
        except Exception as e:  # ConnectionError, RuntimeError, ... — all mean "no Ray here"
            where = f"the Ray cluster at {address}" if address else "a local Ray runtime"
            raise ExecutorError(f"cannot start {where} ({e}); check --ray-address or use --executor local") from e
        started = True

    @ray.remote(num_cpus=1)
    class EpisodeActor:
        def __init__(self, factory: MakeWorker):
            self.worker = factory()

        def run(self, item: WorkItem) -> ResultRecord:
            return self.worker.run(item)

    actors = [EpisodeActor.remote(make_worker) for _ in range(max(1, concurrency))]
    try:
        pool = ActorPool(actors)
        for item in items:
            pool.submit(lambda actor, it: actor.run.remote(it), item)
            while not pool.has_free() and pool.has_next():
                yield _ray_result(ray, pool)
        while pool.has_next():
            yield _ray_result(ray, pool)
    finally:
        for actor in actors:
            ray.kill(actor)
        if started:
            ray.shutdown()


def _ray_result(ray, pool) -> ResultRecord:
    try:
        return pool.get_next_unordered()
    except ray.exceptions.RayTaskError as e:  # re-raise the worker's own exception (e.g. BackendSetupError)
        cause = e.as_instanceof_cause()
        raise getattr(cause, "cause", None) or cause from None


EXECUTORS = {"local": run_local, "ray": run_ray}
