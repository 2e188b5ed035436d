#!/usr/bin/env python3
"""Corpus minimization: afl-showmap has written one coverage map per
input (lines `edge:hit-bucket`); keep a small set of inputs that together
reach every edge the queue reached (greedy set cover, the input adding
the most new edges first, the smaller on a tie). Hit-count buckets are
ignored, so the committed corpus stays small enough to replay in tests.

    scripts/cmin.py QUEUE_DIR MAPS_DIR OUT_DIR
"""
import os
import shutil
import sys


def main() -> int:
    queue, maps, out = sys.argv[1:4]
    cover: dict[str, tuple[int, set[str]]] = {}
    for name in sorted(os.listdir(maps)):
        src = os.path.join(queue, name)
        if not os.path.isfile(src):
            continue
        with open(os.path.join(maps, name)) as f:
            edges = {line.split(":")[0] for line in f if line.strip()}
        cover[name] = (os.path.getsize(src), edges)
    left = set().union(*(edges for _, edges in cover.values())) if cover else set()
    total = len(left)
    keep = []
    while left:
        name = max(cover, key=lambda n: (len(cover[n][1] & left), -cover[n][0]))
        keep.append(name)
        left -= cover[name][1]
    if not keep:
        print("cmin: no coverage recorded; corpus left as it was", file=sys.stderr)
        return 1
    os.makedirs(out, exist_ok=True)
    for i, name in enumerate(keep):
        shutil.copy(os.path.join(queue, name), os.path.join(out, f"id-{i:05}"))
    print(f"cmin: {len(keep)} of {len(cover)} inputs reach all {total} edges")
    return 0


if __name__ == "__main__":
    sys.exit(main())
