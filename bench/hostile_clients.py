"""The hostile clients of bench/hostile_soak.py, each kind a function that runs until its
`stop` event is set, counting what the server answered in a Tally: slowloris, idle
keep-alive, many-part ranges, gzip bombs, costly wildcards, new query languages, pipelining.
The request floods run through the compiled bench/hostile_client (compiled_client) or this
module's own loops."""
import gzip
import multiprocessing
import os
import random
import re
import resource
import select
import socket
import string
import subprocess
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def connect(port, source, timeout=10):
    s = socket.socket()
    s.settimeout(timeout)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    return s


class Answers:
    """Reads HTTP/1.1 answers with Content-Length bodies from one socket, in order, keeping
    the bytes received beyond an answer for the next one (pipelined answers arrive together)."""

    def __init__(self, sock):
        self.sock, self.data = sock, b""

    def _more(self, what):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed {what}")
        self.data += chunk

    def next(self):
        """The next answer's (status, bytes). Raises OSError when the connection ends first or
        what arrives is not an answer."""
        while b"\r\n\r\n" not in self.data:
            self._more("before an answer")
        head, self.data = self.data.split(b"\r\n\r\n", 1)
        m = re.match(rb"HTTP/1\.[01] (\d{3})", head)
        if not m:
            raise ConnectionError(f"not an answer: {head[:80]!r}")
        length = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
        length = int(length.group(1)) if length else 0
        while len(self.data) < length:
            self._more("in the middle of an answer")
        self.data = self.data[length:]
        return int(m.group(1)), len(head) + 4 + length


def read_response(s):
    """Reads one HTTP/1.1 answer from `s` (a connection that carries one); returns (status,
    bytes read). Raises OSError."""
    return Answers(s).next()


class Tally:
    """Counts shared with the main process: answers by status class, failures, held connections."""

    def __init__(self):
        self.values = {k: multiprocessing.Value("q", 0) for k in
                       ["2xx", "4xx", "429", "5xx", "failed", "held", "closed", "bytes"]}

    def add(self, key, n=1):
        with self.values[key].get_lock():
            self.values[key].value += n

    def set(self, key, n):
        self.values[key].value = n

    def status(self, code, size=0):
        self.add("429" if code == 429 else f"{code // 100}xx" if code // 100 in (2, 4, 5) else "failed")
        self.add("bytes", size)

    def snapshot(self):
        return {k: v.value for k, v in self.values.items()}


def request_loop(port, source, tally, make_request, stop, workers=4):
    """`workers` threads, each sending make_request(rng) -> bytes on a fresh connection and
    reading the answer, as fast as the server answers."""
    def work(seed):
        rng = random.Random(seed)
        while not stop.is_set():
            try:
                with connect(port, source, timeout=30) as s:
                    s.sendall(make_request(rng))
                    code, size = read_response(s)
                    tally.status(code, size)
            except OSError:
                tally.add("failed")
                time.sleep(0.1)
    threads = [threading.Thread(target=work, args=(k,), daemon=True) for k in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def get(path, headers=""):
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{headers}\r\n".encode()


def hold(port, source, tally, stop, count, opening, poke=None, every=1.0):
    """Keeps `count` connections open: opening(socket) starts each, poke(socket) (when given)
    runs on each every `every` seconds; one the server closes is counted and opened again."""
    conns = []
    while not stop.is_set():
        while len(conns) < count:
            try:
                s = connect(port, source, timeout=5)
                opening(s)
                s.setblocking(False)
                conns.append(s)
            except OSError:
                tally.add("failed")
                break
        alive = []
        for s in conns:
            try:
                if poke:
                    poke(s)
                r, _, _ = select.select([s], [], [], 0)
                if r and not s.recv(4096):
                    raise ConnectionError("closed")
                alive.append(s)
            except OSError:
                s.close()
                tally.add("closed")  # the server dropped it: what a deadline should do
        conns = alive
        tally.set("held", len(conns))
        stop.wait(every)


def slowloris(a, port, source, tally, stop):
    """--slow connections, each sent a request's first lines and then a header line every 3 s."""
    hold(port, source, tally, stop, a.slow,
         lambda s: s.sendall(b"GET /api/search?q=slow HTTP/1.1\r\nHost: 127.0.0.1\r\n"),
         lambda s: s.send(f"X-Slow-{random.randrange(10**6)}: {'a' * 8}\r\n".encode()), every=3)


def idle(a, port, source, tally, stop):
    """--idle keep-alive connections: one request each, then nothing."""
    def opening(s):
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        tally.status(*read_response(s))
    hold(port, source, tally, stop, a.idle, opening)


def biggest_asset(port):
    """The path of the largest static file the service sends (the range client's target)."""
    best, size = "/", 0
    for name in ["postsearch.js", "postsearch.css"]:
        try:
            with connect(port, "127.0.0.1") as s:
                s.sendall(get(f"/assets/{name}"))
                code, n = read_response(s)
            if code == 200 and n > size:
                best, size = f"/assets/{name}", n
        except OSError:
            pass
    return best


def range_client(a, port, source, tally, stop):
    path = biggest_asset(port)
    header = "Range: bytes=" + ",".join(["0-"] * a.range_parts) + "\r\n"
    request_loop(port, source, tally, lambda rng: get(path, header), stop, workers=2)


def gzip_client(a, port, source, tally, stop):
    body = gzip.compress(b" " * (a.bomb_mb << 20) + b'{"q": "bomb"}', compresslevel=9)
    head = (f"POST /api/search HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Encoding: gzip\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    request_loop(port, source, tally, lambda rng: head + body, stop, workers=2)


def wildcard_query(rng):
    letters = string.ascii_lowercase
    shapes = [
        lambda: " ".join(rng.choice(letters) + "*" for _ in range(rng.randint(8, 40))),
        lambda: " OR ".join(rng.choice(letters) + rng.choice(letters) + "*" for _ in range(rng.randint(8, 60))),
        lambda: '"' + " ".join(rng.choice(["the", "of", "and", "a", "to", "in"]) for _ in range(12)) + '"',
        lambda: " NEAR ".join(rng.choice(letters) + "*" for _ in range(10)),
    ]
    return urllib.parse.quote(rng.choice(shapes)()[:1000])


def wildcard_client(a, port, source, tally, stop):
    request_loop(port, source, tally,
                 lambda rng: get(f"/api/search?facets=true&q={wildcard_query(rng)}"), stop)


def lang_client(a, port, source, tally, stop):
    def make(rng):
        lang = "".join(rng.choice(string.ascii_lowercase) for _ in range(12))
        return get(f"/api/search?q=the+of&query_lang={lang}")
    request_loop(port, source, tally, make, stop, workers=2)


def pipeline_client(a, port, source, tally, stop):
    def work(seed):
        rng = random.Random(seed)
        while not stop.is_set():
            try:
                with connect(port, source, timeout=30) as s:
                    batch = b"".join(
                        f"GET /api/search?q={wildcard_query(rng) if k % 4 == 0 else 'the'}&page={k % 5 + 1} "
                        f"HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode() for k in range(a.pipeline_depth))
                    s.sendall(batch)
                    s.settimeout(30)
                    answers = Answers(s)
                    for _ in range(a.pipeline_depth):
                        code, size = answers.next()
                        tally.status(code, size)
            except OSError:
                tally.add("failed")
                time.sleep(0.1)
    threads = [threading.Thread(target=work, args=(k,), daemon=True) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


CLIENTS = {"slowloris": slowloris, "idle": idle, "range": range_client, "gzip": gzip_client,
           "wildcard": wildcard_client, "lang": lang_client, "pipeline": pipeline_client}


def range_blobs(a, port, rng):
    header = "Range: bytes=" + ",".join(["0-"] * a.range_parts) + "\r\n"
    return [(get(biggest_asset(port), header), 1)], 2


def gzip_blobs(a, port, rng):
    body = gzip.compress(b" " * (a.bomb_mb << 20) + b'{"q": "bomb"}', compresslevel=9)
    head = (f"POST /api/search HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Encoding: gzip\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    return [(head + body, 1)], 2


def wildcard_blobs(a, port, rng):
    return [(get(f"/api/search?facets=true&q={wildcard_query(rng)}"), 1) for _ in range(2000)], 4


def lang_blobs(a, port, rng):
    return [(get(f"/api/search?q=the+of&query_lang={''.join(rng.choice(string.ascii_lowercase) for _ in range(12))}"), 1)
            for _ in range(5000)], 2


def pipeline_blobs(a, port, rng):
    def batch():
        return b"".join(
            f"GET /api/search?q={wildcard_query(rng) if k % 4 == 0 else 'the'}&page={k % 5 + 1} "
            f"HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode() for k in range(a.pipeline_depth))
    return [(batch(), a.pipeline_depth) for _ in range(200)], 2


# The same attacks as the loops above, as request blobs for bench/hostile_client: (blobs of
# (bytes, answers expected), worker threads).
BLOBS = {"range": range_blobs, "gzip": gzip_blobs, "wildcard": wildcard_blobs, "lang": lang_blobs,
         "pipeline": pipeline_blobs}


def compiled_client(kind, a, port, source, tally, stop):
    """Runs `kind` through bench/hostile_client until `stop`, copying its counts into `tally`."""
    blobs, workers = BLOBS[kind](a, port, random.Random(kind))
    path = f"/tmp/hostile_soak.{os.getpid()}.{kind}.requests"
    with open(path, "wb") as f:
        for data, answers in blobs:
            f.write(f"{len(data)} {answers}\n".encode() + data)
    proc = subprocess.Popen([benchlib.binary("bench", "hostile_client"), "--port", str(port), "--source", source,
                             "--workers", str(workers), "--rate", str(a.hostile_rate), path],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def copy_counts():
        for line in proc.stdout:
            for key, value in zip(["2xx", "4xx", "429", "5xx", "failed", "bytes"], line.split()):
                tally.set(key, int(value))
    reader = threading.Thread(target=copy_counts, daemon=True)
    reader.start()
    stop.wait()
    proc.stdin.close()
    proc.wait()
    reader.join()
    os.unlink(path)


def hostile(kind, a, port, source, tally, stop):
    raise_fd_limit()
    if a.hostile_nice:
        os.nice(a.hostile_nice)
    try:
        if kind in BLOBS and a.clients == "compiled":
            compiled_client(kind, a, port, source, tally, stop)
        else:
            CLIENTS[kind](a, port, source, tally, stop)
    except Exception as e:  # a hostile client's own bug must not pass for the server's
        print(f"hostile client {kind} stopped: {e!r}", file=sys.stderr)
