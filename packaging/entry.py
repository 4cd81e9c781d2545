"""The bundle's entry point: the same `main` as the `workstation` console script."""

import sys

from workstation.cli import main

if __name__ == "__main__":
    sys.exit(main())
