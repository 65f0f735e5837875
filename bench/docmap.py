#!/usr/bin/env python3
"""Prints "path<TAB>docid" for every Markdown post under ROOT: docid is the front-matter
`id:` when there is one (as the judged collections name documents), else the path.
    bench/docmap.py ROOT"""
import os
import re
import sys

ID = re.compile(r'^id:\s*"?([^"\n]+?)"?\s*$', re.M)


def main(root):
    for dirpath, dirs, files in os.walk(root):
        dirs.sort()
        for f in sorted(files):
            if not f.endswith((".md", ".markdown")):
                continue
            path = os.path.join(dirpath, f)
            rel = os.path.relpath(path, root)
            with open(path, "rb") as fh:
                head = fh.read(4096).decode("utf-8", "replace")
            m = ID.search(head.split("\n---", 1)[0]) if head.startswith("---") else None
            docid = m.group(1) if m else re.sub(r"\s", "_", rel)
            print(f"{rel}\t{docid}")


if __name__ == "__main__":
    main(sys.argv[1])
