"""``python -m server`` is the same as the ``jumelage`` command."""

import sys

from .cli import main

sys.exit(main())
