"""``python -m lrtbench`` is the ``lrtbench`` command."""

import sys

from lrtbench.cli import main

sys.exit(main())
