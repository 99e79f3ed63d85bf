"""The per-run measures (``lrtbench.stats.measures.run_measures``) on a paper-sized set."""

from lrtbench.stats.measures import run_measures

from .synthetic import paper_sized_runs


class RunMeasures:
    timeout = 120

    def setup(self) -> None:
        self.runs = paper_sized_runs()

    def time_run_measures(self) -> None:
        run_measures(self.runs)
