"""Memory of the fused step at 4,096 seeds, in MiB, as in ``lrtbench bench``.

Measured by ``lrtbench.bench.memory.peak_memory``, one fresh process per method, once for
both benchmarks: ``peak_rss`` is the rise of the process's resident high-water mark from
just before allocating the stacked state to after 20 fused steps (state, batches, the
step's temporaries and the C allocator's slack, which varies from run to run); ``live`` is
the most bytes torch held at once (state, batches, temporaries), which is reproducible.
"""

from dataclasses import asdict

from lrtbench.bench.memory import peak_memory
from lrtbench.methods import METHOD_NAMES

SEEDS = 4096
STEPS = 20


class FusedMemory4096Seeds:
    params = (METHOD_NAMES,)
    param_names = ("method",)
    unit = "MiB"

    def setup_cache(self) -> dict[str, dict]:
        return {name: asdict(peak_memory(name, SEEDS, STEPS, threads=1)) for name in METHOD_NAMES}

    setup_cache.timeout = 300

    def track_peak_rss(self, probes: dict[str, dict], method: str) -> float:
        return round(probes[method]["peak_mib"], 1)

    def track_live(self, probes: dict[str, dict], method: str) -> float:
        return round(probes[method]["live_mib"], 1)
