#!/usr/bin/python3
"""
make_example.py - generate the bundled bodnaarplot example in examples/zwolle/.

What it writes (existing files are overwritten):
  gemeenten.gpkg      layer "gemeenten": the CBS 2015 features (land AND water
                      parts) of Zwolle, Kampen, Dalfsen, Zwartewaterland and
                      Hattem, copied unchanged (invalid geometries included -
                      bodnaarplot must repair them), EPSG:28992.
  kavels.gpkg         layer "kavels": ~400 synthetic candidate plots, EPSG:28992.
  voorzieningen.gpkg  one layer per facility category (supermarkt, huisarts,
                      apotheek, ov_halte, ontmoeting, zorg, groen), synthetic,
                      stored in EPSG:4326 (lon/lat) to exercise reprojection.
  woondeal_opgave.csv illustrative (NOT real) housing targets per gemeente and
                      woningtype, semicolon separated.
The README.md in the output directory is maintained by hand, not generated.

Everything except the gemeente boundaries is synthetic. The generator is
deterministic: a fixed seed drives random.Random, and OGR_CURRENT_DATE pins the
GeoPackage timestamps, so two runs give identical files.

Run from anywhere (needs the GDAL python bindings of the system python):
    /usr/bin/python3 scripts/make_example.py [--data-dir DIR] [--out-dir DIR]
--data-dir is the shared data directory holding cbs/gemeenten_2015.gpkg;
default ../shared/data relative to the repository root. --out-dir defaults to
examples/zwolle in the repository.
"""

import argparse
import math
import os
import random
import sys
import time

from osgeo import gdal, ogr, osr

gdal.UseExceptions()
ogr.UseExceptions()
osr.UseExceptions()

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = 20150193          # fixed: changing it changes the whole example
FIXED_DATE = "2025-01-01T00:00:00.000Z"   # gpkg_contents.last_change

# code, name, kavel_id prefix, number of plots
GEMEENTEN = [
    ("GM0193", "Zwolle", "ZWO", 175),
    ("GM0166", "Kampen", "KAM", 85),
    ("GM0148", "Dalfsen", "DAL", 55),
    ("GM1896", "Zwartewaterland", "ZWW", 50),
    ("GM0244", "Hattem", "HAT", 35),
]
GM_FIELDS = ["id", "gemeentecode", "gemeentenaam", "water", "aantal_inwoners",
             "percentage_personen_65_jaar_en_ouder",
             "aantal_personen_met_een_aow_uitkering_totaal"]
CBS_SECRET = -99999999

# Town / district centres in RD New (EPSG:28992), checked to lie inside the
# land polygon of their gemeente (generalised CBS 2015 boundaries).
# gemeente, place name used in labels, x, y, spread sigma (m),
# weight for plots, weight for facilities, woonplaats
CLUSTERS = [
    ("GM0193", "Binnenstad", 203010, 502990, 450, 0.6, 3.0, "Zwolle"),
    ("GM0193", "Assendorp", 203360, 501990, 500, 1.0, 1.5, "Zwolle"),
    ("GM0193", "Diezerpoort", 204000, 503340, 450, 1.0, 1.2, "Zwolle"),
    ("GM0193", "Stadshagen", 199970, 505240, 900, 2.0, 1.5, "Zwolle"),
    ("GM0193", "Westenholte", 201000, 503920, 500, 0.8, 0.8, "Zwolle"),
    ("GM0193", "Holtenbroek", 202550, 504940, 550, 1.2, 1.2, "Zwolle"),
    ("GM0193", "Aa-landen", 203700, 505840, 600, 1.0, 1.2, "Zwolle"),
    ("GM0193", "Berkum", 205280, 504180, 600, 1.0, 0.9, "Zwolle"),
    ("GM0193", "Zwolle-Zuid", 203750, 500500, 700, 1.2, 1.3, "Zwolle"),
    ("GM0193", "Marslanden", 204760, 501510, 500, 0.8, 0.8, "Zwolle"),
    ("GM0193", "Windesheim", 204480, 496050, 350, 0.4, 0.2, "Windesheim"),
    ("GM0193", "Wijthmen", 208470, 504110, 250, 0.3, 0.15, "Wijthmen"),
    ("GM0166", "Binnenstad Kampen", 190520, 507620, 450, 0.7, 2.5, "Kampen"),
    ("GM0166", "Brunnepe", 189840, 508390, 450, 1.0, 1.0, "Kampen"),
    ("GM0166", "Hagenbroek", 189310, 506830, 500, 1.0, 1.0, "Kampen"),
    ("GM0166", "IJsselmuiden", 191600, 508740, 500, 1.0, 1.0, "IJsselmuiden"),
    ("GM0166", "Wilsum", 195230, 504870, 250, 0.3, 0.15, "Wilsum"),
    ("GM0166", "Grafhorst", 192130, 510630, 250, 0.3, 0.15, "Grafhorst"),
    ("GM0166", "Zalk", 196390, 504190, 250, 0.2, 0.1, "Zalk"),
    ("GM0166", "Kamperveen", 190160, 502160, 250, 0.2, 0.1, "Kamperveen"),
    ("GM0166", "'s-Heerenbroek", 195480, 507210, 250, 0.2, 0.1, "'s-Heerenbroek"),
    ("GM0148", "Dalfsen", 214140, 502870, 600, 1.5, 1.5, "Dalfsen"),
    ("GM0148", "Nieuwleusen", 215610, 510800, 550, 1.2, 1.2, "Nieuwleusen"),
    ("GM0148", "Lemelerveld", 219400, 495580, 450, 0.8, 0.8, "Lemelerveld"),
    ("GM0148", "Hoonhorst", 217310, 500810, 200, 0.2, 0.1, "Hoonhorst"),
    ("GM0148", "Oudleusen", 217910, 505900, 200, 0.2, 0.1, "Oudleusen"),
    ("GM0148", "Ankum", 212440, 502630, 200, 0.15, 0.1, "Dalfsen"),
    ("GM1896", "Hasselt", 202740, 511800, 500, 1.0, 1.0, "Hasselt"),
    ("GM1896", "Genemuiden", 199050, 515440, 500, 1.1, 1.1, "Genemuiden"),
    ("GM1896", "Zwartsluis", 201270, 517010, 450, 0.9, 0.9, "Zwartsluis"),
    ("GM0244", "Hattem", 200940, 498830, 500, 1.0, 1.0, "Hattem"),
]

# Railway stations (RD New), used as named bus/train stops.
STATIONS = [
    ("GM0193", "Station Zwolle", 202810, 502120),
    ("GM0193", "Station Zwolle Stadshagen", 200390, 504640),
    ("GM0166", "Station Kampen", 191260, 507990),
    ("GM0166", "Station Kampen Zuid", 190450, 505980),
    ("GM0148", "Station Dalfsen", 214180, 502360),
]

GENERIC_STREETS = [
    "Kerkstraat", "Molenweg", "Schoolstraat", "Stationsweg", "Dorpsstraat",
    "Julianastraat", "Wilhelminastraat", "Beatrixlaan", "Prins Bernhardlaan",
    "Oranjestraat", "Lindelaan", "Eikenlaan", "Beukenlaan", "Berkenlaan",
    "Esdoornstraat", "Kastanjelaan", "Meidoornstraat", "Zandweg", "Veldweg",
    "Brinkstraat", "Nieuwstraat", "Hoofdstraat", "Parallelweg",
    "Industrieweg", "Havenstraat", "Dijkweg", "Thorbeckelaan",
    "Rembrandtlaan", "Vondelstraat", "Bilderdijkstraat", "Sportlaan",
    "Zwanenlaan", "Merelstraat", "Lijsterlaan", "Reigerstraat",
    "Esweg", "Kampweg", "Burgemeester Schuttelaan", "Koningin Emmalaan",
    "Van Heeckerenstraat", "Marktstraat", "Kloosterstraat", "Weidelaan",
]
LOCAL_STREETS = {
    "GM0193": ["Assendorperstraat", "Diezerstraat", "Thorbeckegracht",
               "Luttenbergstraat", "Meeuwenlaan", "Ceintuurbaan", "Middelweg",
               "Oosterlaan", "Wipstrikkerallee", "Westenholterallee",
               "Schuurmanstraat", "Deventerstraatweg", "Campherbeeklaan",
               "Stadshagenallee", "Frankhuizerallee", "Hortensiastraat",
               "Palestrinastraat", "Groot Wezenland", "Dokter Van Thienenweg",
               "Ittersumallee", "Beethovenlaan", "Spoolderbergweg",
               "Schellerweg", "Hoogstraat", "Oude Vismarkt"],
    "GM0166": ["Oudestraat", "IJsselkade", "Burgwal", "Flevoweg",
               "Hanzelaan", "Noordweg", "Zwartendijk", "Europa-allee",
               "Christinastraat", "Cellesbroeksweg", "Oranje Nassaustraat",
               "Kamperstraatweg", "Bovenhavenstraat", "Wilsummerweg"],
    "GM0148": ["Prinsenstraat", "Ruitenborghstraat", "Hessenweg",
               "Ommerweg", "Rechterensedijk", "Oosterdalfsen",
               "Burgemeester Backxlaan", "Ordelseweg", "Westerveldweg",
               "Kerkweg", "Vechtdijk", "Heinoseweg"],
    "GM1896": ["Hoogstraat", "Prinsengracht", "Markt", "Ridderstraat",
               "Burgemeester Roelenweg", "Havenweg", "Stouweweg",
               "Sasdijk", "Cellemuiden", "Buitengracht", "Grote Kerkstraat"],
    "GM0244": ["Hessenweg", "Geldersedijk", "Stationslaan", "Kerkhofweg",
               "Dijkmagazijnstraat", "Eperweg", "Molecatenlaan",
               "Bergstraat", "Korteweg", "Nieuweweg"],
}
SCHOOL_NAMES = ["De Regenboog", "De Wegwijzer", "Het Kompas", "De Zonnewijzer",
                "De Vlinder", "De Sleutel", "Het Baken", "De Schakel",
                "De Klimop", "De Kleine Prins", "Het Palet", "De Wingerd",
                "De Bongerd", "De Esch", "De Springplank", "De Toermalijn",
                "Het Mozaiek", "De Stapsteen", "De Horizon", "Het Vlot"]
CHURCH_NAMES = ["gereformeerde kerk", "hervormde kerk", "Sint-Jozefkerk",
                "Pauluskerk", "Bethelkerk", "Opstandingskerk", "Immanuelkerk",
                "Goede Herderkerk", "Petruskerk", "Sionskerk", "Ichthuskerk",
                "Maranathakerk"]
SURNAMES = ["De Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer",
            "Mulder", "De Boer", "Bos", "Vos", "Peters", "Hendriks", "Dekker",
            "Kok", "Schouten", "Post", "Veenstra", "Brouwer", "Koster",
            "Van Dijk", "Hofman", "Kamphuis", "Nijenhuis", "Lubbers",
            "Oosterhuis", "Wolters", "Ter Horst", "Hulst"]
NICE_WORDS = ["Weide", "Linde", "Esch", "Brink", "Hof", "Kamp", "Horst",
              "Enk", "Veste", "Poort", "Bongerd", "Maat", "Zandberg", "Dijk",
              "Akker", "Wilgen", "Vijver", "Molen", "Hoeve", "Zon", "Boog",
              "Marke", "Schans", "Kade"]
CARE_NAMES = ["Berkumstede", "De Weyert", "Het Hoge Veld", "De Molenhof",
              "Rosengaerde", "De Vijverhof", "Ittersumerhof", "Het Zonnehuis",
              "De Riethorst", "Swaneburg", "De Brinkhof", "Wiekendael",
              "De Zonnehof", "Ter Mete", "De Kloosterhof", "Myosotis",
              "Het Ambthuis", "De Meente", "Margriethof", "De Vecht",
              "Isalahof", "De Wanne", "Hof van Hattem", "Mariënhof",
              "De Sprenge", "Oldenhove", "Vechtstede", "Hanzehof"]
PARK_NAMES_ZWOLLE = ["Park de Wezenlanden", "Engelse Werk", "Park Eekhout",
                     "Ter Pelkwijkpark", "Park Het Weitje", "Park Schellerhoek"]
SUPERMARKETS = [("Albert Heijn", 30), ("Jumbo", 25), ("Lidl", 12),
                ("Aldi", 10), ("Plus", 10), ("Coop", 5), ("Spar", 5),
                ("Poiesz", 3)]

# plot use: (relative frequency in towns, in the countryside,
#            median area m2, lognormal sigma)
USES = {
    "braak":          (25, 25, 3000, 0.80),
    "school":         (12, 5, 5500, 0.45),
    "kerk":           (8, 5, 1800, 0.45),
    "kantoor":        (15, 0, 2500, 0.60),
    "agrarisch":      (8, 60, 9000, 0.60),
    "parkeerterrein": (10, 0, 2500, 0.50),
    "woningen":       (22, 5, 4000, 0.55),
}
PLOT_NAMES = {
    "braak": ["Kavel {place} {n}", "Bouwkavel {street}",
              "Braakliggend terrein {street}", "Voormalig sportveld {place}",
              "Inbreidingslocatie {street}", "Restkavel {place} {n}"],
    "school": ["Voormalige school {place}", "Voormalige basisschool {school}",
               "Voormalig schoolgebouw {street}"],
    "kerk": ["Voormalige kerk {place}", "Voormalige {church} {place}",
             "Kerklocatie {street}", "Voormalige pastorie {street}"],
    "kantoor": ["Kantoorpand {street}", "Voormalig kantoor {street}",
                "Leegstaand kantoor {place}", "Voormalig gemeentekantoor {place}",
                "Kantoorvilla {street}"],
    "agrarisch": ["Agrarisch perceel {place}", "Voormalige boerderij {street}",
                  "Erf {street} {n}", "Weiland {street}",
                  "Voormalige kwekerij {place}"],
    "parkeerterrein": ["Parkeerterrein {street}", "Parkeerplaats {place}",
                       "Parkeerterrein bij sporthal {place}",
                       "Parkeerdek {street}"],
    "woningen": ["Herstructurering {street}", "Portiekflats {street}",
                 "Woonblok {street} {n}", "Seniorenwoningen {street}",
                 "Sloop-nieuwbouw {place}"],
}
OWNERS = {
    "braak": [("gemeente", 45), ("ontwikkelaar", 30), ("particulier", 15),
              ("corporatie", 10)],
    "school": [("gemeente", 70), ("corporatie", 10), ("ontwikkelaar", 10),
               ("zorgorganisatie", 10)],
    "kerk": [("particulier", 50), ("ontwikkelaar", 30), ("corporatie", 10),
             ("zorgorganisatie", 10)],
    "kantoor": [("ontwikkelaar", 45), ("particulier", 35), ("gemeente", 10),
                ("zorgorganisatie", 10)],
    "agrarisch": [("particulier", 70), ("gemeente", 15), ("ontwikkelaar", 15)],
    "parkeerterrein": [("gemeente", 75), ("ontwikkelaar", 15),
                       ("particulier", 10)],
    "woningen": [("corporatie", 75), ("zorgorganisatie", 15),
                 ("particulier", 10)],
}
YEARS = [(2026, 18), (2027, 20), (2028, 18), (2029, 14), (2030, 12),
         (2031, 10), (2032, 8)]

# facility category: total count, share placed in the countryside,
# minimum spacing between two facilities of the category (m)
FACILITIES = [
    ("supermarkt", 45, 0.00, 150),
    ("huisarts", 40, 0.00, 100),
    ("apotheek", 20, 0.00, 150),
    ("ov_halte", 250, 0.15, 150),
    ("ontmoeting", 35, 0.05, 150),
    ("zorg", 25, 0.08, 150),
    ("groen", 40, 0.10, 0),
]
VILLAGES = ("Windesheim", "Wijthmen", "Wilsum", "Grafhorst", "Zalk",
            "Kamperveen", "'s-Heerenbroek", "Hoonhorst", "Oudleusen", "Ankum")
# categories that get one extra facility placed exactly inside a plot
# (see add_deliberate_overlaps); the totals above include it
DELIBERATE = ("supermarkt", "ov_halte", "ontmoeting")
ZORG_POLYGONS = 6        # of the zorg facilities, this many are building polygons

# Illustrative housing targets (national split, all of NL ~17.5M inhabitants)
NL_INHABITANTS = 17.5e6
NL_TARGETS = {"nultreden": 153300, "geclusterd": 94000, "zorggeschikt": 41300}
NL_PCT_65 = 18.0
# share of the target covered by plans, per gemeente: (geclusterd, zorggeschikt)
# - chosen by hand so the gemeenten differ visibly in their gap
PLAN_SHARE = {"GM0193": (0.55, 0.45), "GM0166": (0.32, 0.38),
              "GM0148": (0.60, 0.52), "GM1896": (0.35, 0.30),
              "GM0244": (0.48, 0.58)}
SECRET_ROW = ("GM0244", "zorggeschikt")   # gerealiseerd = -99999999 here

LAND_INSET = 25.0       # keep plots this far inside the gemeente boundary (m)
PLOT_GAP = 10.0         # minimum distance between two plots (m)
FACILITY_PLOT_GAP = 5.0  # non-deliberate facilities stay this far from plots


# ---------------------------------------------------------------- helpers

def weighted(rng, pairs):
    """Pick a key from [(key, weight), ...]."""
    total = sum(w for _, w in pairs)
    r = rng.uniform(0, total)
    acc = 0.0
    for key, w in pairs:
        acc += w
        if r <= acc:
            return key
    return pairs[-1][0]


def polygonal(geom):
    """Repair a geometry and keep only its polygonal parts as a MultiPolygon."""
    g = geom.MakeValid()
    out = ogr.Geometry(ogr.wkbMultiPolygon)

    def add(part):
        name = part.GetGeometryName()
        if name == "POLYGON":
            out.AddGeometry(part)
        elif name in ("MULTIPOLYGON", "GEOMETRYCOLLECTION"):
            for i in range(part.GetGeometryCount()):
                add(part.GetGeometryRef(i))
    add(g)
    return out


def polygon_from(coords):
    ring = ogr.Geometry(ogr.wkbLinearRing)
    for x, y in coords:
        ring.AddPoint_2D(x, y)
    ring.AddPoint_2D(*coords[0])
    poly = ogr.Geometry(ogr.wkbPolygon)
    poly.AddGeometry(ring)
    return poly


def point_from(x, y):
    p = ogr.Geometry(ogr.wkbPoint)
    p.AddPoint_2D(x, y)
    return p


def quad_coords(rng, cx, cy, area, aspect, angle_deg, jitter):
    """Corners of a rotated rectangle (optionally slightly irregular), CCW."""
    w = math.sqrt(area * aspect)
    h = area / w
    a = math.radians(angle_deg)
    ca, sa = math.cos(a), math.sin(a)
    out = []
    for ux, uy in ((-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2),
                   (-w / 2, h / 2)):
        if jitter:
            ux += rng.uniform(-jitter, jitter) * min(w, h)
            uy += rng.uniform(-jitter, jitter) * min(w, h)
        out.append((round(cx + ux * ca - uy * sa, 2),
                    round(cy + ux * sa + uy * ca, 2)))
    return out


def blob_coords(rng, cx, cy, area):
    """An irregular star-shaped polygon (a park) of roughly the given area."""
    n = rng.randint(9, 14)
    angles = sorted(rng.uniform(0, 2 * math.pi) for _ in range(n))
    radii = [rng.uniform(0.7, 1.3) for _ in range(n)]
    stretch = rng.uniform(1.0, 1.8)
    rot = rng.uniform(0, math.pi)
    pts = []
    for t, r in zip(angles, radii):
        x, y = r * math.cos(t) * stretch, r * math.sin(t) / stretch
        pts.append((x * math.cos(rot) - y * math.sin(rot),
                    x * math.sin(rot) + y * math.cos(rot)))
    a = abs(sum(pts[i][0] * pts[i - 1][1] - pts[i - 1][0] * pts[i][1]
                for i in range(n))) / 2
    k = math.sqrt(area / a)
    return [(round(cx + x * k, 2), round(cy + y * k, 2)) for x, y in pts]


class Index:
    """Tiny envelope-prefiltered geometry list (a few hundred items)."""

    def __init__(self):
        self.items = []

    def add(self, geom, payload=None):
        self.items.append((geom.GetEnvelope(), geom, payload))

    def near(self, geom, dist):
        """True if geom is closer than dist to any stored geometry."""
        x0, x1, y0, y1 = geom.GetEnvelope()
        for (a0, a1, b0, b1), g, _ in self.items:
            if a0 - dist > x1 or a1 + dist < x0 or b0 - dist > y1 or b1 + dist < y0:
                continue
            if dist <= 0:
                if g.Intersects(geom):
                    return True
            elif g.Distance(geom) < dist:
                return True
        return False


def apportion(total, weights):
    """Largest-remainder split of total over weights, at least 1 each."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    out = [max(1, int(r)) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - int(raw[i])), i))
    i = 0
    while sum(out) < total:
        out[order[i % len(order)]] += 1
        i += 1
    while sum(out) > total:
        j = max(range(len(out)), key=lambda k: (out[k], -k))
        out[j] -= 1
    return out


class Namer:
    """Hands out unique names from templates."""

    def __init__(self, rng):
        self.rng = rng
        self.used = set()

    def make(self, templates, fallback_suffix, **choices):
        for _ in range(60):
            tmpl = self.rng.choice(templates)
            kw = {k: (self.rng.choice(v) if isinstance(v, list) else v)
                  for k, v in choices.items()}
            kw.setdefault("n", self.rng.randint(1, 40))
            name = tmpl.format(**kw)
            if name not in self.used:
                self.used.add(name)
                return name
        name = "%s %s" % (tmpl.format(**kw), fallback_suffix)
        self.used.add(name)
        return name


# ---------------------------------------------------------------- geometry input

def read_gemeenten(src_path):
    """Return (features for output, per-gemeente placement geometry)."""
    ds = gdal.OpenEx(src_path, gdal.OF_VECTOR)
    lyr = ds.GetLayerByName("gemeenten_2015")
    codes = [g[0] for g in GEMEENTEN]
    lyr.SetAttributeFilter("gemeentecode IN (%s)" %
                           ",".join("'%s'" % c for c in codes))
    feats = []
    for f in lyr:
        rec = {k: f.GetField(k) for k in GM_FIELDS}
        rec["fid"] = f.GetFID()
        rec["geom"] = f.GetGeometryRef().Clone()
        rec["valid"] = rec["geom"].IsValid()
        rec["repaired"] = polygonal(rec["geom"])
        feats.append(rec)
    feats.sort(key=lambda r: r["fid"])
    return feats, lyr.GetSpatialRef().Clone()


def placement_areas(feats):
    """Per gemeente code: (inset land geometry, list of other geometries)."""
    out = {}
    for code, _, _, _ in GEMEENTEN:
        land = [r for r in feats if r["gemeentecode"] == code and r["water"] == "NEE"]
        if len(land) != 1:
            sys.exit("expected one land feature for %s, got %d" % (code, len(land)))
        land = land[0]
        others = [r["repaired"] for r in feats if r is not land]
        out[code] = (land["repaired"].Buffer(-LAND_INSET), others,
                     land["repaired"].GetEnvelope(), land)
    return out


def fits(geom, area_info):
    inset, others, _, _ = area_info
    if not inset.Contains(geom):
        return False
    for o in others:
        if o.Intersects(geom):
            return False
    return True


# ---------------------------------------------------------------- plots

def sample_countryside(rng, clusters, env):
    """A random point in the gemeente envelope, away from all its towns.

    Returns x, y and the nearest cluster (used for naming)."""
    while True:
        x = rng.uniform(env[0], env[1])
        y = rng.uniform(env[2], env[3])
        # far enough from all towns of this gemeente to be "buitengebied"
        if all(math.hypot(x - c[2], y - c[3]) > 2.5 * c[4] + 300
               for c in clusters):
            return x, y, min(clusters,
                             key=lambda c: math.hypot(x - c[2], y - c[3]))


def pick_cluster(rng, clusters, weight_index):
    return weighted(rng, [(c, c[weight_index]) for c in clusters])


def make_plots(rng, areas, cluster_angle):
    namer = Namer(rng)
    plots = []
    index = Index()
    for code, _, prefix, count in GEMEENTEN:
        info = areas[code]
        env = info[2]
        clusters = [c for c in CLUSTERS if c[0] == code]
        streets = LOCAL_STREETS[code] + GENERIC_STREETS
        n_country = int(round(count * 0.15))
        for i in range(count):
            country = i >= count - n_country
            use = weighted(rng, [(u, v[1] if country else v[0])
                                 for u, v in USES.items()])
            _, _, median, sigma = USES[use]
            for attempt in range(5000):
                area = math.exp(rng.gauss(math.log(median), sigma))
                if not 400 <= area <= 25000:
                    continue
                if country:
                    x, y, near = sample_countryside(rng, clusters, env)
                    angle = rng.uniform(-40, 40)
                else:
                    near = pick_cluster(rng, clusters, 5)
                    x = rng.gauss(near[2], near[4])
                    y = rng.gauss(near[3], near[4])
                    angle = cluster_angle[near[1]] + rng.gauss(0, 6)
                aspect = rng.uniform(1.0, 2.5)
                jitter = 0.05 if rng.random() < 0.6 else 0.0
                coords = quad_coords(rng, x, y, area, aspect, angle, jitter)
                geom = polygon_from(coords)
                real_area = geom.GetArea()
                if not 400 <= real_area <= 25000 or not geom.IsValid():
                    continue
                if not fits(geom, info) or index.near(geom, PLOT_GAP):
                    continue
                break
            else:
                sys.exit("could not place plot %d of %s" % (i, code))
            kavel_id = "%s-%04d" % (prefix, i + 1)
            place = near[1]
            if country and use == "agrarisch" and rng.random() < 0.4:
                templates = ["Agrarisch perceel buitengebied {town}"]
            else:
                templates = PLOT_NAMES[use]
            naam = namer.make(templates, kavel_id, place=place, town=near[7],
                              street=streets, school=SCHOOL_NAMES,
                              church=CHURCH_NAMES)
            year = weighted(rng, YEARS)
            if use == "woningen" and year < 2032 and rng.random() < 0.5:
                year += 1          # sloop-nieuwbouw tends to start later
            plot = {
                "kavel_id": kavel_id, "naam": naam,
                "eigendom": weighted(rng, OWNERS[use]),
                "huidig_gebruik": use, "beschikbaar_vanaf": year,
                "geom": geom, "gemeente": code, "place": place,
                "town": near[7], "country": country,
            }
            plots.append(plot)
            index.add(geom, plot)
    return plots, index


# ---------------------------------------------------------------- facilities

def facility_name(rng, namer, cat, place, town, streets, country, poly):
    if cat == "supermarkt":
        chain = weighted(rng, SUPERMARKETS)
        return namer.make(["{chain} {place}", "{chain} {street}",
                           "{chain} {place}"], "(%s)" % town,
                          chain=chain, place=place, street=streets)
    if cat == "huisarts":
        return namer.make(["Huisartsenpraktijk {place}",
                           "Huisartsenpraktijk De {word}",
                           "Huisartsen {s1} & {s2}",
                           "Gezondheidscentrum {place}",
                           "Huisartsenpraktijk {street}"], town,
                          place=place, word=NICE_WORDS, s1=SURNAMES,
                          s2=SURNAMES, street=streets)
    if cat == "apotheek":
        return namer.make(["Apotheek {place}", "Service Apotheek {place}",
                           "BENU Apotheek {street}", "Apotheek De {word}"],
                          town, place=place, street=streets, word=NICE_WORDS)
    if cat == "ov_halte":
        return namer.make(["Bushalte {street}", "Bushalte {place}, {street}",
                           "Bushalte {place}, {street}"] if not country else
                          ["Bushalte {town}, {street}",
                           "Bushalte buitengebied {town}, {street}"],
                          "(%s)" % town, place=place, town=town,
                          street=streets)
    if cat == "ontmoeting":
        if country or place in VILLAGES:
            tm = ["Dorpshuis {place}", "Dorpshuis De {word}"]
        else:
            tm = ["Buurthuis De {word}", "Wijkcentrum {place}",
                  "Ontmoetingscentrum De {word}", "Bibliotheek {place}",
                  "Seniorensoos {place}", "Buurtkamer {street}"]
        return namer.make(tm, town, place=place, word=NICE_WORDS,
                          street=streets)
    if cat == "zorg":
        if country:
            tm = ["Zorgboerderij De {word}", "Zorgboerderij {street}"]
        elif poly:
            tm = ["Zorgcentrum {care}", "Woonzorgcentrum {care}",
                  "Verpleeghuis {care}"]
        else:
            tm = ["Zorgcentrum {care}", "Woonzorgcentrum {care}",
                  "Thuiszorgsteunpunt {place}", "Dagbesteding De {word}",
                  "Kleinschalig wonen {care}"]
        return namer.make(tm, town, care=CARE_NAMES, place=place,
                          word=NICE_WORDS, street=streets)
    if cat == "groen":
        if country:
            tm = ["Landgoed De {word}", "Bos {street}", "Natuurgebied {place}"]
        else:
            tm = ["Wijkpark {place}", "Park {street}", "Groene Zoom {place}",
                  "Speelbos {place}", "Park De {word}", "Stadspark {town}"]
            if town == "Zwolle":
                tm += ["{park}"] * 2
        return namer.make(tm, town, place=place, street=streets,
                          word=NICE_WORDS, town=town, park=PARK_NAMES_ZWOLLE)
    raise ValueError(cat)


def make_facilities(rng, areas, plot_index, cluster_angle):
    namer = Namer(rng)
    out = {}
    pop = {}
    for code, _, _, _ in GEMEENTEN:
        pop[code] = areas[code][3]["aantal_inwoners"]
    codes = [g[0] for g in GEMEENTEN]
    for cat, total, country_share, spacing in FACILITIES:
        layer = []
        taken = Index()
        # stations first (they are fixed)
        if cat == "ov_halte":
            for code, name, x, y in STATIONS:
                g = point_from(x, y)
                namer.used.add(name)
                layer.append({"naam": name, "geom": g, "gemeente": code})
                taken.add(g)
        total -= 1 if cat in DELIBERATE else 0
        per_gm = apportion(total - len(layer),
                           [pop[c] * rng.uniform(0.85, 1.15) for c in codes])
        n_poly_left = ZORG_POLYGONS if cat == "zorg" else 0
        for code, n in zip(codes, per_gm):
            info = areas[code]
            clusters = [c for c in CLUSTERS if c[0] == code]
            streets = LOCAL_STREETS[code] + GENERIC_STREETS
            n_country = int(round(n * country_share))
            for i in range(n):
                country = i >= n - n_country
                poly = cat == "groen" or (not country and n_poly_left > 0
                                          and rng.random() < 0.4)
                for attempt in range(3000):
                    gap = spacing if attempt < 1000 else spacing / 2
                    if country:
                        x, y, near = sample_countryside(rng, clusters, info[2])
                    else:
                        near = pick_cluster(rng, clusters, 6)
                        x = rng.gauss(near[2], near[4] * 1.2)
                        y = rng.gauss(near[3], near[4] * 1.2)
                    if cat == "groen":
                        area = math.exp(rng.uniform(math.log(5000), math.log(50000)))
                        g = polygon_from(blob_coords(rng, x, y, area))
                    elif poly:
                        area = rng.uniform(1200, 4500)
                        g = polygon_from(quad_coords(
                            rng, x, y, area, rng.uniform(1.2, 2.5),
                            cluster_angle[near[1]] + rng.gauss(0, 5), 0.0))
                    else:
                        g = point_from(round(x, 2), round(y, 2))
                    if not g.IsValid() or not fits(g, info):
                        continue
                    if plot_index.near(g, FACILITY_PLOT_GAP if g.GetDimension() == 0
                                       else PLOT_GAP):
                        continue
                    if taken.near(g, gap if cat != "groen" else 30.0):
                        continue
                    break
                else:
                    sys.exit("could not place %s %d in %s" % (cat, i, code))
                if poly and cat == "zorg":
                    n_poly_left -= 1
                name = facility_name(rng, namer, cat, near[1], near[7], streets,
                                     country, poly)
                layer.append({"naam": name, "geom": g, "gemeente": code})
                taken.add(g)
        out[cat] = layer
    return out, namer


def add_deliberate_overlaps(plots, facilities, namer):
    """Put three facilities exactly inside candidate plots (distance 0)."""
    def first(pred):
        for p in plots:
            if pred(p):
                return p
        raise RuntimeError("no plot for deliberate overlap")

    chosen = []
    p = first(lambda p: p["gemeente"] == "GM0193" and not p["country"]
              and p["huidig_gebruik"] == "parkeerterrein"
              and p["geom"].GetArea() >= 1500)
    facilities["supermarkt"].append({
        "naam": namer.make(["Jumbo {place}", "Lidl {place}"], "(parkeerterrein)",
                           place=p["place"]),
        "geom": p["geom"].PointOnSurface(), "gemeente": p["gemeente"]})
    chosen.append(("supermarkt", p))

    p = first(lambda p: p["gemeente"] == "GM0166" and not p["country"]
              and p["huidig_gebruik"] in ("parkeerterrein", "braak")
              and p["geom"].GetArea() >= 1500)
    facilities["ov_halte"].append({
        "naam": namer.make(["Bushalte P+R {place}"], "(P+R)", place=p["place"]),
        "geom": p["geom"].PointOnSurface(), "gemeente": p["gemeente"]})
    chosen.append(("ov_halte", p))

    p = first(lambda p: p["gemeente"] in ("GM1896", "GM0244")
              and p["huidig_gebruik"] == "kerk" and p["geom"].GetArea() >= 1000)
    facilities["ontmoeting"].append({
        "naam": namer.make(["Ontmoetingscentrum De Kerk {place}"], "(kerk)",
                           place=p["place"]),
        "geom": p["geom"].PointOnSurface(), "gemeente": p["gemeente"]})
    chosen.append(("ontmoeting", p))
    return chosen


# ---------------------------------------------------------------- output

def create_ds(path):
    if os.path.exists(path):
        os.remove(path)
    drv = ogr.GetDriverByName("GPKG")
    return drv.CreateDataSource(path)


def write_gemeenten(path, feats, srs):
    ds = create_ds(path)
    lyr = ds.CreateLayer("gemeenten", srs, ogr.wkbMultiPolygon)
    types = {"id": ogr.OFTString, "gemeentecode": ogr.OFTString,
             "gemeentenaam": ogr.OFTString, "water": ogr.OFTString}
    for name in GM_FIELDS:
        lyr.CreateField(ogr.FieldDefn(name, types.get(name, ogr.OFTInteger)))
    lyr.StartTransaction()
    for r in feats:
        f = ogr.Feature(lyr.GetLayerDefn())
        for name in GM_FIELDS:
            if r[name] is None:
                f.SetFieldNull(name)
            else:
                f.SetField(name, r[name])
        f.SetGeometry(r["geom"])          # unchanged, possibly invalid
        lyr.CreateFeature(f)
    lyr.CommitTransaction()
    ds = None


def write_plots(path, plots, srs):
    ds = create_ds(path)
    lyr = ds.CreateLayer("kavels", srs, ogr.wkbPolygon)
    for name in ("kavel_id", "naam", "eigendom", "huidig_gebruik"):
        lyr.CreateField(ogr.FieldDefn(name, ogr.OFTString))
    lyr.CreateField(ogr.FieldDefn("beschikbaar_vanaf", ogr.OFTInteger))
    lyr.StartTransaction()
    for p in plots:
        f = ogr.Feature(lyr.GetLayerDefn())
        for name in ("kavel_id", "naam", "eigendom", "huidig_gebruik",
                     "beschikbaar_vanaf"):
            f.SetField(name, p[name])
        f.SetGeometry(p["geom"])
        lyr.CreateFeature(f)
    lyr.CommitTransaction()
    ds = None


def to_wgs84(geom, ct):
    """Reproject an RD point/polygon and round to 1e-7 degree (~1 cm)."""
    if geom.GetGeometryType() == ogr.wkbPoint:
        lon, lat, _ = ct.TransformPoint(geom.GetX(), geom.GetY())
        return point_from(round(lon, 7), round(lat, 7))
    ring = geom.GetGeometryRef(0)
    pts = [ring.GetPoint_2D(i) for i in range(ring.GetPointCount() - 1)]
    res = ct.TransformPoints(pts)
    return polygon_from([(round(lon, 7), round(lat, 7)) for lon, lat, _ in res])


def write_facilities(path, facilities):
    rd = osr.SpatialReference()
    rd.ImportFromEPSG(28992)
    wgs = osr.SpatialReference()
    wgs.ImportFromEPSG(4326)
    wgs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    rd.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    ct = osr.CoordinateTransformation(rd, wgs)
    ds = create_ds(path)
    for cat, _, _, _ in FACILITIES:
        items = facilities[cat]
        gtypes = set(it["geom"].GetGeometryType() for it in items)
        if gtypes == {ogr.wkbPoint}:
            gtype = ogr.wkbPoint
        elif gtypes == {ogr.wkbPolygon}:
            gtype = ogr.wkbPolygon
        else:
            gtype = ogr.wkbUnknown    # mixed points and polygons (zorg)
        lyr = ds.CreateLayer(cat, wgs, gtype)
        lyr.CreateField(ogr.FieldDefn("naam", ogr.OFTString))
        lyr.StartTransaction()
        for it in items:
            f = ogr.Feature(lyr.GetLayerDefn())
            f.SetField("naam", it["naam"])
            f.SetGeometry(to_wgs84(it["geom"], ct))
            lyr.CreateFeature(f)
        lyr.CommitTransaction()
    ds = None


def write_targets(path, rng, feats):
    rows = []
    land = {r["gemeentecode"]: r for r in feats if r["water"] == "NEE"}
    for code, _, _, _ in GEMEENTEN:
        inh = land[code]["aantal_inwoners"]
        age = land[code]["percentage_personen_65_jaar_en_ouder"] / NL_PCT_65
        for typ, nl in NL_TARGETS.items():
            opgave = inh * nl / NL_INHABITANTS * age * rng.uniform(0.9, 1.1)
            opgave = max(5, int(round(opgave / 5.0)) * 5)
            if typ == "nultreden":
                share = rng.uniform(1.7, 2.4)
            else:
                share = PLAN_SHARE[code][0 if typ == "geclusterd" else 1]
                share *= rng.uniform(0.95, 1.05)
            plannen = int(round(opgave * share))
            gerealiseerd = int(round(opgave * rng.uniform(0.02, 0.12)))
            if (code, typ) == SECRET_ROW:
                gerealiseerd = CBS_SECRET
            rows.append((code, typ, opgave, plannen, gerealiseerd, "illustratief"))
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("gemeente_code;woningtype;opgave;plannen;gerealiseerd;toelichting\n")
        for r in rows:
            fh.write("%s;%s;%d;%d;%d;%s\n" % r)
    return rows


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", default=os.path.join(REPO, "..", "shared", "data"),
                    help="shared data dir with cbs/gemeenten_2015.gpkg "
                         "(default: ../shared/data relative to the repo root)")
    ap.add_argument("--out-dir", default=os.path.join(REPO, "examples", "zwolle"))
    args = ap.parse_args()

    src = os.path.join(args.data_dir, "cbs", "gemeenten_2015.gpkg")
    if not os.path.exists(src):
        sys.exit("missing %s (use --data-dir)" % src)
    os.makedirs(args.out_dir, exist_ok=True)
    gdal.SetConfigOption("OGR_CURRENT_DATE", FIXED_DATE)
    gdal.PushErrorHandler("CPLQuietErrorHandler")   # GEOS chatter on invalid input
    t0 = time.time()

    rng = random.Random(SEED)
    feats, srs = read_gemeenten(src)
    gdal.PopErrorHandler()
    areas = placement_areas(feats)
    cluster_angle = {c[1]: rng.uniform(-25, 25) for c in CLUSTERS}

    plots, plot_index = make_plots(rng, areas, cluster_angle)
    facilities, namer = make_facilities(rng, areas, plot_index, cluster_angle)
    chosen = add_deliberate_overlaps(plots, facilities, namer)
    rows = write_targets(os.path.join(args.out_dir, "woondeal_opgave.csv"),
                         rng, feats)

    write_gemeenten(os.path.join(args.out_dir, "gemeenten.gpkg"), feats, srs)
    write_plots(os.path.join(args.out_dir, "kavels.gpkg"), plots, srs)
    write_facilities(os.path.join(args.out_dir, "voorzieningen.gpkg"), facilities)

    # summary
    print("gemeenten: %d features (%s invalid: %s)" % (
        len(feats), sum(not r["valid"] for r in feats),
        ", ".join("%s %s" % (r["gemeentenaam"], "water" if r["water"] == "JA" else "land")
                  for r in feats if not r["valid"])))
    areas_m2 = sorted(p["geom"].GetArea() for p in plots)
    mid = sum(1000 <= a <= 6000 for a in areas_m2)
    print("kavels: %d plots, area %.0f..%.0f m2, median %.0f, %d%% in 1000-6000 m2" % (
        len(plots), areas_m2[0], areas_m2[-1], areas_m2[len(areas_m2) // 2],
        100 * mid // len(plots)))
    for cat, _, _, _ in FACILITIES:
        items = facilities[cat]
        npoly = sum(it["geom"].GetGeometryType() == ogr.wkbPolygon for it in items)
        print("voorzieningen.%s: %d (%d polygons)" % (cat, len(items), npoly))
    for cat, p in chosen:
        print("distance 0: %s inside %s (%s)" % (cat, p["kavel_id"], p["naam"]))
    print("woondeal_opgave.csv: %d rows" % len(rows))
    print("done in %.1f s -> %s" % (time.time() - t0, os.path.relpath(args.out_dir)))


if __name__ == "__main__":
    main()
