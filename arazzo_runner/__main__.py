"""``python -m arazzo_runner`` runs the ``arazzo`` command."""

import sys

from .cli.main import main

sys.exit(main())
