"""``python -m optimizer_playground``: the same as the ``optimizer-playground`` launcher."""

import sys

from optimizer_playground.cli import main

sys.exit(main())
