"""Seed-steps per second of the stacked training steps, as in ``lrtbench bench``.

``track_`` benchmarks returning seed-steps/s (seeds x steps per wall second; higher is
better), measured by ``lrtbench.bench.measure.seconds_per_step``: a fixed number of steps
on random batches after a warm-up, best of a few repeats, at one torch thread (the thread
count of ``lrtbench run`` workers).
"""

from lrtbench.bench.measure import BenchConfig, seconds_per_step
from lrtbench.methods import METHOD_NAMES

CONFIG = BenchConfig(threads=1)


class SeedSteps:
    params = (METHOD_NAMES, ("fused", "vmap"), (1, 128, 1024))
    param_names = ("method", "backend", "seeds")
    unit = "seed-steps/s"
    timeout = 300
    processes = 1  # the measurement takes its own best of several repeats

    def setup(self, method: str, backend: str, seeds: int) -> None:
        import torch

        torch.set_num_threads(CONFIG.threads)

    def track_seed_steps_per_second(self, method: str, backend: str, seeds: int) -> float:
        return round(seeds / seconds_per_step(method, backend, seeds, CONFIG), 1)
