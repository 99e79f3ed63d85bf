"""Named random streams of one run, derived from its seed with ``numpy.random.SeedSequence``.

The model's initial weights and the batch order depend on the run seed only, not on the
method, so seed k of SGD and seed k of LRT start from the same network and see the same
batches: method comparisons are paired. The LRT models draw from a stream of their own.
"""

from __future__ import annotations

import numpy as np

STREAMS = {"model": 0, "batches": 1, "method": 2}


def stream(seed: int, name: str) -> np.random.Generator:
    """The generator for stream ``name`` of run ``seed``; a pure function of both."""
    if seed < 0:
        raise ValueError(f"seeds are non-negative integers, got {seed}")
    sequence = np.random.SeedSequence(entropy=seed, spawn_key=(STREAMS[name],))
    return np.random.Generator(np.random.PCG64(sequence))


class BatchOrder:
    """Each seed's own stream of minibatch indices: shuffled epochs, batches in order.

    An epoch is a fresh permutation of the training set; batches are consecutive slices of
    the concatenated epochs, so the batch size need not divide the training set.
    """

    def __init__(self, seeds: list[int], n_train: int, batch_size: int) -> None:
        if batch_size > n_train:
            raise ValueError(f"batch size {batch_size} exceeds the {n_train} training examples")
        self.n_train = n_train
        self.batch_size = batch_size
        self.generators = [stream(seed, "batches") for seed in seeds]
        self.buffers = [np.empty(0, dtype=np.int64) for _ in seeds]

    def take(self, n_steps: int) -> np.ndarray:
        """Indices of the next ``n_steps`` batches: shape (n_steps, n_seeds, batch_size)."""
        need = n_steps * self.batch_size
        out = np.empty((len(self.generators), need), dtype=np.int64)
        for i, rng in enumerate(self.generators):
            buffer = self.buffers[i]
            while buffer.size < need:
                buffer = np.concatenate([buffer, rng.permutation(self.n_train)])
            out[i] = buffer[:need]
            self.buffers[i] = buffer[need:]
        return out.reshape(len(self.generators), n_steps, self.batch_size).transpose(1, 0, 2)
