"""Raw HTTP for the packet tests: what is sent is exactly what is written, and an answer is
read as it came (its headers as sent, whether the server closed the connection after it),
where a client library would normalise both.

Only the standard library beside sxdptest.
"""
import http.client
import socket
import time
import weakref

import sxdptest as T


def connect(port, timeout=5):
    """A new connection to 127.0.0.1:@port, each write sent at once (TCP_NODELAY)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def send(port, data, timeout=5, shut=False):
    """Send @data on a new connection to 127.0.0.1:@port; (status, headers, body, closed) of
    the first answer (read_answer); shut: our side shut down for writing once it is sent."""
    s = connect(port, timeout)
    try:
        s.sendall(data)
        if shut:
            s.shutdown(socket.SHUT_WR)
        return read_answer(s, timeout)
    finally:
        s.close()


_unread = weakref.WeakKeyDictionary()   # socket -> bytes received past the answer read last


def read_answer(s, timeout=5, detect_close=True):
    """One HTTP answer off socket @s: (status, {lowercase name: [values]}, body, closed); closed
    is looked for (half a second) only with @detect_close. Pipelined answers can arrive in one
    segment: what follows this answer is kept for the next call on @s, and the close is looked
    for with a peek, so no byte of a later answer is lost."""
    buf = _unread.pop(s, b"")
    deadline = time.monotonic() + timeout
    s.settimeout(timeout)
    while b"\r\n\r\n" not in buf:
        try:
            d = s.recv(65536)
        except (ConnectionResetError, socket.timeout):
            d = b""
        if not d:
            raise T.TestFailure("no answer (got %r)" % buf[:200])
        buf += d
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    hdrs = {}
    for ln in lines[1:]:
        k, v = ln.split(":", 1)
        hdrs.setdefault(k.strip().lower(), []).append(v.strip())
    n = int(hdrs.get("content-length", ["0"])[0])
    while len(rest) < n and time.monotonic() < deadline:
        d = s.recv(65536)
        if not d:
            break
        rest += d
    body, extra = rest[:n], rest[n:]
    if extra:
        _unread[s] = extra
    closed = False
    if extra == b"" and detect_close:
        s.settimeout(0.5)
        try:
            closed = s.recv(1, socket.MSG_PEEK) == b""
        except (ConnectionResetError, BrokenPipeError):
            closed = True
        except socket.timeout:
            closed = False
    return status, hdrs, body, closed


def request(url, path, method="GET", headers=None):
    """One request to @url ("http://HOST:PORT") as written (no Host, no Accept-Encoding of the
    client's own): (status, {lowercase name: value}, body)."""
    host, port = url.split("//")[1].split(":")
    c = http.client.HTTPConnection(host, int(port), timeout=10)
    c.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    for k, v in (headers or {}).items():
        c.putheader(k, v)
    c.endheaders()
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, body
