"""``python -m rsnms``: see rsnms.cli."""

import sys

from rsnms.cli import main

sys.exit(main())
