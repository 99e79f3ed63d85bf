"""``python -m lrtbench.bench [options]``: the ``lrtbench bench`` command on its own."""

import sys

from lrtbench.bench.cli import main

sys.exit(main())
