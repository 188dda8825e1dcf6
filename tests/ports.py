"""Free loopback ports for the servers that tests, load and fault runs start."""

import socket


def free_port(ports, *, taken=None):
    """The first port of ``ports`` that binds on 127.0.0.1 (and is not in ``taken``, which it joins)."""
    for port in ports:
        if taken is not None and port in taken:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        if taken is not None:
            taken.add(port)
        return port
    raise RuntimeError(f"no free port in {ports}")
