"""serve_common.py — helpers shared by the tests of `bodnaarplot serve`:
a result GeoPackage to serve, a server on a free port, HTTP requests."""

import http.client
import json
import os
import signal
import socket
import subprocess
import time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def make_zwolle(bp, src, work, name="z.gpkg"):
    """Runs the Zwolle example into work/name; returns the path."""
    out = os.path.join(work, name)
    subprocess.run([bp, "run", os.path.join(src, "examples/zwolle/project.yaml"), "-o", out, "--overwrite", "-q"],
                   check=True)
    return out


class Server:
    """`bodnaarplot serve` on a free port; stop() sends SIGTERM and returns
    the exit code and stderr."""

    def __init__(self, bp, gpkg, *args, timeout=120):
        self.port = free_port()
        self.log = open(os.path.join(os.path.dirname(gpkg), "serve-%d.err" % self.port), "w+")
        self.proc = subprocess.Popen([bp, "serve", gpkg, "--port", str(self.port), *args],
                                     stdout=subprocess.PIPE, stderr=self.log, text=True)
        self.first_line = self.proc.stdout.readline()
        if not self.first_line:
            self.log.seek(0)
            raise RuntimeError("server did not start: " + self.log.read())
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)

    def url(self, path="/"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def request(self, method, path, body=None, headers=None, timeout=60):
        """Returns (status, headers dict, body bytes)."""
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        h = dict(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        hd = {k.lower(): v for k, v in r.getheaders()}
        c.close()
        return r.status, hd, data

    def json(self, method, path, body=None, headers=None):
        st, _, data = self.request(method, path, body, headers)
        return st, json.loads(data)

    def raw(self, text, timeout=10):
        """Sends raw bytes; returns the response bytes."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        s.sendall(text)
        out = b""
        try:
            while True:
                b = s.recv(65536)
                if not b:
                    break
                out += b
        except socket.timeout:
            pass
        s.close()
        return out

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.log.seek(0)
        err = self.log.read()
        self.log.close()
        return rc, err
