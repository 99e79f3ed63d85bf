"""Drawing a task's data from its card (``lrtbench.tasks.generate``), seed 0."""

from lrtbench.tasks import generate, load_task


class Generate:
    params = (("linear", "trig", "xor", "spirals"),)
    param_names = ("task",)

    def setup(self, task: str) -> None:
        self.card = load_task(task)

    def time_generate(self, task: str) -> None:
        generate(self.card, 0)
