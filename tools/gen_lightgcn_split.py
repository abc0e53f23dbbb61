#!/usr/bin/env python3
"""Write a LightGCN-format split (train.txt / test.txt: "user item item ...")
and a generic implicit TSV from a MovieLens directory, for trying the
research configs without the paper's datasets (docs/research.md).

Interactions are ratings >= 4; users and items are renumbered densely from 0
(in ascending MovieLens id order), as in the public LightGCN splits; each
user's interactions are split 80/20 at random (seed 2020; users with one
interaction keep it in train).

usage: tools/gen_lightgcn_split.py MOVIELENS_DIR OUT_DIR
"""
import collections
import csv
import os
import random
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    rng = random.Random(2020)
    pos = collections.defaultdict(list)
    rows = []
    with open(os.path.join(src, "ratings.csv"), newline="") as f:
        for r in csv.DictReader(f):
            if float(r["rating"]) >= 4.0:
                pos[int(r["userId"])].append(int(r["movieId"]))
                rows.append(r)
    users = sorted(pos)
    items = sorted({i for v in pos.values() for i in v})
    uid = {u: k for k, u in enumerate(users)}
    iid = {i: k for k, i in enumerate(items)}
    with open(os.path.join(out, "train.txt"), "w") as tr, \
            open(os.path.join(out, "test.txt"), "w") as te:
        for u in users:
            its = [iid[i] for i in pos[u]]
            rng.shuffle(its)
            n_test = max(1, round(0.2 * len(its))) if len(its) > 1 else 0
            test, train = its[:n_test], its[n_test:]
            tr.write(" ".join(map(str, [uid[u]] + sorted(train))) + "\n")
            if test:
                te.write(" ".join(map(str, [uid[u]] + sorted(test))) + "\n")
    with open(os.path.join(out, "interactions.tsv"), "w") as f:
        f.write("user\titem\tts\n")
        for r in rows:
            f.write("%s\t%s\t%s\n" % (r["userId"], r["movieId"], r["timestamp"]))


if __name__ == "__main__":
    main()
