#!/usr/bin/env python3
"""Embed the MovieLens catalogue with a sentence encoder for the semantic plugin.

Writes the vectors file that `embeddings: vectors` loads (docs/semantic.md):

    offset  size         field
    0       8            magic b"RSEMBVEC"
    8       4            u32 version = 1
    12      4            u32 dtype = 1 (float32)
    16      4            u32 dim
    20      4            u32 reserved = 0
    24      8            u64 count
    32      8*count      int64 movieId per row
    ...     4*count*dim  float32 row-major vectors
    (little-endian; the file is exactly this long)

Each movie's text is "Title (year). Genres: a, b. Tags: ... . <overview>",
the overview coming from an optional CSV with movieId and text columns (extra
columns allowed), e.g. ../shared/data/movie-text/ml-latest-small_text.csv.

Requires `pip install sentence-transformers` and network access to the
Hugging Face hub on first use (the model, all-mpnet-base-v2 by default, is
downloaded and cached). It cannot run in the recsys build environment, which
has no model-hub access; the plugin's C loader is tested on generated files
instead (tests/semantic), including on this script's own output in
--fake-dim mode (hashed words, no model). --check validates a file.

Example:
    tools/embed_catalogue.py --movies data/ml-latest-small/movies.csv \\
        --tags data/ml-latest-small/tags.csv \\
        --text data/movie-text/ml-latest-small_text.csv \\
        --out work/mpnet.vec
then in the config:  params: {embeddings: vectors, vectors_file: work/mpnet.vec, dim: 768}
"""

import argparse
import csv
import math
import os
import re
import struct
import sys
import zlib
from array import array

MAGIC = b"RSEMBVEC"
VERSION = 1
DTYPE_F32 = 1
HEADER = struct.Struct("<8sIIIIQ")  # 32 bytes


def read_movies(path):
    """[(movieId, title, year, genres)] in file order."""
    movies = []
    with open(path, newline="", encoding="utf-8") as f:
        for line_no, row in enumerate(csv.DictReader(f), start=2):
            try:
                movie_id = int(row["movieId"])
            except (KeyError, ValueError):
                sys.exit(f"{path}:{line_no}: bad or missing movieId")
            title = (row.get("title") or "").strip()
            year = None
            m = re.match(r"^(.*)\s+\((\d{4})\)\s*$", title)
            if m:
                title, year = m.group(1), int(m.group(2))
            genres = row.get("genres") or ""
            genres = [] if genres == "(no genres listed)" else genres.split("|")
            movies.append((movie_id, title, year, genres))
    return movies


def read_column_map(path, value_col, join=None):
    """movieId -> text (joined with `join` when a movie has several rows)."""
    out = {}
    if not path:
        return out
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if "movieId" not in (reader.fieldnames or []) or value_col not in reader.fieldnames:
            sys.exit(f"{path}: needs movieId and {value_col} columns")
        for line_no, row in enumerate(reader, start=2):
            try:
                movie_id = int(row["movieId"])
            except ValueError:
                sys.exit(f"{path}:{line_no}: bad movieId")
            value = (row[value_col] or "").strip()
            if not value:
                continue
            if join and movie_id in out:
                out[movie_id] += join + value
            else:
                out[movie_id] = value
    return out


def movie_text(title, year, genres, tags, overview):
    parts = [f"{title} ({year})." if year else f"{title}."]
    if genres:
        parts.append("Genres: " + ", ".join(genres) + ".")
    if tags:
        parts.append("Tags: " + tags + ".")
    if overview:
        parts.append(overview)
    return " ".join(parts)


def write_vectors(path, ids, rows):
    """rows: a (count, dim) numpy array or a list of equal-length lists."""
    if sys.byteorder != "little":
        sys.exit("the vectors format is little-endian; run on a little-endian host")
    if hasattr(rows, "astype"):  # numpy, as sentence-transformers returns
        count, dim = rows.shape
        payload = rows.astype("<f4").tobytes()
        finite = bool(abs(rows).max() < float("inf")) and not (rows != rows).any()
    else:
        count, dim = len(rows), len(rows[0]) if rows else 0
        flat = array("f", (x for row in rows for x in row))
        payload = flat.tobytes()
        finite = all(math.isfinite(x) for x in flat)
    if len(ids) != count or count == 0 or dim == 0:
        sys.exit("internal error: empty output or id and vector counts differ")
    if not finite:
        sys.exit("encoder produced non-finite values")
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(HEADER.pack(MAGIC, VERSION, DTYPE_F32, dim, 0, count))
        f.write(array("q", ids).tobytes())
        f.write(payload)
    os.replace(tmp, path)


def fake_vectors(texts, dim):
    """Deterministic stand-in vectors (hashed word counts), for testing the
    file pipeline where no model can be downloaded. Not semantic quality."""
    rows = []
    for text in texts:
        row = [0.0] * dim
        for word in re.findall(r"\w+", text.lower()):
            h = zlib.crc32(word.encode("utf-8"))
            row[h % dim] += 1.0 if (h >> 16) & 1 else -1.0
        norm = math.sqrt(sum(x * x for x in row)) or 1.0
        if norm == 1.0 and not any(row):
            row[0] = 1.0
        rows.append([x / norm for x in row])
    return rows


def check_file(path):
    """Validate a vectors file's header, size and ids; print a summary."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        head = f.read(HEADER.size)
        if len(head) != HEADER.size:
            sys.exit(f"{path}: truncated header")
        magic, version, dtype, dim, reserved, count = HEADER.unpack(head)
        if magic != MAGIC or version != VERSION or dtype != DTYPE_F32 or reserved:
            sys.exit(f"{path}: not a version-{VERSION} float32 vectors file")
        want = HEADER.size + 8 * count + 4 * count * dim
        if size != want:
            sys.exit(f"{path}: {size} bytes, header needs {want}")
        ids = struct.unpack(f"<{count}q", f.read(8 * count))
        if len(set(ids)) != count:
            sys.exit(f"{path}: duplicate movie ids")
    print(f"{path}: {count} movies, dim {dim}: ok")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--movies", help="movies.csv (movieId,title,genres)")
    ap.add_argument("--tags", help="optional tags.csv (userId,movieId,tag,timestamp)")
    ap.add_argument("--text", help="optional plot text CSV (movieId,...,text)")
    ap.add_argument("--out", help="output vectors file")
    ap.add_argument("--model", default="sentence-transformers/all-mpnet-base-v2")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--device", default=None, help="cpu, cuda, ... (default: auto)")
    ap.add_argument("--check", metavar="FILE", help="only validate FILE and exit")
    ap.add_argument("--fake-dim", type=int, metavar="D",
                    help="write hashed bag-of-words vectors of dim D instead of "
                         "running a model (tests the file pipeline offline)")
    args = ap.parse_args()

    if args.check:
        check_file(args.check)
        return
    if not args.movies or not args.out:
        ap.error("--movies and --out are required")

    movies = read_movies(args.movies)
    tags = read_column_map(args.tags, "tag", join=" | ")
    overviews = read_column_map(args.text, "text")
    texts = [movie_text(t, y, g, tags.get(i, ""), overviews.get(i, ""))
             for i, t, y, g in movies]

    ids = [m[0] for m in movies]
    if args.fake_dim:
        write_vectors(args.out, ids, fake_vectors(texts, args.fake_dim))
        print(f"{args.out}: {len(movies)} movies, dim {args.fake_dim} (fake, hashed words)")
        return
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        sys.exit("sentence-transformers is not installed: pip install sentence-transformers")
    model = SentenceTransformer(args.model, device=args.device)
    vectors = model.encode(texts, batch_size=args.batch_size, show_progress_bar=True,
                           convert_to_numpy=True, normalize_embeddings=True)
    write_vectors(args.out, ids, vectors)
    print(f"{args.out}: {len(movies)} movies, dim {vectors.shape[1]} ({args.model})")


if __name__ == "__main__":
    main()
