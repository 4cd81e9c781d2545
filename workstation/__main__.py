"""python -m workstation"""

import sys

from workstation.cli import main

# Guarded: the bulk lane's worker process (spawn) imports the parent's main module again.
if __name__ == "__main__":
    sys.exit(main())
