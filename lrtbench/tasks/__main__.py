"""``python -m lrtbench.tasks [--write] [--dir FOLDER]``: check or rewrite task checksums."""

import sys

from lrtbench.tasks.checksums import main

sys.exit(main())
