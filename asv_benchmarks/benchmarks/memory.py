"""Memory of the fused step at 4,096 seeds, in MiB, as in ``lrtbench bench``.

Measured by ``lrtbench.bench.memory.memory_probes``, one fresh process per method, once for
both benchmarks: ``peak_rss`` is the rise of the process's resident high-water mark from
just before allocating the stacked state to after 20 fused steps (state, batches, the
step's temporaries and the C allocator's slack, which varies from run to run); ``live`` is
the most bytes torch held at once (state, batches, temporaries), which is reproducible.
"""

from dataclasses import asdict

from lrtbench.bench.memory import memory_probes
from lrtbench.methods import METHOD_NAMES

SEEDS = 4096
STEPS = 20


class FusedMemory4096Seeds:
    params = (METHOD_NAMES,)
    param_names = ("method",)
    unit = "MiB"
    processes = 1  # setup_cache starts one fresh process per method anyway

    def setup_cache(self) -> dict[str, dict]:
        probes = memory_probes(METHOD_NAMES, SEEDS, STEPS, threads=1)
        return {name: asdict(probe) for name, probe in probes.items()}

    setup_cache.timeout = 300

    def track_peak_rss(self, probes: dict[str, dict], method: str) -> float:
        return round(probes[method]["peak_mib"], 1)

    def track_live(self, probes: dict[str, dict], method: str) -> float:
        return round(probes[method]["live_mib"], 1)
