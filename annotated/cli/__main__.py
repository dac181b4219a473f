"""``python -m annotated.cli``: the same as the ``annotated`` command."""

import sys

from annotated.cli import main

sys.exit(main())
