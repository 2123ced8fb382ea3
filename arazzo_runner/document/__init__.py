"""Reading Arazzo documents: schema, model, semantic checks (YAML 1.2 with positions: :mod:`arazzo_runner.yaml12`)."""

import sys as _sys

from .. import yaml12 as _yaml12

# ``yaml12`` lived here once and sources/ imported it from here (a document <-> sources cycle);
# it is a layer of its own now. The old name keeps working for code written before the move.
_sys.modules.setdefault(__name__ + ".yaml12", _yaml12)
