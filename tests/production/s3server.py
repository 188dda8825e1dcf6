"""moto's S3 server on 127.0.0.1, on a free port of this branch's range (8300-8399)."""

from contextlib import contextmanager

from moto.server import ThreadedMotoServer

from tests.ports import free_port as ports_free_port


def free_port():
    return ports_free_port(range(8300, 8400))


@contextmanager
def s3_server():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
