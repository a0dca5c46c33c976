"""Reads an nmfbench export (runexp export) with pandas, pyarrow and numpy
and prints every table as canonical strings, for export_test.go to compare
with the database: floats as their IEEE bits in hex, NaN and null alike
as "null" (pandas holds both as NaN)."""
import json
import math
import os
import struct
import sys

import numpy as np
import pandas as pd

PANDAS_DTYPE = {"int32": "int32", "int64": "int64", "uint64": "uint64", "float64": "float64", "bool": "bool", "string": str}


def cell(x, typ):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "null"
    if typ == "float64":
        x = float(x)
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return "f" + hex(struct.unpack("<Q", struct.pack("<d", x))[0])
    if typ == "bool":
        return "b" + ("true" if bool(x) else "false")
    if typ == "string":
        return "s" + str(x)
    return "i" + str(int(x))


def na_values(cols):
    """What is missing in a CSV column: the empty field where the column is
    nullable, NaN in float columns; nothing else (a string "NA" is a string)."""
    out = {}
    for c in cols:
        v = [""] if c.get("nullable") else []
        if c["type"] == "float64":
            v.append("NaN")
        out[c["name"]] = v
    return out


def read(path, fmt, cols):
    if fmt == "parquet":
        import pyarrow.parquet as pq
        return pq.read_table(path).to_pylist()
    if fmt == "csv":
        df = pd.read_csv(path, dtype={c["name"]: PANDAS_DTYPE[c["type"]] for c in cols},
                         keep_default_na=False, na_values=na_values(cols))
    else:
        if os.path.getsize(path) == 0:
            return []
        df = pd.read_json(path, lines=True, dtype=False, convert_dates=False, precise_float=True)
    return df.to_dict("records")


def main(d):
    with open(os.path.join(d, "manifest.json")) as f:
        man = json.load(f)
    out = {}
    for t in man["tables"]:
        cols = t["columns"]
        rows = read(os.path.join(d, t["file"]), man["format"], cols)
        out[t["name"]] = ["|".join(cell(r[c["name"]], c["type"]) for c in cols) for r in rows]
        if t["name"] == "factors":
            out["npy"] = []
            for r in rows:
                a = np.load(os.path.join(d, r["npy"]))
                assert a.dtype == np.float64, a.dtype
                vals = ",".join(cell(v, "float64") for v in a.ravel(order="C").tolist())
                out["npy"].append("%s|%s|%s" % (r["npy"], a.shape, vals))
    json.dump(out, sys.stdout)


main(sys.argv[1])
