#!/usr/bin/env python3
"""Issue #24's limits, through the real binary on loopback: what one client may make the
service hold or do (ranges, bodies, heads, connections, CPU, query languages, pipelining),
each refused early and cheaply while other clients are served."""
import http.client
import json
import os
import re
import socket
import sys
import threading
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from attack_test import raw, rss_kib, status_of  # noqa: E402
from harness import SiteTestCase, index  # noqa: E402
from http_test import Service  # noqa: E402


def read_answers(sock, count, seconds=5):
    """Reads `count` HTTP answers with Content-Length bodies from sock; returns their statuses."""
    data, statuses = b"", []
    deadline = time.monotonic() + seconds
    while len(statuses) < count and time.monotonic() < deadline:
        head_end = data.find(b"\r\n\r\n")
        if head_end >= 0:
            head = data[:head_end].decode("latin-1")
            length = int(next((line.split(":", 1)[1] for line in head.split("\r\n")
                               if line.lower().startswith("content-length:")), "0"))
            if len(data) >= head_end + 4 + length:
                statuses.append(int(head.split()[1]))
                data = data[head_end + 4 + length:]
                continue
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        data += chunk
    return statuses


class Limits(SiteTestCase):
    """Issue #24: each thing one client did to hurt the others, answered cleanly and cheaply."""

    def setUp(self):
        super().setUp()
        index(self.site, self.idx)

    def serve(self, *flags):
        svc = Service(self.idx, "-q", *flags)
        self.addCleanup(svc.stop)
        self.addCleanup(lambda: self.assertIsNone(svc.proc.poll(), "the service must never exit"))
        return svc

    def test_many_or_overlapping_ranges_get_416(self):
        svc = self.serve("--rate-limit", "0")
        evil = "bytes=" + ",".join(["0-"] * 2600)
        for path in ("/assets/postsearch.js", "/api/search?q=bread"):
            answer = raw(svc.port, f"GET {path} HTTP/1.1\r\nHost: x\r\nRange: {evil}\r\nConnection: close\r\n\r\n"
                         .encode())
            self.assertEqual(status_of(answer), 416, answer[:300])
            self.assertLess(len(answer), 4096, path)
        overlapping = raw(svc.port, b"GET /assets/postsearch.js HTTP/1.1\r\nHost: x\r\nRange: bytes=0-99,50-149\r\n"
                                    b"Connection: close\r\n\r\n")
        self.assertEqual(status_of(overlapping), 416)
        # One range is served as before.
        status, hdrs, body = svc.request("GET", "/assets/postsearch.js", headers={"Range": "bytes=0-99"})
        self.assertEqual((status, len(body)), (206, 100))
        self.assertTrue(hdrs["content-range"].startswith("bytes 0-99/"))

    def test_compressed_bodies_are_refused_before_inflating(self):
        import gzip
        svc = self.serve("--rate-limit", "0")
        small = gzip.compress(json.dumps({"q": "bread"}).encode())
        bomb = gzip.compress(b'{"q": "' + b" " * (8 << 20) + b'bread"}')  # 8 MiB from ~8 KiB
        for body in (small, bomb):
            status, _, data = svc.request("POST", "/api/search", body=body,
                                          headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
            self.assertEqual(status, 415, data[:200])
            self.assertEqual(json.loads(data)["error"]["code"], "unsupported_encoding")
        status, _, _ = svc.request("POST", "/api/search", body=json.dumps({"q": "bread"}),
                                   headers={"Content-Type": "application/json", "Content-Encoding": "identity"})
        self.assertEqual(status, 200)

    def test_query_lang_values_do_not_pile_up_parsers(self):
        svc = self.serve("--rate-limit", "0")
        conn = http.client.HTTPConnection("127.0.0.1", svc.port, timeout=30)
        self.addCleanup(conn.close)

        def get(path):
            conn.request("GET", path)
            r = conn.getresponse()
            return r.status, r.read()

        def growth_kib(codes):
            before = rss_kib(svc.proc.pid)
            for code in codes:
                status, body = get(f"/api/search?q=bread&query_lang={code}")
                self.assertEqual(status, 200, body[:200])
            return rss_kib(svc.proc.pid) - before, json.loads(body)

        # The same requests with one language, for what they cost anyway (allocator caches;
        # under AddressSanitizer, its quarantine of freed memory).
        same, _ = growth_kib(["en"] * 400)
        # ISO 639's private-use codes (qaa-qtz): well formed, known to no stemmer or post.
        codes = [f"q{a}{b}" for a in "abcdefghijklmnop" for b in "abcdefghijklmnopqrstuvwxyz"][:400]
        distinct, last = growth_kib(codes)
        # Each parser held about half a MiB: 400 of them were 185 MiB.
        self.assertLess(distinct - same, 40 * 1024, (distinct, same))
        self.assertIn("query_lang: no stemmer", " ".join(last["warnings"]))
        status, body = get("/api/search?q=bread&query_lang=" + urllib.parse.quote("../../etc"))
        self.assertEqual((status, json.loads(body)["error"]["param"]), (400, "query_lang"))
        self.assertEqual(get("/api/search?q=Häuser&query_lang=de-DE".replace("ä", "%C3%A4"))[0], 200)

    def test_a_client_spending_its_cpu_budget_waits_and_others_do_not(self):
        svc = self.serve("--rate-limit", "1000", "--rate-burst", "1000", "--cpu-limit", "0.001", "--cpu-burst", "0.02")
        q = urllib.parse.quote(" OR ".join(f"{c}*" for c in "abcdefghijklmnopqrstuvwxyz"))
        request = f"GET /api/search?q={q} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
        statuses = []
        for _ in range(300):
            answer = raw(svc.port, request)
            statuses.append(status_of(answer))
            if statuses[-1] == 429:
                break
        self.assertEqual(statuses[0], 200)
        self.assertEqual(statuses[-1], 429, "the budget was never spent")
        self.assertIn(b"CPU budget", answer)
        self.assertIn(b"Retry-After: ", answer)
        self.assertEqual(status_of(raw(svc.port, request, source="127.0.0.2")), 200)

    def test_a_client_spending_cpu_fast_is_served_at_low_priority(self):
        # The lane takes a client over a fifth of --cpu-limit after a tenth of --cpu-burst:
        # here 0.01 CPU second a second after 0.05 s, far inside the budget itself.
        svc = self.serve("--rate-limit", "1000", "--rate-burst", "1000", "--cpu-limit", "0.05", "--cpu-burst", "0.5")
        threads = [int(open(f"/proc/{svc.proc.pid}/task/{t}/stat").read().rsplit(")", 1)[1].split()[16])
                   for t in os.listdir(f"/proc/{svc.proc.pid}/task")]
        self.assertIn(19, threads, "no thread of the service runs at niceness 19")

        def lane_requests():
            metrics = raw(svc.port, b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                          source="127.0.0.3")
            return int(re.search(rb"\npostsearch_low_priority_requests_total (\d+)", metrics).group(1))

        def search(q, source):
            return status_of(raw(svc.port, f"GET /api/search?q={q} HTTP/1.1\r\nHost: x\r\n"
                                            f"Connection: close\r\n\r\n".encode(), source=source))
        for _ in range(5):
            self.assertEqual(search("bread", "127.0.0.2"), 200)
        self.assertEqual(lane_requests(), 0, "a reader's searches went to the lane")
        costly = urllib.parse.quote(" ".join(f"{c}*" for c in "abcdefghijklmnopqrstuvwxyz"))
        for _ in range(300):
            if search(costly, "127.0.0.1") != 200 or lane_requests() > 0:
                break  # a 429: the budget itself ran out first
        self.assertGreater(lane_requests(), 0, "the costly client never went to the lane")
        before = lane_requests()
        self.assertEqual(search(costly, "127.0.0.1"), 200)  # still answered, from the lane
        self.assertEqual(search("bread", "127.0.0.2"), 200)
        self.assertEqual(lane_requests(), before + 1)


        svc = self.serve("--rate-limit", "0", "--request-timeout-ms", "1000")
        s = socket.create_connection(("127.0.0.1", svc.port), timeout=5)
        self.addCleanup(s.close)
        s.sendall(b"GET /healthz HTTP/1.1\r\nX-Slow: ")
        start, answer = time.monotonic(), b""
        s.settimeout(0.3)
        while time.monotonic() - start < 4 and not answer:
            try:
                s.sendall(b"a")  # well inside the 5 s read timeout between bytes
                answer = s.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                break
        self.assertEqual(status_of(answer), 408, answer)

    def test_an_endless_head_gets_431_and_costs_nothing(self):
        svc = self.serve("--rate-limit", "0")
        before = rss_kib(svc.proc.pid)
        s = socket.create_connection(("127.0.0.1", svc.port), timeout=5)
        self.addCleanup(s.close)
        try:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            for i in range(200000):
                s.sendall(b"X-%d: %s\r\n" % (i, b"v" * 100))
        except OSError:
            pass  # answered and closed: what is meant to happen
        answer = b""
        try:
            answer = s.recv(4096)
        except OSError:
            pass
        self.assertEqual(status_of(answer), 431, answer[:200])
        self.assertLess(rss_kib(svc.proc.pid) - before, 10 * 1024)
        self.assertEqual(svc.request("GET", "/healthz")[0], 200)

    def test_connection_floods_from_one_address_do_not_starve_others(self):
        svc = self.serve("--rate-limit", "0", "--max-connections-per-client", "8", "--keep-alive-ms", "5000")
        socks = []
        self.addCleanup(lambda: [s.close() for s in socks])
        for i in range(1000):
            socks.append(socket.create_connection(("127.0.0.1", svc.port), timeout=5))
        refused = raw(svc.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", read_timeout=3)
        self.assertEqual(status_of(refused), 429, refused[:200])
        self.assertIn(b"too many connections", refused)
        for _ in range(3):
            start = time.monotonic()
            answer = raw(svc.port, b"GET /api/search?q=bread HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                         source="127.0.0.2")
            self.assertEqual(status_of(answer), 200, answer[:200])
            self.assertLess(time.monotonic() - start, 3, "another address waited behind the flood")

    def test_silent_connections_from_many_addresses_take_no_thread(self):
        """Each address within its connection limit, many addresses together: connections that
        send nothing took a thread each for the keep-alive wait, so 64 of them on two threads
        queued a reader's search behind them for over a minute. They now wait on the accepting
        thread until they send something, and are closed there after the keep-alive wait."""
        svc = self.serve("--rate-limit", "0", "--threads", "2", "--keep-alive-ms", "3000")
        silent = self.connections_from(svc, 4, 16)
        time.sleep(0.3)  # all accepted
        self.assert_search_served_within(svc, 2, "a reader waited behind silent connections")
        for s in silent:  # closed after the keep-alive wait, answered nothing
            self.assertEqual(s.recv(100), b"")

    def test_a_queue_of_trickled_requests_drains_at_once(self):
        """Connections from several addresses send a request's first byte, then nothing: each
        held the only thread for the request timeout once its turn came, the ones behind it
        waiting meanwhile (20 x 1 s). A request's time counts from when its first bytes were
        seen, queue included, so those that waited past it are answered 408 at once; a
        request that arrived whole while it waited is still served."""
        svc = self.serve("--rate-limit", "0", "--threads", "1", "--request-timeout-ms", "1000")
        tricklers = self.connections_from(svc, 2, 10)
        for s in tricklers:
            s.sendall(b"G")
        time.sleep(0.3)
        self.assert_search_served_within(svc, 5, "a whole request waited behind trickled ones")
        for s in tricklers:
            self.assertEqual(status_of(s.recv(4096)), 408)

    def test_idle_keep_alive_connections_give_their_threads_back_when_others_wait(self):
        """The same with one request each, then silence: each kept its thread for the
        keep-alive wait after its answer. While connections queue for a thread, an idle one
        waits for its next request on the accepting thread, and is still served when it comes."""
        svc = self.serve("--rate-limit", "0", "--threads", "2", "--keep-alive-ms", "3000")
        idle = self.connections_from(svc, 4, 16)
        for s in idle:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        for s in idle:
            self.assertEqual(read_answers(s, 1, seconds=10), [200])
        self.assert_search_served_within(svc, 2, "a reader waited behind idle keep-alive connections")
        idle[-1].sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        self.assertEqual(read_answers(idle[-1], 1, seconds=10), [200], "a parked connection's next request")

    def test_a_client_that_stops_reading_holds_its_thread_only_for_the_write_timeout(self):
        # One connection thread; a client pipelines requests for big answers and reads none,
        # so the service's sends block once the socket buffers are full. The write timeout
        # (--timeout) must end that connection and free the thread for another address.
        svc = self.serve("--rate-limit", "0", "--threads", "1", "--timeout", "1")
        self.pipeline_big_answers(svc, 400)
        time.sleep(0.5)  # the thread is now blocked writing to the hog
        self.assert_another_address_served(svc, "the thread stayed with a client that reads nothing")

    def connections_from(self, svc, addresses, each):
        """`each` connections from each of 127.0.0.2 onwards (`addresses` of them), closed at the end."""
        socks = [socket.create_connection(("127.0.0.1", svc.port), timeout=20, source_address=(f"127.0.0.{a}", 0))
                 for a in range(2, 2 + addresses) for _ in range(each)]
        self.addCleanup(lambda: [s.close() for s in socks])
        return socks

    def assert_search_served_within(self, svc, seconds, why):
        """A search from an address of its own (127.0.0.9) is answered within `seconds`."""
        start = time.monotonic()
        answer = raw(svc.port, b"GET /api/search?q=bread HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                     source="127.0.0.9", read_timeout=30)
        self.assertEqual(status_of(answer), 200, answer[:200])
        self.assertLess(time.monotonic() - start, seconds, why)

    def pipeline_big_answers(self, svc, count):
        """A connection with a small receive buffer that has asked for `count` big answers."""
        hog = socket.socket()
        hog.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        hog.connect(("127.0.0.1", svc.port))
        self.addCleanup(hog.close)
        hog.sendall(b"GET /api/search?q=the&per_page=50&facets=0 HTTP/1.1\r\nHost: x\r\n\r\n" * count)
        return hog

    def assert_another_address_served(self, svc, why):
        start = time.monotonic()
        answer = raw(svc.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                     source="127.0.0.2", read_timeout=20)
        self.assertEqual(status_of(answer), 200, answer[:200])
        self.assertLess(time.monotonic() - start, 10, why)

    def test_a_client_that_reads_slowly_holds_its_thread_only_while_it_keeps_pace(self):
        # One connection thread; a client pipelines requests for big answers and reads 4 KB a
        # second: each send makes progress within the write timeout, so that bound alone let
        # it hold the thread for its 90 answers (over 15 minutes). Below the least pace
        # (8 KiB/s after the write timeout's grace) its connection ends, reset: the kernel
        # does not keep the rest of the answer for it either.
        svc = self.serve("--rate-limit", "0", "--threads", "1", "--timeout", "2")
        hog = self.pipeline_big_answers(svc, 90)
        reading = threading.Event()
        reading.set()

        def read_slowly():
            while reading.is_set():
                try:
                    if not hog.recv(4096):
                        return
                except OSError:
                    return
                time.sleep(1)

        reader = threading.Thread(target=read_slowly, daemon=True)
        reader.start()
        self.addCleanup(reading.clear)
        time.sleep(0.5)
        self.assert_another_address_served(svc, "the thread stayed with a client reading 4 KB/s")
        reader.join(timeout=10)
        self.assertFalse(reader.is_alive(), "the slow reader's connection was not closed")

    def test_unsupported_methods_are_answered_at_once(self):
        svc = self.serve("--rate-limit", "0")
        for method in ("PUT", "PATCH", "DELETE"):
            s = socket.create_connection(("127.0.0.1", svc.port), timeout=3)
            try:
                s.sendall(f"{method} /api/search HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                answer = s.recv(4096)  # no Connection: close; the answer must come before any timeout
            finally:
                s.close()
            self.assertEqual(status_of(answer), 405, (method, answer[:200]))
            self.assertIn(b"Allow: GET, HEAD, POST", answer)
        answer = raw(svc.port, b"POST /api/search HTTP/1.1\r\nHost: x\r\n\r\n", read_timeout=3)
        self.assertEqual(status_of(answer), 411, answer[:200])

    def test_pipelined_requests_are_answered_in_order(self):
        svc = self.serve("--rate-limit", "0")
        s = socket.create_connection(("127.0.0.1", svc.port), timeout=5)
        self.addCleanup(s.close)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                  b"GET /api/posts/nope HTTP/1.1\r\nHost: x\r\n\r\n"
                  b"GET /api/search?q=bread HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        self.assertEqual(read_answers(s, 3), [200, 404, 200])

    def test_long_range_headers_and_paths_do_not_pin_thread_stacks(self):
        """cpp-httplib's Range parser and the route table's regular expressions recurse once per
        character: a 2,600-part Range touched 3.7 MB of a thread's stack, an 8 KB path 4.5 MB,
        and a thread keeps what it touched. 32 connections at once, each on a thread of its
        own, would pin over 100 MB."""
        svc = self.serve("--rate-limit", "0", "--max-connections-per-client", "64")
        evil_range = "bytes=" + ",".join(["0-"] * 2600)
        requests = [f"GET /assets/postsearch.js HTTP/1.1\r\nHost: x\r\nRange: {evil_range}\r\n\r\n",
                    f"GET /api/related/{'a' * 8000} HTTP/1.1\r\nHost: x\r\n\r\n"]
        for request, status in zip(requests, (416, 414)):
            before = rss_kib(svc.proc.pid)
            socks = [socket.create_connection(("127.0.0.1", svc.port), timeout=10) for _ in range(32)]
            try:
                for s in socks:  # all sent before any is answered: each holds a thread meanwhile
                    s.sendall(request.encode())
                for s in socks:
                    self.assertEqual(read_answers(s, 1, seconds=10), [status], request[:40])
            finally:
                for s in socks:
                    s.close()
            self.assertLess(rss_kib(svc.proc.pid) - before, 24 * 1024, request[:40])
        self.assertEqual(svc.request("GET", "/assets/postsearch.js", headers={"Range": "bytes=0-9"})[0], 206)

    def test_a_client_over_its_rate_is_answered_as_it_connects(self):
        """A client over its budget is refused on the accepting thread, before it sends anything:
        its flood of connections takes no worker thread."""
        svc = self.serve("--rate-limit", "0.05", "--rate-burst", "2")
        request = b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        self.assertEqual([status_of(raw(svc.port, request)) for _ in range(2)], [200, 200])
        s = socket.create_connection(("127.0.0.1", svc.port), timeout=5)
        self.addCleanup(s.close)
        answer = s.recv(4096)  # nothing sent: without the screening the server waits for a request
        self.assertEqual(status_of(answer), 429, answer[:200])
        self.assertIn(b"Retry-After: ", answer)
        self.assertIn(b"Connection: close", answer)
        self.assertEqual(json.loads(answer.split(b"\r\n\r\n", 1)[1])["error"]["code"], "rate_limited")
        # Another address is served.
        self.assertEqual(status_of(raw(svc.port, request, source="127.0.0.2")), 200)

    def test_an_ipv6_client_has_one_budget_for_its_whole_64(self):
        """A host is given a /64 and may send from any address in it: keyed per address, each
        new address was a fresh budget. Behind a trusted proxy the address is X-Forwarded-For's
        (the same key serves the connection counts and budgets of direct clients)."""
        svc = self.serve("--trust-proxy", "--rate-limit", "0.05", "--rate-burst", "2")

        def status(client):
            return svc.request("GET", "/healthz", headers={"X-Forwarded-For": client})[0]

        self.assertEqual([status("2001:db8:0:1::1"), status("2001:db8:0:1::2")], [200, 200])
        self.assertEqual(status("2001:db8:0:1:ffff::3"), 429, "another address of the same /64")
        self.assertEqual(status("2001:db8:0:2::1"), 200, "another /64 is another client")
        self.assertEqual([status("192.0.2.1"), status("192.0.2.1")], [200, 200])
        self.assertEqual(status("::ffff:192.0.2.1"), 429, "the same IPv4 client, written mapped")
        self.assertEqual(status("192.0.2.2"), 200)

    def test_requests_refused_before_routing_count_against_the_rate(self):
        """A Range header too long to parse is answered 416 by the connection layer, before the
        rate limiter sees the request; it still takes from the client's budget, so a client
        repeating it is soon refused as it connects. (One request in 20 s: a slow machine does
        not earn a new one while the test runs.)"""
        svc = self.serve("--rate-limit", "0.05", "--rate-burst", "3")
        evil = ("GET /assets/postsearch.js HTTP/1.1\r\nHost: x\r\nRange: bytes="
                + ",".join(["0-"] * 500) + "\r\n\r\n").encode()
        self.assertEqual([status_of(raw(svc.port, evil)) for _ in range(3)], [416] * 3)
        s = socket.create_connection(("127.0.0.1", svc.port), timeout=5)
        self.addCleanup(s.close)
        answer = s.recv(4096)
        self.assertEqual(status_of(answer), 429, answer[:200])

    def test_threads_of_a_burst_of_connections_end_when_idle(self):
        """Each connection runs on a thread of its own; after a burst, the threads it started end
        once idle (10 s), and with them the stack memory they touched."""
        svc = self.serve("--rate-limit", "0", "--keep-alive-ms", "1000", "--max-connections-per-client", "64")

        def threads():
            with open(f"/proc/{svc.proc.pid}/status") as f:
                return next(int(line.split()[1]) for line in f if line.startswith("Threads:"))

        quiet = threads()
        socks = [socket.create_connection(("127.0.0.1", svc.port), timeout=10) for _ in range(40)]
        try:
            for s in socks:
                s.sendall(b"GET /api/search?q=bread HTTP/1.1\r\nHost: x\r\n\r\n")
            for s in socks:
                self.assertEqual(read_answers(s, 1, seconds=10), [200])
            busy = threads()
        finally:
            for s in socks:
                s.close()
        self.assertGreaterEqual(busy, quiet + 30)
        deadline = time.monotonic() + 60
        while threads() > quiet + 4 and time.monotonic() < deadline:
            time.sleep(1)
        self.assertLessEqual(threads(), quiet + 4, (quiet, busy))
        self.assertEqual(svc.request("GET", "/healthz")[0], 200)

    def test_impossible_months_and_dates_name_their_parameter(self):
        svc = self.serve("--rate-limit", "0")
        for query, param in (("month=13", "month"), ("month=2023-13", "month"), ("after=2023-02-30", "after"),
                             ("before=2023-04-31", "before")):
            status, _, body = svc.get_json(f"/api/search?q=bread&{query}")
            self.assertEqual((status, body["error"]["param"]), (400, param), query)
        for query in ("month=2023-04", "after=2024-02-29", "before=2023-04-30"):
            self.assertEqual(svc.get_json(f"/api/search?q=bread&{query}")[0], 200, query)


if __name__ == "__main__":
    unittest.main(verbosity=2)
