"""Helpers shared by the benchmark commands: the machine they ran on, timing with peak RSS."""
import os
import platform
import random
import re
import statistics
import subprocess
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def build_dir():
    return os.environ.get("POSTSEARCH_BUILD", os.path.join(ROOT, "build", "bench"))


def binary(*parts):
    path = os.path.abspath(os.path.join(build_dir(), *parts))
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


def title_queries(post_files, seed=7):
    """URL-encoded searches made of one to three words of each post's title, the last one typed
    half-way on some (completions), in a shuffled order: what readers of the site might ask."""
    rng = random.Random(seed)
    lines = []
    for p in post_files:
        with open(p, encoding="utf-8", errors="replace") as f:
            m = re.search(r"^title:\s*\"?(.+?)\"?\s*$", f.read(), re.M)
        words = re.findall(r"[A-Za-z]{3,}", m.group(1)) if m else []
        for _ in range(4 if words else 0):
            q = rng.sample(words, min(len(words), rng.choice([1, 2, 3])))
            if rng.random() < 0.3:
                q[-1] = q[-1][:max(2, len(q[-1]) // 2)]
            lines.append(urllib.parse.quote(" ".join(q)))
    rng.shuffle(lines)
    return lines or ["the"]


def site_posts(site):
    """The Markdown posts of a Jekyll site, sorted."""
    posts = os.path.join(site, "_posts")
    return sorted(os.path.join(posts, f) for f in os.listdir(posts) if f.endswith((".md", ".markdown")))
