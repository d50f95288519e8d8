#!/usr/bin/python3
"""
compare_outputs.py - are two bodnaarplot outputs identical, table by table?

    /usr/bin/python3 scripts/compare_outputs.py A.gpkg B.gpkg
        [--layers candidates,gemeente_gap,facilities] [--sort-by SPEC]...
        [--no-walk-network] [--max-diffs N]

For every layer it compares
  - the schema: geometry type, CRS (WKT), FID and geometry column names, and
    the fields' names, order, types, subtypes, widths, precisions, nullability
    and defaults;
  - the feature count;
  - every row, in FID order (row i of A against row i of B, FIDs included),
    or keyed by a field with --sort-by: every field value exactly (NULL and
    unset are told apart from values and from each other; reals are equal
    only when their 64-bit patterns are, as read back: SQLite stores a REAL
    -0.0 as 0) and every geometry by byte-equality of its ISO WKB (an empty
    geometry is not NULL).  Geometry differences report the largest shift
    of the envelope.

Layers: candidates, gemeente_gap and facilities, plus walk_network when either
file has it (a walk_network in only one of them is a difference; skip it with
--no-walk-network).  run_info is never compared unless named in --layers: it
holds the time of the run.  --layers names exactly the layers to compare.

--sort-by SPEC (repeatable) pairs rows by a key instead of by position:
  FIELD[+FIELD...]          for every layer that has all these fields
  LAYER:FIELD[+FIELD...]    for that layer only
  auto                      the natural key of each known layer (candidates:
                            plot_id, gemeente_gap: gemeente_code, facilities:
                            category+source_fid, walk_network: edge_id,
                            run_info: key)
FIDs are then not compared; keys in only one file and duplicate keys are
reported.

Differences are reported per layer: what differs in the schema, the counts,
how many rows differ, per field how many rows differ (for reals also the
largest absolute difference), and the first --max-diffs (default 10) differing
rows with their key (plot_id, gemeente_code, ...) and every differing value.

Exit status: 0 identical, 1 different, 2 usage or I/O error (a file that does
not open, a layer named in --layers that neither file has).
Needs /usr/bin/python3 with the GDAL bindings (Debian: python3-gdal).
"""

import argparse
import math
import struct
import sys

try:
    from osgeo import gdal, ogr
except ImportError:  # pragma: no cover - depends on the interpreter
    sys.stderr.write("compare_outputs.py: the GDAL Python bindings are missing; "
                     "run it with /usr/bin/python3 (Debian package python3-gdal)\n")
    sys.exit(2)

gdal.UseExceptions()
ogr.UseExceptions()

DEFAULT_LAYERS = ["candidates", "gemeente_gap", "facilities"]
OPTIONAL_LAYER = "walk_network"
# natural keys: used to label differing rows, and by --sort-by auto
NATURAL_KEYS = {
    "candidates": ["plot_id"],
    "gemeente_gap": ["gemeente_code"],
    "facilities": ["category", "source_fid"],
    "walk_network": ["edge_id"],
    "run_info": ["key"],
}
MAX_FIELDS_PER_ROW = 12      # differing values printed per reported row


class UsageError(Exception):
    """Bad arguments or unreadable input: exit status 2."""


# ---------------------------------------------------------------- values

UNSET = "<unset>"
NULL = "<NULL>"


def _real_bits(x):
    return struct.pack("<d", x)


def make_reader(defn):
    """Returns read(feature) -> list of comparable values, one per field."""
    getters = []
    for i in range(defn.GetFieldCount()):
        t = defn.GetFieldDefn(i).GetType()
        if t in (ogr.OFTInteger, ogr.OFTInteger64):
            g = (lambda f, i=i: f.GetFieldAsInteger64(i))
        elif t == ogr.OFTReal:
            g = (lambda f, i=i: f.GetFieldAsDouble(i))
        elif t == ogr.OFTString:
            g = (lambda f, i=i: f.GetFieldAsString(i))
        elif t in (ogr.OFTDate, ogr.OFTTime, ogr.OFTDateTime):
            g = (lambda f, i=i: tuple(f.GetFieldAsDateTime(i)))
        elif t == ogr.OFTBinary:
            g = (lambda f, i=i: bytes(f.GetFieldAsBinary(i)))
        else:                        # list types and anything newer
            g = (lambda f, i=i: f.GetField(i))
        getters.append((i, g))

    def read(f):
        out = []
        for i, g in getters:
            if not f.IsFieldSet(i):
                out.append(UNSET)
            elif f.IsFieldNull(i):
                out.append(NULL)
            else:
                out.append(g(f))
        return out
    return read


def same_value(a, b):
    if type(a) is float and type(b) is float:
        return _real_bits(a) == _real_bits(b)       # exact: -0.0 != 0.0
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    return a == b


def show(v):
    if v is UNSET or v is NULL:
        return v
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, bytes):
        return "<%d bytes>" % len(v)
    s = repr(v)
    return s if len(s) <= 80 else s[:77] + "..."


def geometries(f, ngeom):
    out = []
    for k in range(ngeom):
        g = f.GetGeomFieldRef(k)
        out.append(None if g is None else bytes(g.ExportToIsoWkb(ogr.wkbNDR)))
    return out


def describe_geom(wkb):
    if wkb is None:
        return "NULL"
    g = ogr.CreateGeometryFromWkb(wkb)
    s = g.ExportToIsoWkt()
    return s if len(s) <= 100 else s[:97] + "..."


def geom_delta(wa, wb):
    """Largest coordinate difference, when both WKBs have the same shape."""
    if wa is None or wb is None or len(wa) != len(wb):
        return None
    ga, gb = ogr.CreateGeometryFromWkb(wa), ogr.CreateGeometryFromWkb(wb)
    try:
        if ga.GetGeometryType() != gb.GetGeometryType():
            return None
        ea, eb = ga.GetEnvelope(), gb.GetEnvelope()
        return max(abs(x - y) for x, y in zip(ea, eb))
    except Exception:
        return None


# ---------------------------------------------------------------- schema

def field_desc(fd):
    return {
        "name": fd.GetName(),
        "type": ogr.GetFieldTypeName(fd.GetType()),
        "subtype": ogr.GetFieldSubTypeName(fd.GetSubType()),
        "width": fd.GetWidth(),
        "precision": fd.GetPrecision(),
        "nullable": bool(fd.IsNullable()),
        "default": fd.GetDefault(),
    }


def fmt_field(d):
    t = d["type"] + ("(%s)" % d["subtype"] if d["subtype"] != "None" else "")
    extra = []
    if d["width"] or d["precision"]:
        extra.append("%d.%d" % (d["width"], d["precision"]))
    if not d["nullable"]:
        extra.append("NOT NULL")
    if d["default"] is not None:
        extra.append("DEFAULT %s" % d["default"])
    return "%s %s%s" % (d["name"], t, (" " + " ".join(extra)) if extra else "")


def layer_schema(lyr):
    defn = lyr.GetLayerDefn()
    geoms = []
    for k in range(defn.GetGeomFieldCount()):
        gfd = defn.GetGeomFieldDefn(k)
        srs = gfd.GetSpatialRef()
        geoms.append({
            "name": gfd.GetName(),
            "type": ogr.GeometryTypeToName(gfd.GetType()),
            "srs": srs.ExportToWkt() if srs is not None else None,
        })
    return {
        "fid_column": lyr.GetFIDColumn(),
        "geometry": geoms,
        "fields": [field_desc(defn.GetFieldDefn(i))
                   for i in range(defn.GetFieldCount())],
    }


def compare_schema(sa, sb):
    diffs = []
    if sa["fid_column"] != sb["fid_column"]:
        diffs.append("FID column: %r != %r" % (sa["fid_column"], sb["fid_column"]))
    if len(sa["geometry"]) != len(sb["geometry"]):
        diffs.append("geometry fields: %d != %d"
                     % (len(sa["geometry"]), len(sb["geometry"])))
    for ga, gb in zip(sa["geometry"], sb["geometry"]):
        for k in ("name", "type"):
            if ga[k] != gb[k]:
                diffs.append("geometry %s: %r != %r" % (k, ga[k], gb[k]))
        if ga["srs"] != gb["srs"]:
            diffs.append("geometry CRS differs (WKT):\n        A: %s\n        B: %s"
                         % ((ga["srs"] or "none")[:200], (gb["srs"] or "none")[:200]))
    na = [f["name"] for f in sa["fields"]]
    nb = [f["name"] for f in sb["fields"]]
    only_a = [n for n in na if n not in nb]
    only_b = [n for n in nb if n not in na]
    if only_a:
        diffs.append("fields only in A: " + ", ".join(only_a))
    if only_b:
        diffs.append("fields only in B: " + ", ".join(only_b))
    common_a = [n for n in na if n in nb]
    common_b = [n for n in nb if n in na]
    if common_a != common_b:
        first = next(i for i, (x, y) in enumerate(zip(common_a, common_b)) if x != y)
        diffs.append("field order differs from the %d. common field: A has %s, B has %s"
                     % (first + 1, common_a[first], common_b[first]))
    elif na != nb and not only_a and not only_b:
        diffs.append("field order differs")
    da = {f["name"]: f for f in sa["fields"]}
    db = {f["name"]: f for f in sb["fields"]}
    for n in common_a:
        if da[n] != db[n]:
            diffs.append("field definition: %s != %s" % (fmt_field(da[n]), fmt_field(db[n])))
    return diffs


# ---------------------------------------------------------------- rows

class LayerReport:
    def __init__(self, name):
        self.name = name
        self.notes = []            # informational, not differences
        self.schema = []           # schema differences
        self.count = None          # (count A, count B) when they differ
        self.rows_a = self.rows_b = 0
        self.rows_compared = 0
        self.rows_differing = 0
        self.keys_only_a = []      # --sort-by
        self.keys_only_b = []
        self.field_counts = {}     # field -> rows differing
        self.field_maxdelta = {}   # real field -> largest |a - b|
        self.examples = []         # first differing rows
        self.missing = None        # "A" / "B": layer only in the other file

    def different(self):
        return bool(self.schema or self.count or self.rows_differing
                    or self.keys_only_a or self.keys_only_b or self.missing)


class RowComparer:
    """Compares rows of two layers on their common fields."""

    def __init__(self, la, lb, report, max_diffs, compare_fid):
        self.report = report
        self.max_diffs = max_diffs
        self.compare_fid = compare_fid
        da, db = la.GetLayerDefn(), lb.GetLayerDefn()
        names_a = [da.GetFieldDefn(i).GetName() for i in range(da.GetFieldCount())]
        names_b = [db.GetFieldDefn(i).GetName() for i in range(db.GetFieldCount())]
        self.read_a, self.read_b = make_reader(da), make_reader(db)
        self.pairs = [(names_a.index(n), names_b.index(n), n)
                      for n in names_a if n in names_b]
        self.ngeom = min(da.GetGeomFieldCount(), db.GetGeomFieldCount())
        self.geom_names = [da.GetGeomFieldDefn(k).GetName() or "geometry"
                           for k in range(self.ngeom)]
        # the natural key labels differing rows (plot_id=..., edge_id=...)
        self.labels = [(k, names_a.index(k), names_b.index(k))
                       for k in NATURAL_KEYS.get(report.name, [])
                       if k in names_a and k in names_b]

    def label(self, fa, va, fb, vb, row):
        parts = ["row %d" % row] if row is not None else []
        fid_a, fid_b = fa.GetFID(), fb.GetFID()
        parts.append("fid %d" % fid_a if fid_a == fid_b else "fid A %d / B %d" % (fid_a, fid_b))
        for name, ia, ib in self.labels:
            ka, kb = va[ia], vb[ib]
            parts.append("%s=%s" % (name, show(ka)) if same_value(ka, kb)
                         else "%s=A %s / B %s" % (name, show(ka), show(kb)))
        return ", ".join(parts)

    def compare(self, fa, fb, row=None):
        r = self.report
        r.rows_compared += 1
        va, vb = self.read_a(fa), self.read_b(fb)
        diffs = []
        if self.compare_fid and fa.GetFID() != fb.GetFID():
            diffs.append(("<fid>", fa.GetFID(), fb.GetFID()))
        for ia, ib, name in self.pairs:
            a, b = va[ia], vb[ib]
            if not same_value(a, b):
                diffs.append((name, a, b))
        if self.ngeom:
            ga, gb = geometries(fa, self.ngeom), geometries(fb, self.ngeom)
            for k in range(self.ngeom):
                if ga[k] != gb[k]:
                    diffs.append(("<geometry %s>" % self.geom_names[k], ga[k], gb[k]))
        if not diffs:
            return
        r.rows_differing += 1
        for name, a, b in diffs:
            r.field_counts[name] = r.field_counts.get(name, 0) + 1
            if isinstance(a, float) and isinstance(b, float):
                d = abs(a - b)
                if not math.isnan(d) and d > r.field_maxdelta.get(name, -1.0):
                    r.field_maxdelta[name] = d
            elif name.startswith("<geometry"):
                d = geom_delta(a, b)
                if d is not None and d > r.field_maxdelta.get(name, -1.0):
                    r.field_maxdelta[name] = d
        if len(r.examples) < self.max_diffs:
            lines = []
            for name, a, b in diffs[:MAX_FIELDS_PER_ROW]:
                if name.startswith("<geometry"):
                    lines.append("%s: A %s | B %s" % (name, describe_geom(a), describe_geom(b)))
                elif isinstance(a, float) and isinstance(b, float):
                    lines.append("%s: %r != %r (diff %.3g)" % (name, a, b, b - a))
                else:
                    lines.append("%s: %s != %s" % (name, show(a), show(b)))
            if len(diffs) > MAX_FIELDS_PER_ROW:
                lines.append("... and %d more differing values"
                             % (len(diffs) - MAX_FIELDS_PER_ROW))
            r.examples.append((self.label(fa, va, fb, vb, row), lines))


def iter_by_fid(lyr, ignored=()):
    """Features in ascending FID order.  The GPKG driver reads them so; a
    layer read in another order is sorted and fetched with GetFeature.
    `ignored` are the ignored fields the caller has set (kept)."""
    lyr.SetIgnoredFields(ignore_all(lyr))
    lyr.ResetReading()
    fids = [f.GetFID() for f in lyr]
    lyr.SetIgnoredFields(list(ignored))
    lyr.ResetReading()
    if all(x < y for x, y in zip(fids, fids[1:])):
        n = 0
        for f in lyr:
            n += 1
            yield f
        if n != len(fids):
            raise RuntimeError("layer %s: %d features on the first read, %d on the second"
                               % (lyr.GetName(), len(fids), n))
    else:
        for fid in sorted(fids):
            yield lyr.GetFeature(fid)


def ignore_all(lyr):
    defn = lyr.GetLayerDefn()
    names = [defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())]
    names += [defn.GetGeomFieldDefn(k).GetName() for k in range(defn.GetGeomFieldCount())]
    return names + ["OGR_GEOMETRY", "OGR_STYLE"]


def feature_count(lyr):
    n = lyr.GetFeatureCount(force=1)
    return n


def compare_positional(la, lb, report, max_diffs):
    cmp = RowComparer(la, lb, report, max_diffs, compare_fid=True)
    ia, ib = iter_by_fid(la), iter_by_fid(lb)
    row = 0
    while True:
        fa = next(ia, None)
        fb = next(ib, None)
        if fa is None or fb is None:
            break
        row += 1
        cmp.compare(fa, fb, row)
    report.rows_a = row + (1 if fa is not None else 0) + sum(1 for _ in ia)
    report.rows_b = row + (1 if fb is not None else 0) + sum(1 for _ in ib)


def key_index(lyr, key_fields):
    """key tuple -> list of FIDs (in FID order)."""
    defn = lyr.GetLayerDefn()
    idx = [defn.GetFieldIndex(k) for k in key_fields]
    keep = set(key_fields)
    lyr.SetIgnoredFields([n for n in ignore_all(lyr) if n not in keep])
    read = make_reader(defn)
    out = {}
    order = []
    try:
        for f in iter_by_fid(lyr, [n for n in ignore_all(lyr) if n not in keep]):
            v = read(f)
            k = tuple(v[i] for i in idx)
            if k not in out:
                out[k] = []
                order.append(k)
            out[k].append(f.GetFID())
    finally:
        lyr.SetIgnoredFields([])
        lyr.ResetReading()
    return out, order


def fmt_key(key_fields, k):
    return ", ".join("%s=%s" % (n, show(v)) for n, v in zip(key_fields, k))


def compare_keyed(la, lb, report, max_diffs, key_fields):
    cmp = RowComparer(la, lb, report, max_diffs, compare_fid=False)
    ka, order_a = key_index(la, key_fields)
    kb, order_b = key_index(lb, key_fields)
    report.rows_a = sum(len(v) for v in ka.values())
    report.rows_b = sum(len(v) for v in kb.values())
    dup_a = sum(1 for v in ka.values() if len(v) > 1)
    dup_b = sum(1 for v in kb.values() if len(v) > 1)
    if dup_a or dup_b:
        report.notes.append("key %s is not unique (A: %d, B: %d duplicated keys): "
                            "duplicates are paired in FID order"
                            % ("+".join(key_fields), dup_a, dup_b))
    for k in order_a:
        fids_a, fids_b = ka[k], kb.get(k, [])
        for j, fid in enumerate(fids_a):
            if j >= len(fids_b):
                report.keys_only_a.append(fmt_key(key_fields, k))
                continue
            cmp.compare(la.GetFeature(fid), lb.GetFeature(fids_b[j]))
        for j in range(len(fids_a), len(fids_b)):
            report.keys_only_b.append(fmt_key(key_fields, k))
    for k in order_b:
        if k not in ka:
            report.keys_only_b.extend([fmt_key(key_fields, k)] * len(kb[k]))


# ---------------------------------------------------------------- driver

def parse_sort_specs(specs):
    """-> (global specs [[fields]], per-layer {layer: [fields]}, auto?)"""
    glob, per, auto = [], {}, False
    for s in specs or []:
        s = s.strip()
        if s == "auto":
            auto = True
            continue
        layer = None
        if ":" in s:
            layer, s = s.split(":", 1)
            layer = layer.strip()
        fields = [x.strip() for x in s.split("+") if x.strip()]
        if not fields or (layer is not None and not layer):
            raise UsageError("bad --sort-by %r (FIELD[+FIELD...] or LAYER:FIELD[+FIELD...])" % s)
        if layer is None:
            glob.append(fields)
        else:
            per[layer] = fields
    return glob, per, auto


def sort_key_for(layer, field_names_a, field_names_b, sort_specs):
    glob, per, auto = sort_specs
    if layer in per:
        missing = [k for k in per[layer] if k not in field_names_a or k not in field_names_b]
        if missing:
            raise UsageError("--sort-by %s:%s: layer %s lacks field %s in %s"
                             % (layer, "+".join(per[layer]), layer, ", ".join(missing),
                                "A" if missing[0] not in field_names_a else "B"))
        return per[layer]
    for fields in glob:
        if all(k in field_names_a and k in field_names_b for k in fields):
            return fields
    if auto and layer in NATURAL_KEYS and \
            all(k in field_names_a and k in field_names_b for k in NATURAL_KEYS[layer]):
        return NATURAL_KEYS[layer]
    return None


def field_names(lyr):
    d = lyr.GetLayerDefn()
    return [d.GetFieldDefn(i).GetName() for i in range(d.GetFieldCount())]


def compare_layer(dsa, dsb, name, args, sort_specs):
    rep = LayerReport(name)
    la = dsa.GetLayerByName(name)
    lb = dsb.GetLayerByName(name)
    if la is None or lb is None:
        rep.missing = "B" if la is not None else "A"
        return rep
    rep.schema = compare_schema(layer_schema(la), layer_schema(lb))
    if args.allow_new_fields:  # fields B adds are reported, not a difference
        rep.notes += ["B adds " + d[len("fields only in B: "):] for d in rep.schema
                      if d.startswith("fields only in B: ")]
        rep.schema = [d for d in rep.schema if not d.startswith("fields only in B: ")]
    key = sort_key_for(name, field_names(la), field_names(lb), sort_specs)
    if key is None:
        if sort_specs[0] or sort_specs[1]:
            rep.notes.append("compared by position: no --sort-by key applies to this layer")
        compare_positional(la, lb, rep, args.max_diffs)
    else:
        rep.notes.append("rows paired by key " + "+".join(key))
        compare_keyed(la, lb, rep, args.max_diffs, key)
    # the counts the driver reports must agree with what was read
    ca, cb = feature_count(la), feature_count(lb)
    if ca != rep.rows_a:
        rep.notes.append("A: driver reports %d features, %d read" % (ca, rep.rows_a))
    if cb != rep.rows_b:
        rep.notes.append("B: driver reports %d features, %d read" % (cb, rep.rows_b))
    if rep.rows_a != rep.rows_b:
        rep.count = (rep.rows_a, rep.rows_b)
    return rep


def print_report(rep, max_diffs):
    p = print
    if rep.missing:
        p("%s: DIFFERENT - layer only in %s" % (rep.name, "A" if rep.missing == "B" else "B"))
        return
    if not rep.different():
        p("%s: identical (%d rows)" % (rep.name, rep.rows_a))
        for n in rep.notes:
            p("    note: " + n)
        return
    p("%s: DIFFERENT" % rep.name)
    for n in rep.notes:
        p("    note: " + n)
    for d in rep.schema:
        p("    schema: " + d)
    if rep.count:
        p("    feature count: A %d, B %d" % rep.count)
    for side, keys in (("A", rep.keys_only_a), ("B", rep.keys_only_b)):
        if keys:
            p("    %d keys only in %s, first: %s" % (len(keys), side, "; ".join(keys[:5])))
    if rep.rows_differing:
        p("    %d of %d compared rows differ" % (rep.rows_differing, rep.rows_compared))
        p("    differing values per field (rows; largest absolute difference):")
        for name, n in sorted(rep.field_counts.items(), key=lambda kv: (-kv[1], kv[0])):
            d = rep.field_maxdelta.get(name)
            p("      %-28s %8d%s" % (name, n, "" if d is None else "   max |diff| %.6g" % d))
        keys = NATURAL_KEYS.get(rep.name, [])
        if not any(n.startswith("rows paired") for n in rep.notes) and \
                any(k in rep.field_counts for k in keys):
            p("    hint: the rows' keys (%s) differ by position; --sort-by auto pairs "
              "rows by key" % "+".join(keys))
        if rep.examples:
            p("    first %d differing rows (A != B):" % len(rep.examples))
            for label, lines in rep.examples:
                p("      [%s]" % label)
                for line in lines:
                    p("          " + line)


def open_ds(path):
    try:
        ds = gdal.OpenEx(path, gdal.OF_VECTOR | gdal.OF_READONLY)
    except RuntimeError as e:
        raise UsageError("cannot open %s: %s" % (path, e))
    if ds is None:
        raise UsageError("cannot open %s" % path)
    return ds


def layer_names(ds):
    return [ds.GetLayer(i).GetName() for i in range(ds.GetLayerCount())]


def main(argv):
    ap = argparse.ArgumentParser(
        prog="compare_outputs.py",
        description="Compare the tables of two bodnaarplot outputs exactly "
                    "(exit 0 identical, 1 different, 2 usage/IO error).",
        epilog="See the head of this script for details.")
    ap.add_argument("a", metavar="A.gpkg")
    ap.add_argument("b", metavar="B.gpkg")
    ap.add_argument("--layers", help="comma-separated layers to compare, exactly these "
                    "(default: candidates,gemeente_gap,facilities and walk_network when present)")
    ap.add_argument("--sort-by", action="append", metavar="SPEC",
                    help="pair rows by key instead of position: FIELD[+FIELD...], "
                    "LAYER:FIELD[+FIELD...] or auto; repeatable")
    ap.add_argument("--allow-new-fields", action="store_true",
                    help="fields only B has are noted, not a difference (B adds columns, "
                         "the common ones must be identical)")
    ap.add_argument("--no-walk-network", action="store_true",
                    help="do not compare walk_network (default: compare it when either file has it)")
    ap.add_argument("--max-diffs", type=int, default=10, metavar="N",
                    help="differing rows to show per layer (default 10)")
    args = ap.parse_args(argv)
    if args.max_diffs < 0:
        ap.error("--max-diffs must be >= 0")

    try:
        sort_specs = parse_sort_specs(args.sort_by)
        dsa, dsb = open_ds(args.a), open_ds(args.b)
        names_a, names_b = layer_names(dsa), layer_names(dsb)
        if args.layers is not None:
            layers = [x.strip() for x in args.layers.split(",") if x.strip()]
            if not layers:
                raise UsageError("--layers names no layer")
        else:
            layers = list(DEFAULT_LAYERS)
            if not args.no_walk_network and (OPTIONAL_LAYER in names_a or OPTIONAL_LAYER in names_b):
                layers.append(OPTIONAL_LAYER)
        for name in layers:
            if name not in names_a and name not in names_b:
                raise UsageError("layer %s is in neither %s nor %s" % (name, args.a, args.b))
        print("comparing A=%s and B=%s: %s" % (args.a, args.b, ", ".join(layers)))
        reports = []
        for name in layers:
            rep = compare_layer(dsa, dsb, name, args, sort_specs)
            print_report(rep, args.max_diffs)
            reports.append(rep)
    except UsageError as e:
        sys.stderr.write("compare_outputs.py: %s\n" % e)
        return 2
    except RuntimeError as e:            # GDAL errors while reading
        sys.stderr.write("compare_outputs.py: reading failed: %s\n" % e)
        return 2

    bad = [r.name for r in reports if r.different()]
    if bad:
        print("RESULT: DIFFERENT (%s)" % ", ".join(bad))
        return 1
    print("RESULT: identical (%s)" % ", ".join(r.name for r in reports))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
