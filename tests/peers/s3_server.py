"""Run moto's S3-compatible server on 127.0.0.1 and a free port; print the port, stop on EOF.

Started as a subprocess so moto's state and threads stay out of the test process.
"""

from __future__ import annotations

import logging
import sys

from moto.server import ThreadedMotoServer


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    _host, port = server.get_host_and_port()
    print(port, flush=True)
    sys.stdin.read()  # the test process closes our stdin when it is done
    server.stop()


if __name__ == "__main__":
    main()
