#!/usr/bin/env python3
"""Writes the binary seed files of fuzz/corpus/ and the hybrid weights seeds
(the other text seeds are written by hand). Run from anywhere; the output
is committed, so this only needs rerunning when a format changes. CRCs are
left zero: the lgcn harness recomputes them.

The ease_artifact, lgcn_checkpoint, popularity_artifact and sem_encoder
seeds are not written here: each of those harnesses writes its own with the
plugin's real saver, e.g.
    FUZZ_WRITE_SEEDS=fuzz/corpus/ease_artifact build-fuzz/fuzz_ease_artifact
(their regress_* seeds are the inputs of the bugs they found)."""
import os
import struct

here = os.path.dirname(os.path.abspath(__file__))


def put(target, name, data):
    d = os.path.join(here, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def lgcn(users, items, dim, layers):
    nl = layers if layers > 0 else 1
    head = b"RSLGCN\r\n" + struct.pack("<IIIIIIIIfIQII", 1, 64, 0x01020304, dim, layers,
                                       len(users), len(items), nl, 3.5, 0, 4, 0, 0)
    assert len(head) == 64
    body = struct.pack("<%dq" % len(users), *users) + struct.pack("<%dq" % len(items), *items)
    body += struct.pack("<%dI" % len(items), *[1] * len(items))
    n_f = len(users) * dim + len(items) * dim + nl * len(items) * dim + dim * dim
    body += struct.pack("<%df" % n_f, *[0.25 + 0.01 * i for i in range(n_f)])
    return head + body


def vecfile(ids, dim):
    head = b"RSEMBVEC" + struct.pack("<IIIIQ", 1, 1, dim, 0, len(ids))
    body = struct.pack("<%dq" % len(ids), *ids)
    body += struct.pack("<%df" % (len(ids) * dim), *[1.0 + i for i in range(len(ids) * dim)])
    return head + body


# The tiny catalogue the harnesses load: users 1, 2; movies 1, 2, 3.
put("lgcn_artifact", "valid_k1", lgcn([1, 2], [1, 2, 3], 4, 1))
put("lgcn_artifact", "valid_k0", lgcn([1, 2], [1, 2, 3], 4, 0))
put("lgcn_artifact", "unknown_movie", lgcn([1], [1, 2, 99], 2, 2))
put("sem_vecfile", "valid", vecfile([1, 2, 3], 4))
put("sem_vecfile", "missing_row", vecfile([3, 1], 4))

# The hybrid's weights file, as rs_hybrid_weights_save writes it (version 2
# with the known-user line, and a version 1 file without it).
HYB_CHILDREN = "children ease=ease cf=lightgcn content=semantic popularity=popularity\n"
put("hybrid_weights", "valid_v2", (
    "recsys-hybrid-weights 2\n" + HYB_CHILDREN +
    "bucket 1 queries 193 ndcg 0.232900 weights 0.500000 0.000000 0.050000 0.450000\n"
    "bucket 5 queries 185 ndcg 0.348100 weights 0.600000 0.087500 0.012500 0.300000\n"
    "bucket 50 queries 54 ndcg nan weights 1.000000 0.000000 0.000000 0.000000\n"
    "known queries 596 ndcg 0.230100 weights 0.350000 0.575000 0.075000 0.000000\n").encode())
put("hybrid_weights", "valid_v1", (
    "recsys-hybrid-weights 1\n" + HYB_CHILDREN +
    "bucket 3 queries 10 ndcg 0.5 weights 0.25 0.25 0.25 0.25\n").encode())
