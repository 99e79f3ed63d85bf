"""Speed and memory benchmarks of the training steps.

``literal`` is the one-seed ``nn.Module`` implementation a researcher writes first (the
speed reference), ``measure`` times the stacked steps against it and against the matmul
floor, ``memory`` measures peak memory in a fresh process, ``table`` formats the results
and ``cli`` is the ``lrtbench bench`` command. The asv suite in ``asv_benchmarks/`` reuses
``measure`` and ``memory``.
"""
