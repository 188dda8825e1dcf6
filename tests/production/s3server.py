"""moto's S3 server on 127.0.0.1, on a free port of this branch's range (8300-8399)."""

import socket
from contextlib import contextmanager

from moto.server import ThreadedMotoServer


def free_port(start=8300, stop=8400):
    for port in range(start, stop):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8300-8399")


@contextmanager
def s3_server():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
