"""The bundle's entry point: the same `main` as the `workstation` console script."""

import multiprocessing
import sys

from workstation.cli import main

if __name__ == "__main__":
    # In a frozen bundle, the bulk lane's worker process starts this same executable:
    # freeze_support makes that start run the worker, not a second app.
    multiprocessing.freeze_support()
    sys.exit(main())
