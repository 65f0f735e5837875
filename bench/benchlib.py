"""Helpers shared by the benchmark commands: the machine they ran on, timing with peak RSS."""
import os
import platform
import re
import statistics
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def build_dir():
    return os.environ.get("POSTSEARCH_BUILD", os.path.join(ROOT, "build", "bench"))


def binary(*parts):
    path = os.path.join(build_dir(), *parts)
    if not os.path.exists(path):
        raise SystemExit(f"{path} not found: run bench/build.sh first (or set POSTSEARCH_BUILD)")
    return path


def machine():
    cpu = "unknown cpu"
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"model name\s*:\s*(.+)", f.read())
            cpu = m.group(1).strip() if m else cpu
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = os.getloadavg()[0]
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, {platform.system()} {platform.release()}, load {load:.2f}"


def timed(args, env=None):
    """Runs a command under GNU time; returns (seconds, peak_rss_bytes, stdout)."""
    start = time.monotonic()
    p = subprocess.run(["/usr/bin/time", "-f", "%M", *args], capture_output=True, text=True, env=env)
    seconds = time.monotonic() - start
    if p.returncode not in (0, 1):
        raise SystemExit(f"{args[0]} failed ({p.returncode}):\n{p.stderr[-2000:]}")
    rss_kb = int(p.stderr.strip().splitlines()[-1])
    return seconds, rss_kb * 1024, p.stdout


def median(xs):
    return statistics.median(xs)


def dir_bytes(path):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(root, f))
            except OSError:
                pass
    return total
