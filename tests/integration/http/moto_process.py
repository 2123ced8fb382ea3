"""Run moto's server with signature checking on, in its own process (launched by conftest.py).

``INITIAL_NO_AUTH_ACTION_COUNT`` must be set before moto is imported, and it changes moto's
behaviour for the whole process, hence a subprocess. Prints ``PORT <n>`` and serves until stdin
closes.
"""

from __future__ import annotations

import os
import sys

os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = sys.argv[1] if len(sys.argv) > 1 else "3"

from moto.server import ThreadedMotoServer

server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print("PORT", server.get_host_and_port()[1], flush=True)
sys.stdin.read()
server.stop()
