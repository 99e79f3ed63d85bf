"""Peak memory of the fused step at 4,096 seeds, in MiB, as in ``lrtbench bench``.

Measured by ``lrtbench.bench.memory.peak_memory``: in a fresh process, the rise of the
resident high-water mark (``ru_maxrss``) from just before allocating the stacked state to
after 20 fused steps; it includes the batches, the step's temporaries and allocator slack.
"""

from lrtbench.bench.memory import peak_memory
from lrtbench.methods import METHOD_NAMES

SEEDS = 4096
STEPS = 20


class PeakMemory:
    params = (METHOD_NAMES,)
    param_names = ("method",)
    unit = "MiB"
    timeout = 300

    def track_fused_peak_mib_4096_seeds(self, method: str) -> float:
        return round(peak_memory(method, SEEDS, STEPS, threads=1).peak_mib, 1)
