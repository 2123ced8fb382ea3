"""moto's server with its Step Functions interpreter on, in its own process (no IAM checks).

Prints ``PORT <n>``; serves until stdin closes. moto's interpreter (ported from LocalStack) runs
``aws-sdk`` tasks by calling the same server at ``http://localhost:$MOTO_PORT`` with fixed
credentials, so ``MOTO_PORT`` is set to the port the server got, and IAM enforcement stays off
here (the IAM policy tests run their own server).
"""

from __future__ import annotations

import os
import sys

from moto.server import ThreadedMotoServer

server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
port = server.get_host_and_port()[1]
os.environ["MOTO_PORT"] = str(port)
print("PORT", port, flush=True)
sys.stdin.read()
server.stop()
