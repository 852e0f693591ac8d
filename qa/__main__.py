"""Entry point of ``python -m qa``."""
import sys

from .cli import main

sys.exit(main())
