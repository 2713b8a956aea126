"""Optimizer Playground from a checkout: ``python main.py [list|trace|train|render] ...``.

A thin script; the command line lives in ``optimizer_playground.cli`` so that an
installed copy (the ``optimizer-playground`` launcher) runs the very same code.
"""

import sys

from optimizer_playground.cli import main

if __name__ == "__main__":
    sys.exit(main())
