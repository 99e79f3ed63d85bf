"""asv benchmarks of lrtbench, run against the checkout this folder sits in.

The configuration uses an existing environment, in which asv installs nothing; putting the
checkout first on ``sys.path`` makes the suite measure the code next to it rather than
whatever ``lrtbench`` the environment may hold.
"""

import sys
from pathlib import Path

CHECKOUT = str(Path(__file__).resolve().parents[2])
if CHECKOUT not in sys.path:
    sys.path.insert(0, CHECKOUT)
