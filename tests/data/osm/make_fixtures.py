#!/usr/bin/python3
"""make_fixtures.py — writes the walking-network fixtures of this folder.

One small OpenStreetMap XML file per walkability rule (layers/walkability.yaml),
near lon 4.37, lat 52.0 (Delft).  Every node is laid out in whole metres of
EPSG:28992 (RD New) from one origin and stored as lon/lat rounded to 1e-7
degrees, as OSM does; the expected distances are then computed from those
stored coordinates, transformed back to EPSG:28992 with GDAL/PROJ (osgeo.osr,
traditional GIS axis order, as bodnaarplot does), along a path written out
by hand for each case.  Each file starts with a comment whose `expect:` block
is YAML:

  graph:      vertices, edges, ways (and relations) of the network as built
              from the ways (every OSM node of a walkable way is a vertex;
              every pair of consecutive nodes an edge); areas add their mesh
              edges on top
  walk / rollator:  walking distance (rollator: effort-weighted cost) in metres
              between named nodes, "unreachable" when there is none
  today:      what the current implementation gives, where it differs

Run it from anywhere: tests/data/osm/make_fixtures.py  (Debian python3-gdal).
"""
import math
import os

from osgeo import osr

HERE = os.path.dirname(os.path.abspath(__file__))

wgs = osr.SpatialReference()
wgs.ImportFromEPSG(4326)
wgs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
rd = osr.SpatialReference()
rd.ImportFromEPSG(28992)
rd.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
to_rd = osr.CoordinateTransformation(wgs, rd)
to_wgs = osr.CoordinateTransformation(rd, wgs)

ox, oy, _ = to_rd.TransformPoint(4.37, 52.0)
ox, oy = round(ox), round(oy)  # origin in whole RD metres


class Fixture:
    def __init__(self, name, title, rule, source):
        self.name, self.title, self.rule, self.source = name, title, rule, source
        self.nodes = {}   # letter -> (id, lon, lat, x, y, tags)
        self.ways = []    # (id, [letters], tags)
        self.rels = []    # (id, [(type, ref, role)], tags)
        self.expect = []  # lines of the expect block
        self.next_id = 1

    def node(self, letter, dx, dy, **tags):
        lon, lat, _ = to_wgs.TransformPoint(ox + dx, oy + dy)
        lon, lat = round(lon, 7), round(lat, 7)
        x, y, _ = to_rd.TransformPoint(lon, lat)
        self.nodes[letter] = (self.next_id, lon, lat, x, y, tags)
        self.next_id += 1

    def way(self, letters, **tags):
        wid = 100 + len(self.ways) + 1
        self.ways.append((wid, letters, tags))
        return wid

    def rel(self, members, **tags):
        rid = 1000 + len(self.rels) + 1
        self.rels.append((rid, members, tags))
        return rid

    def d(self, a, b):
        _, _, _, xa, ya, _ = self.nodes[a]
        _, _, _, xb, yb, _ = self.nodes[b]
        return math.hypot(xa - xb, ya - yb)

    def path(self, *steps):
        """steps: letters, or (letter, factor) for the segment ending there"""
        total, prev = 0.0, None
        for s in steps:
            letter, f = (s, 1.0) if isinstance(s, str) else s
            if prev is not None:
                total += f * self.d(prev, letter)
            prev = letter
        return total

    def graph(self, walkable_ways, extra="", rings=()):
        """counts of the walkable ways, given by their index (0-based); rings:
        the member ways of walkable multipolygon relations (their edges count,
        they are no ways of their own)"""
        vs, es = set(), 0
        for i in list(walkable_ways) + list(rings):
            letters = self.ways[i][1]
            vs.update(letters)
            es += len(letters) - 1
        rel = ", relations: %d" % len(self.rels) if rings else ""
        self.expect.append("  graph: {vertices: %d, edges: %d, ways: %d%s}%s"
                           % (len(vs), es, len(walkable_ways), rel, ("  # " + extra) if extra else ""))

    def dist(self, profile, pairs):
        self.expect.append("  %s:" % profile)
        for (a, b), v, why in pairs:
            val = "unreachable" if v is None else "%.3f" % v
            self.expect.append("    %s-%s: %s%s" % (a, b, val, ("   # " + why) if why else ""))

    def line(self, text):
        self.expect.append(text)

    def write(self):
        esc = lambda s: (str(s).replace("&", "&amp;").replace('"', "&quot;")
                         .replace("<", "&lt;").replace(">", "&gt;"))
        out = ['<?xml version="1.0" encoding="UTF-8"?>', "<!--"]
        out.append("  %s: %s" % (self.name, self.title))
        out.append("")
        for l in self.rule.strip("\n").split("\n"):
            out.append("  " + l if l else "")
        out.append("")
        out.append("  Source: %s" % self.source)
        out.append("  Coordinates: metres of EPSG:28992 from the origin (%d, %d) = lon 4.37, lat 52.0;"
                   % (ox, oy))
        out.append("  named nodes (x, y in EPSG:28992 after rounding lon/lat to 1e-7):")
        for letter, (nid, lon, lat, x, y, tags) in self.nodes.items():
            out.append("    %-3s node %-3d  %.3f %.3f" % (letter, nid, x, y))
        out.append("  Distances are sums of straight segments in EPSG:28992 along the path named")
        out.append("  beside each; rollator costs count rough edges 1.5 times (layers/walkability.yaml).")
        out.append("  Compare within 0.01 m (coordinates are stored to 1e-7 degrees, about 1 cm).")
        out.append("  Plots and facilities stand on the named nodes; the snap tolerance is 10 m")
        out.append("  unless the block sets snap_tolerance_m.")
        out.append("")
        out.append("expect:")
        out += self.expect
        assert not any("--" in l for l in out[2:]), self.name + ": '--' in an XML comment"
        out.append("-->")
        out.append('<osm version="0.6" generator="tests/data/osm/make_fixtures.py">')
        for letter, (nid, lon, lat, x, y, tags) in self.nodes.items():
            tags = dict({"name": letter}, **tags)
            out.append('  <node id="%d" version="1" lat="%.7f" lon="%.7f">' % (nid, lat, lon))
            for k, v in tags.items():
                out.append('    <tag k="%s" v="%s"/>' % (esc(k), esc(v)))
            out.append("  </node>")
        for wid, letters, tags in self.ways:
            out.append('  <way id="%d" version="1">' % wid)
            for l in letters:
                out.append('    <nd ref="%d"/>' % self.nodes[l][0])
            for k, v in tags.items():
                out.append('    <tag k="%s" v="%s"/>' % (esc(k.replace("__", ":")), esc(v)))
            out.append("  </way>")
        for rid, members, tags in self.rels:
            out.append('  <relation id="%d" version="1">' % rid)
            for ty, ref, role in members:
                out.append('    <member type="%s" ref="%d" role="%s"/>' % (ty, ref, role))
            for k, v in tags.items():
                out.append('    <tag k="%s" v="%s"/>' % (esc(k), esc(v)))
            out.append("  </relation>")
        out.append("</osm>")
        with open(os.path.join(HERE, self.name + ".osm"), "w") as f:
            f.write("\n".join(out) + "\n")


fixtures = []


def fx(*a):
    f = Fixture(*a)
    fixtures.append(f)
    return f


# ---------------------------------------------------------------------------------
f = fx("first_way", "two footways in a row: the first way must not be lost",
       "A-B and B-C are footways sharing node B.  Every walkable way counts, the first\n"
       "one read included (known bug: \"3 nodes, 1 edges from 2 ways\": the start of the\n"
       "first way's node list is never set, so its edges are dropped).",
       "README, Walking distances")
f.node("A", 0, 0); f.node("B", 100, 0); f.node("C", 100, 80)
f.way("AB", highway="footway"); f.way("BC", highway="footway")
f.graph([0, 1])
f.dist("walk", [(("A", "C"), f.path("A", "B", "C"), "A B C")])
f.dist("rollator", [(("A", "C"), f.path("A", "B", "C"), "A B C")])

# ---------------------------------------------------------------------------------
f = fx("cycleway_no_foot", "a fietspad without a foot tag is walkable",
       "B-C is highway=cycleway with moped=no and no foot tag (a Dutch fietspad).\n"
       "Pedestrians use the fietspad where there is no trottoir or voetpad (RVV 1990\n"
       "art. 4 lid 2): walkable, like footways A-B and C-D.",
       "RVV 1990 art. 4(2); GraphHopper FootAccessParser (cycleway allowed)")
f.node("A", 0, 0); f.node("B", 120, 0); f.node("C", 240, 30); f.node("D", 360, 30)
f.way("AB", highway="footway"); f.way("BC", highway="cycleway", moped="no", segregated="no")
f.way("CD", highway="footway")
f.graph([0, 1, 2])
f.dist("walk", [(("A", "D"), f.path("A", "B", "C", "D"), "A B C D")])
f.dist("rollator", [(("A", "D"), f.path("A", "B", "C", "D"), "A B C D")])

# ---------------------------------------------------------------------------------
f = fx("cycleway_foot_no", "a cycleway with foot=no is not walkable",
       "As cycleway_no_foot, but B-C has foot=no (sign G12a with \"verboden voor\n"
       "voetgangers\", or a mapped prohibition): not part of the network.",
       "OSRM foot.lua access_tags_hierarchy (foot first); OSM wiki Key:foot")
f.node("A", 0, 0); f.node("B", 120, 0); f.node("C", 240, 30); f.node("D", 360, 30)
f.way("AB", highway="footway"); f.way("BC", highway="cycleway", foot="no")
f.way("CD", highway="footway")
f.graph([0, 2])
f.dist("walk", [(("A", "B"), f.path("A", "B"), "A B"), (("A", "D"), None, "B-C closed")])
f.dist("rollator", [(("A", "D"), None, "B-C closed")])

# ---------------------------------------------------------------------------------
f = fx("primary", "a primary road without foot tag is walkable",
       "B-C is highway=primary with no foot, sidewalk or motorroad tag.  OSRM's foot\n"
       "profile walks primary roads; in the Netherlands pedestrians may walk at the\n"
       "edge of the carriageway where trottoir, voetpad and fietspad are missing\n"
       "(RVV 1990 art. 4 lid 3).",
       "OSRM profiles/foot.lua (speeds.highway.primary); RVV 1990 art. 4(3)")
f.node("A", 0, 0); f.node("B", 100, 0); f.node("C", 300, 0); f.node("D", 400, 0)
f.way("AB", highway="footway"); f.way("BC", highway="primary", name="Kruisweg")
f.way("CD", highway="footway")
f.graph([0, 1, 2])
f.dist("walk", [(("A", "D"), f.path("A", "B", "C", "D"), "A B C D")])
f.dist("rollator", [(("A", "D"), f.path("A", "B", "C", "D"), "A B C D")])

# ---------------------------------------------------------------------------------
f = fx("primary_use_sidepath", "foot=use_sidepath: walk the parallel footway",
       "B-C is a primary road with foot=use_sidepath: a compulsory footway runs beside\n"
       "it, mapped separately (B-E-F-C, footway=sidewalk).  The road itself is not\n"
       "walked; the route from A to D takes the sidewalk, 30 m longer.",
       "OSM wiki Key:foot (use_sidepath); OSRM features/foot/use_sidepath.feature")
f.node("A", 0, 0); f.node("B", 100, 0); f.node("C", 300, 0); f.node("D", 400, 0)
f.node("E", 100, 15); f.node("F", 300, 15)
f.way("AB", highway="footway"); f.way("BC", highway="primary", foot="use_sidepath")
f.way("CD", highway="footway"); f.way("BEFC", highway="footway", footway="sidewalk")
f.graph([0, 2, 3])
f.dist("walk", [(("A", "D"), f.path("A", "B", "E", "F", "C", "D"), "A B E F C D, not over the road")])
f.dist("rollator", [(("A", "D"), f.path("A", "B", "E", "F", "C", "D"), "A B E F C D")])

# ---------------------------------------------------------------------------------
f = fx("motorroad", "an autoweg (motorroad=yes) is not walkable",
       "B-C is highway=primary with motorroad=yes (sign G3, autoweg): closed to\n"
       "pedestrians; the walk from A to D takes the footway B-E-C.",
       "RVV 1990 §15 (art. 42-43); GraphHopper FootAccessParser (motorroad=yes);"
       " OSRM features/foot/countrymotorroad.feature")
f.node("A", 0, 0); f.node("B", 100, 0); f.node("C", 300, 0); f.node("D", 400, 0)
f.node("E", 200, -100)
f.way("AB", highway="footway"); f.way("BC", highway="primary", motorroad="yes")
f.way("CD", highway="footway"); f.way("BEC", highway="footway")
f.graph([0, 2, 3])
f.dist("walk", [(("A", "D"), f.path("A", "B", "E", "C", "D"), "A B E C D")])
f.dist("rollator", [(("A", "D"), f.path("A", "B", "E", "C", "D"), "A B E C D")])

# ---------------------------------------------------------------------------------
f = fx("trunk_sidewalk", "a trunk road is walkable only with a sidewalk tag",
       "B-C: trunk with sidewalk=both; C-F: trunk_link with sidewalk:right=yes: both\n"
       "walkable.  C-D: trunk with sidewalk=separate (the sidewalk, if any, is another\n"
       "way): not walkable, so D-E is cut off.",
       "GraphHopper FootAccessParser and OSMSidewalkParser (sidewalk, sidewalk:left,"
       " :right, :both); OSRM foot.lua (no trunk speed); OSM wiki Key:sidewalk")
f.node("A", 0, 0); f.node("B", 100, 0); f.node("C", 300, 0); f.node("D", 500, 0)
f.node("E", 600, 0); f.node("F", 300, 150)
f.way("AB", highway="footway"); f.way("BC", highway="trunk", sidewalk="both")
f.way("CF", highway="trunk_link", sidewalk__right="yes")
f.way("CD", highway="trunk", sidewalk="separate"); f.way("DE", highway="footway")
f.graph([0, 1, 2, 4])
f.dist("walk", [(("A", "F"), f.path("A", "B", "C", "F"), "A B C F"), (("A", "E"), None, "C-D closed")])
f.dist("rollator", [(("A", "F"), f.path("A", "B", "C", "F"), "A B C F")])

# ---------------------------------------------------------------------------------
f = fx("private_destination", "access=private: only where a walk starts or ends",
       "A-B-C is a service road with access=private (a campus road, the paths of a\n"
       "care complex).  Decision (layers/walkability.yaml, walk: endpoint): such a\n"
       "way carries a walk that starts or ends on it (the plot or the facility is\n"
       "there), but is never a shortcut in the middle of a walk.  The public way\n"
       "round is A-F-G-C.  S and H are on public footways; B only on the private road.\n"
       "A walk may leave a private zone for the public network and enter a private\n"
       "zone again at its end, but not the other way round.",
       "design choice (OSRM foot and GraphHopper drop access=private, which strands\n"
       "  plots on campus roads; OSRM car.lua allows restricted ways at the ends only)")
f.node("S", -100, 0); f.node("A", 0, 0); f.node("B", 100, 0); f.node("C", 200, 0)
f.node("H", 300, 0); f.node("F", 0, -150); f.node("G", 200, -150)
f.way("SA", highway="footway"); f.way("ABC", highway="service", access="private")
f.way("AFGC", highway="footway"); f.way("CH", highway="footway")
f.graph([0, 1, 2, 3])
f.dist("walk", [(("S", "H"), f.path("S", "A", "F", "G", "C", "H"), "S A F G C H: not through A B C"),
                (("S", "B"), f.path("S", "A", "B"), "S A B: ends on the private road"),
                (("B", "H"), f.path("B", "C", "H"), "B C H: starts on the private road")])
f.dist("rollator", [(("S", "H"), f.path("S", "A", "F", "G", "C", "H"), "S A F G C H")])

# ---------------------------------------------------------------------------------
f = fx("private_enclosed", "a public path between private roads is private ground",
       "M1-M2 is a public footway of 1,200 m.  From M2 a campus road M2-X\n"
       "(access=private) leads to a public path X-Y of 50 m, and from Y a second\n"
       "private road Y-Z.  X-Y can be reached only over private roads, so it is\n"
       "private ground too: a walk from Z (or from the middle of X-Y) starts on\n"
       "private ground and leaves it at M2.  Without that, the walk from Z would\n"
       "use X-Y, a public way, between two private ones, which the endpoint rule\n"
       "forbids: Z would reach nothing.",
       "design choice (network.island_m: public parts smaller than this that touch\n"
       "  an endpoint way are private ground)")
f.node("M1", 0, 0); f.node("M2", 1200, 0); f.node("X", 1300, 0); f.node("Y", 1350, 0); f.node("Z", 1450, 0)
f.node("Q", 1325, 0)
f.way(["M1", "M2"], highway="footway"); f.way(["M2", "X"], highway="service", access="private")
f.way(["X", "Q", "Y"], highway="footway"); f.way(["Y", "Z"], highway="service", access="private")
f.graph([0, 1, 2, 3])
f.dist("walk", [(("Z", "M1"), f.path("Z", "Y", "Q", "X", "M2", "M1"), "Z Y X M2 M1: private ground all the way to M2"),
                (("Q", "M1"), f.path("Q", "X", "M2", "M1"), "Q X M2 M1")])
f.dist("rollator", [(("Z", "M1"), f.path("Z", "Y", "Q", "X", "M2", "M1"), "as walk")])

# ---------------------------------------------------------------------------------
f = fx("access_destination", "access=destination or customers is walkable",
       "B-C: service road with access=destination; D-E: service road with\n"
       "access=customers.  Both carry walks in full (OSRM foot: not blacklisted;\n"
       "GraphHopper foot: not restricted); A-F goes straight through.",
       "OSRM profiles/foot.lua access_tag_blacklist; GraphHopper AbstractAccessParser")
f.node("A", 0, 0); f.node("B", 100, 0); f.node("C", 200, 0); f.node("D", 300, 0)
f.node("E", 400, 0); f.node("F", 500, 0)
f.way("AB", highway="footway"); f.way("BC", highway="service", access="destination")
f.way("CD", highway="footway"); f.way("DE", highway="service", access="customers")
f.way("EF", highway="footway")
f.graph([0, 1, 2, 3, 4])
f.dist("walk", [(("A", "F"), f.path("A", "B", "C", "D", "E", "F"), "A B C D E F")])
f.dist("rollator", [(("A", "F"), f.path("A", "B", "C", "D", "E", "F"), "A B C D E F")])

# ---------------------------------------------------------------------------------
f = fx("foot_overrides_access", "foot=yes/designated overrides access",
       "B-C: service road with access=private and foot=yes; C-D: path with access=no\n"
       "and foot=designated.  The foot tag decides: both are walked in full.",
       "OSRM foot.lua access_tags_hierarchy {foot, access}; features/foot/access.feature")
f.node("A", 0, 0); f.node("B", 100, 0); f.node("C", 200, 0); f.node("D", 300, 0)
f.way("AB", highway="footway"); f.way("BC", highway="service", access="private", foot="yes")
f.way("CD", highway="path", access="no", foot="designated")
f.graph([0, 1, 2])
f.dist("walk", [(("A", "D"), f.path("A", "B", "C", "D"), "A B C D")])
f.dist("rollator", [(("A", "D"), f.path("A", "B", "C", "D"), "A B C D")])

# ---------------------------------------------------------------------------------
f = fx("pedestrian_area", "a pedestrian square (closed way, area=yes) is walked across",
       "a-b-c-m-d-a is highway=pedestrian + area=yes (a plein): a walk crosses it in\n"
       "straight lines between the points where other ways join it (a, c, m),\n"
       "not only along its outline.  a2-b2-c2-d2-a2, 400 m east, is a closed\n"
       "highway=pedestrian WITHOUT area=yes: a loop, walked along its outline only.",
       "OSM wiki Tag:highway=pedestrian (area=yes); OSRM profiles/foot_area.lua,"
       " features/foot/area_mesh.feature, src/extractor/area/area_mesher.cpp")
f.node("a", 0, 0); f.node("b", 100, 0); f.node("c", 100, 100); f.node("m", 50, 100)
f.node("d", 0, 100); f.node("E", -50, 0); f.node("G", 150, 100); f.node("N", 50, 150)
f.node("a2", 400, 0); f.node("b2", 500, 0); f.node("c2", 500, 100); f.node("d2", 400, 100)
f.node("E2", 350, 0); f.node("G2", 550, 100)
f.way(["a", "b", "c", "m", "d", "a"], highway="pedestrian", area="yes", name="Plein")
f.way(["E", "a"], highway="footway"); f.way(["c", "G"], highway="footway")
f.way(["m", "N"], highway="footway")
f.way(["a2", "b2", "c2", "d2", "a2"], highway="pedestrian", name="Rondje")
f.way(["E2", "a2"], highway="footway"); f.way(["c2", "G2"], highway="footway")
f.graph([0, 1, 2, 3, 4, 5, 6], "outlines and footways; the square adds its mesh edges (a-c, a-m, ...)")
f.dist("walk", [(("E", "G"), f.path("E", "a", "c", "G"), "E a c G: across the square"),
                (("E", "N"), f.path("E", "a", "m", "N"), "E a m N: across"),
                (("E2", "G2"), f.path("E2", "a2", "b2", "c2", "G2"), "E2 a2 b2 c2 G2: along the loop")])
f.dist("rollator", [(("E", "G"), f.path("E", "a", "c", "G"), "E a c G")])

# ---------------------------------------------------------------------------------
f = fx("pedestrian_multipolygon", "a pedestrian square as a multipolygon relation, with a hole",
       "Relation 1001 (type=multipolygon, highway=pedestrian) has an outer ring of two\n"
       "untagged ways (W-o1-o2-E and E-o3-o4-W) and an inner ring i1-i2-i3-i4 (a\n"
       "building or fountain in the square).  The rings are assembled from the member\n"
       "ways; a walk from W to E crosses the square round the hole, by its corners\n"
       "(i4, i3 or i1, i2), and the rings themselves are walkable edges.",
       "OSRM profiles/foot_area.lua (process_relation: multipolygon + highway=pedestrian),"
       " features/foot/area_mesh.feature (multipolygon scenarios)")
f.node("X", -50, 100); f.node("W", 0, 100); f.node("o1", 0, 0); f.node("o2", 300, 0)
f.node("E", 300, 100); f.node("o3", 300, 200); f.node("o4", 0, 200); f.node("Y", 350, 100)
f.node("i1", 100, 50); f.node("i2", 200, 50); f.node("i3", 200, 150); f.node("i4", 100, 150)
ws = f.way(["W", "o1", "o2", "E"])
wn = f.way(["E", "o3", "o4", "W"])
wh = f.way(["i1", "i2", "i3", "i4", "i1"])
f.way(["X", "W"], highway="footway"); f.way(["E", "Y"], highway="footway")
f.rel([("way", ws, "outer"), ("way", wn, "outer"), ("way", wh, "inner")],
      type="multipolygon", highway="pedestrian", name="Plein")
f.graph([3, 4], "rings and footways; the square adds its mesh edges", rings=[0, 1, 2])
north, south = f.path("X", "W", "i4", "i3", "E", "Y"), f.path("X", "W", "i1", "i2", "E", "Y")
f.dist("walk", [(("X", "Y"), min(north, south), "X W i1 i2 E Y (south, %.3f) or X W i4 i3 E Y (north, %.3f)"
                 % (south, north))])
f.dist("rollator", [(("X", "Y"), min(north, south), "as walk")])
f.line("  # along the outer ring only it would be %.3f (X W o4 o3 E Y)" % f.path("X", "W", "o4", "o3", "E", "Y"))

# ---------------------------------------------------------------------------------
f = fx("island", "snapping avoids a small island",
       "A-B-C is one footway of 1,200 m: a big component (>= 1,000 m, network.island_m).\n"
       "I-J, 30 m, is a footway on its own (a courtyard path): a small component.\n"
       "C is a supermarket (shop=supermarket, for facilities_from_osm).  A plot at\n"
       "point P is 5 m from I-J and 40 m from A-B: it joins I-J (nearest) and A-B\n"
       "(nearest edge of a big component, within the snap tolerance of 250 m); its\n"
       "walking distance to the supermarket is the shorter of the two: over A-B.\n"
       "A facility at I, on the island, also joins A-B; one at J is reached from P\n"
       "across the island.\n"
       "  P (not in the file, a plot to give as a point layer in EPSG:28992): see below",
       "OSRM include/engine/geospatial_query.hpp (NearestPhantomNodeWithAlternativeFromBigComponent),"
       "\n  include/engine/plugins/plugin_base.hpp (SnapPhantomNodes), src/tools/extract.cpp"
       " (option small-component-size, default 1000 nodes);\n  GraphHopper PrepareRoutingSubnetworks (prepare.min_network_size 200)")
f.node("A", 0, 0); f.node("B", 600, 0); f.node("C", 1200, 0, shop="supermarket")
f.node("I", 500, 45); f.node("J", 530, 45)
f.way(["A", "B", "C"], highway="footway"); f.way(["I", "J"], highway="footway")
f.graph([0, 1])
# P and its attachment to A-B, exactly
px, py = ox + 515, oy + 40
(_, _, _, xa, ya, _), (_, _, _, xb, yb, _) = f.nodes["A"], f.nodes["B"]
ux, uy = xb - xa, yb - ya
t = ((px - xa) * ux + (py - ya) * uy) / (ux * ux + uy * uy)
qx, qy = xa + t * ux, ya + t * uy
att = math.hypot(px - qx, py - qy)
(_, _, _, xi, yi, _), (_, _, _, xj, yj, _) = f.nodes["I"], f.nodes["J"]
vx, vy = xj - xi, yj - yi
ti = max(0, min(1, ((px - xi) * vx + (py - yi) * vy) / (vx * vx + vy * vy)))
att_i = math.hypot(px - (xi + ti * vx), py - (yi + ti * vy))
along = math.hypot(xb - qx, yb - qy) + f.d("B", "C")
f.line("  snap_tolerance_m: 250")
f.line("  P: [%.3f, %.3f]   # EPSG:28992; %.3f m from I-J, %.3f m from A-B" % (px, py, att_i, att))
# I also joins A-B (it is on the island): reached from A over A-B and 45 m straight
tI = ((xi - xa) * ux + (yi - ya) * uy) / (ux * ux + uy * uy)
aI = math.hypot(xi - (xa + tI * ux), yi - (ya + tI * uy))
to_J = math.hypot(xj - (xi + ti * vx), yj - (yi + ti * vy))
f.dist("walk", [(("P", "C"), att + along, "P to A-B (%.3f), along to B and C" % att),
                (("A", "I"), tI * math.hypot(ux, uy) + aI,
                 "I on the island also joins A-B (%.3f m): the island strands nothing" % aI),
                (("P", "J"), att_i + to_J, "across the island: P's nearer attachment")])
f.dist("rollator", [(("P", "C"), att + along, "as walk")])

# ---------------------------------------------------------------------------------
f = fx("steps_rollator", "steps: walked on foot, a wall for a rollator unless there is a ramp",
       "A-B, C-D footways; B-C steps (20 m); B-R1-R2-C a footway ramp with incline=up\n"
       "(rough: 1.5 times its length for a rollator).  On foot A to D takes the steps;\n"
       "with a rollator the ramp.  Second group: G-H steps with ramp:wheelchair=yes, the\n"
       "only link from F to K: passable with a rollator at 1.5 times (a slope).\n"
       "(ramp=yes alone is usually a bicycle gutter: still steps.)",
       "README (rollator profile); OSM wiki Key:ramp; GraphHopper WheelchairAccessParser")
f.node("A", 0, 0); f.node("B", 100, 0); f.node("C", 120, 0); f.node("D", 220, 0)
f.node("R1", 100, -30); f.node("R2", 120, -30)
f.node("F", 0, 100); f.node("G", 100, 100); f.node("H", 120, 100); f.node("K", 220, 100)
f.way(["A", "B"], highway="footway"); f.way(["B", "C"], highway="steps", step_count="6")
f.way(["C", "D"], highway="footway")
f.way(["B", "R1", "R2", "C"], highway="footway", incline="up")
f.way(["F", "G"], highway="footway")
f.way(["G", "H"], highway="steps", ramp="yes", ramp__wheelchair="yes")
f.way(["H", "K"], highway="footway")
f.graph([0, 1, 2, 3, 4, 5, 6], "2 of them steps; the rollator passes all but B-C")
f.dist("walk", [(("A", "D"), f.path("A", "B", "C", "D"), "A B C D: the steps"),
                (("F", "K"), f.path("F", "G", "H", "K"), "F G H K")])
f.dist("rollator", [(("A", "D"), f.path("A", "B", ("R1", 1.5), ("R2", 1.5), ("C", 1.5), "D"),
                     "A B R1 R2 C D, ramp 1.5x"),
                    (("F", "K"), f.path("F", "G", ("H", 1.5), "K"), "F G H K, steps with ramp 1.5x")])

# ---------------------------------------------------------------------------------
f = fx("wheelchair_no", "wheelchair=no: not for a rollator",
       "B-C is a footway with wheelchair=no (a narrow or stepped path); B-E-C a\n"
       "footway round it.  On foot A to D goes straight; with a rollator round.",
       "layers/walkability.yaml (flag barrier); OSM wiki Key:wheelchair")
f.node("A", 0, 0); f.node("B", 100, 0); f.node("C", 200, 0); f.node("D", 300, 0)
f.node("E", 150, 60)
f.way(["A", "B"], highway="footway"); f.way(["B", "C"], highway="footway", wheelchair="no")
f.way(["C", "D"], highway="footway"); f.way(["B", "E", "C"], highway="footway")
f.graph([0, 1, 2, 3])
f.dist("walk", [(("A", "D"), f.path("A", "B", "C", "D"), "A B C D")])
f.dist("rollator", [(("A", "D"), f.path("A", "B", "E", "C", "D"), "A B E C D")])

# ---------------------------------------------------------------------------------
f = fx("kerb_raised", "a raised kerb node stops a rollator, a lowered one does not",
       "A-B-C is one footway; its middle node B is barrier=kerb + kerb=raised.  A-D-C\n"
       "is a footway round it.  On foot A to C goes over B; with a rollator a walk may\n"
       "end at B but not pass it, so it goes round.  A2-B2-C2, 200 m north, has\n"
       "kerb=lowered at B2: passable.",
       "GraphHopper WheelchairAccessParser (kerb=raised); OSM wiki Key:kerb")
f.node("A", 0, 0); f.node("B", 50, 0, barrier="kerb", kerb="raised"); f.node("C", 100, 0)
f.node("D", 50, 40)
f.node("A2", 0, 200); f.node("B2", 50, 200, barrier="kerb", kerb="lowered"); f.node("C2", 100, 200)
f.way(["A", "B", "C"], highway="footway"); f.way(["A", "D", "C"], highway="footway")
f.way(["A2", "B2", "C2"], highway="footway")
f.graph([0, 1, 2])
f.dist("walk", [(("A", "C"), f.path("A", "B", "C"), "A B C"), (("A2", "C2"), f.path("A2", "B2", "C2"), "")])
f.dist("rollator", [(("A", "C"), f.path("A", "D", "C"), "A D C, round the kerb"),
                    (("A", "B"), f.path("A", "B"), "a walk may end at the kerb"),
                    (("A2", "C2"), f.path("A2", "B2", "C2"), "lowered kerb")])

# ---------------------------------------------------------------------------------
f = fx("other_tags", "the same rules from an OGR line layer (GDAL OSM driver, other_tags)",
       "A chain A-B-C-D-E-F-G of ways whose deciding tags GDAL's OSM driver does not\n"
       "make columns: they end up in the HSTORE field other_tags of its `lines`\n"
       "layer (\"key\"=>\"value\",... with \\\" and \\\\ escaped).  other_tags_lines.geojson\n"
       "is this file through `ogr2ogr -f GeoJSON other_tags_lines.geojson other_tags.osm\n"
       "lines`; as a network it must give the same graph and distances as this file\n"
       "(vertices joined where coordinates coincide instead of by node id).\n"
       "  B-C cycleway (walkable), C-D surface=sett and D-E incline=up (rough for a\n"
       "  rollator), E-F trunk with sidewalk:right=yes (walkable), B-H cycleway with\n"
       "  foot=no, D-I service with access=no (neither walkable), E-J steps.\n"
       "  The descriptions on A-B and F-G hold quotes, backslashes, => and commas.",
       "GDAL OSM driver (osmconf.ini: lines columns name, highway, waterway, aerialway,"
       " barrier, man_made, railway; other_tags HSTORE)")
f.node("A", 0, 0); f.node("B", 100, 0); f.node("C", 200, 0); f.node("D", 300, 0)
f.node("E", 400, 0); f.node("F", 500, 0); f.node("G", 600, 0)
f.node("H", 100, 100); f.node("I", 300, 100); f.node("J", 400, -60)
f.way("AB", highway="footway", description='say "hi" \\ to =>, the "ducks"', wheelchair="yes")
f.way("BC", highway="cycleway", moped="no")
f.way("CD", highway="footway", surface="sett")
f.way("DE", highway="footway", incline="up")
f.way("EF", highway="trunk", sidewalk__right="yes", motorroad="no")
f.way("FG", highway="footway", description='a=>b,"c"\\', foot="designated")
f.way("BH", highway="cycleway", foot="no")
f.way("DI", highway="service", access="no")
f.way("EJ", highway="steps", incline="up")
f.graph([0, 1, 2, 3, 4, 5, 8], "1 of them steps")
f.dist("walk", [(("A", "G"), f.path(*"ABCDEFG"), "A B C D E F G"),
                (("A", "J"), f.path("A", "B", "C", "D", "E", "J"), "A B C D E J: the steps"),
                (("A", "H"), None, "B-H foot=no"), (("A", "I"), None, "D-I access=no")])
f.dist("rollator", [(("A", "G"), f.path("A", "B", "C", ("D", 1.5), ("E", 1.5), "F", "G"), "C-D, D-E 1.5x"),
                    (("A", "J"), None, "steps")])


# What bodnaarplot gives today (commit e03fb01, bp_network_walkable and the
# graph builder as they were), measured with plots at the named nodes: run_info
# network.graph and the distances that differ from the expectation.  Every
# file lost its first way (wstart[0] is never set; see first_way).
TODAY = {
    "first_way": "3 nodes, 1 edges from 2 ways",
    "cycleway_no_foot": "4 nodes, 1 edges from 2 ways; walk A-D 361.871 (A joins C-D in a straight line: B-C not walked, A-B lost)",
    "cycleway_foot_no": "4 nodes, 1 edges from 2 ways; walk A-B 365.558, A-D 361.871 (straight attachments: A-B lost)",
    "primary": "4 nodes, 1 edges from 2 ways; walk A-D unreachable",
    "primary_use_sidepath": "6 nodes, 4 edges from 3 ways (A-B lost); A-D 430.001 (the primary is not walked at all)",
    "motorroad": "5 nodes, 3 edges from 3 ways (A-B lost); A-D 482.840 (the primary is not walked at all)",
    "trunk_sidewalk": "4 nodes, 1 edges from 2 ways; walk A-F unreachable",
    "private_destination": "6 nodes, 4 edges from 3 ways (private road dropped, S-A lost); S-B 699.991, B-H 200.003 (B joins a public way in a straight line)",
    "access_destination": "6 nodes, 4 edges from 5 ways (A-B lost); A-F 500.002",
    "foot_overrides_access": "4 nodes, 2 edges from 3 ways (A-B lost); A-D 299.997",
    "pedestrian_area": "14 nodes, 9 edges from 7 ways (the square, the first way, lost); E-G, E-N unreachable; E2-G2 300.008",
    "pedestrian_multipolygon": "4 nodes, 1 edges from 2 ways (relation ignored, untagged rings not walked, X-W lost); X-Y unreachable",
    "island": "5 nodes, 1 edges from 2 ways (A-B-C lost); P-C unreachable",
    "steps_rollator": "10 nodes, 8 edges from 7 ways (2 steps, 3 incline/rough); rollator F-K unreachable",
    "wheelchair_no": "5 nodes, 4 edges from 4 ways (A-B lost); rollator A-D 299.997 (wheelchair=no ignored)",
    "other_tags": ".osm: 8 nodes, 4 edges from 5 ways (A-B lost; B-C cycleway, E-F trunk not walked), walk A-G unreachable; the GeoJSON lines: 9 nodes, 6 edges from 6 ways, 0 incline/rough (foot, access, surface, incline in other_tags unseen), walk A-G unreachable",
    "kerb_raised": "7 nodes, 4 edges from 3 ways (A-B-C lost); rollator A-C 128.065, A-B 70.278 (kerbs ignored)",
}

for f in fixtures:
    if f.name in TODAY:
        f.expect.append('  today: "%s"   # bodnaarplot e03fb01' % TODAY[f.name])
    f.write()
# the OGR line-layer twin of other_tags.osm, as GDAL's OSM driver makes it
import subprocess
gj = os.path.join(HERE, "other_tags_lines.geojson")
if os.path.exists(gj):
    os.remove(gj)
# (GDAL's OSM driver looks for "<osm" near the start of the file: give it the
# data without the long comment)
import tempfile
with tempfile.TemporaryDirectory() as tmp:
    plain = os.path.join(tmp, "other_tags.osm")
    text = open(os.path.join(HERE, "other_tags.osm")).read()
    with open(plain, "w") as out:
        out.write(text[:text.index("<!--")] + text[text.index("-->") + 4:])
    subprocess.run(["ogr2ogr", "-q", "-f", "GeoJSON", "-lco", "RFC7946=NO", gj, plain, "lines"],
                   check=True, env=dict(os.environ, OSM_USE_CUSTOM_INDEXING="NO"))
print("wrote %d fixtures and other_tags_lines.geojson to %s" % (len(fixtures), HERE))
