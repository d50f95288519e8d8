#!/usr/bin/python3
"""report_test.py — `bodnaarplot report`: the workshop handout as PDF.

    /usr/bin/python3 tests/report_test.py BODNAARPLOT SOURCE_DIR

Runs the Zwolle example, renders its handout and checks through poppler
(pdftoppm, pdftotext) that
  - there is an overview page and at least one page per gemeente, and no
    page is blank;
  - the text holds every gemeente's name, the Dutch headings and its
    figures; without a programme it lists the best-ranked plots;
  - with a decision (`bodnaarplot besluit`) and a programme (`bodnaarplot
    program`) on a copy it lists the programmed and reserved plots with
    partners, reasons and notes, and the programmed and remaining homes per
    type;
  - an existing PDF is refused without --overwrite, the input never
    written over, and a failed run leaves nothing behind.
Exit 77 (skipped) only where QGIS cannot be installed.
"""
import os
import shutil
import subprocess
import sys
import tempfile

from qgis_testlib import check, failures, no_qgis

try:
    import qgis.core  # noqa: F401  (only whether QGIS is there; bodnaarplot runs it)
except ImportError as e:
    no_qgis(e)
if not shutil.which("pdftoppm") or not shutil.which("pdftotext"):
    print("FAIL pdftoppm/pdftotext missing: run scripts/setup.sh --test (poppler-utils)")
    sys.exit(1)
from osgeo import ogr  # noqa: E402

ogr.UseExceptions()
GEMEENTEN = ["Dalfsen", "Hattem", "Kampen", "Zwartewaterland", "Zwolle"]


def pdf_pages(pdf, tmp):
    """Per page: the share of pixels that are not white (at 30 dpi)."""
    prefix = os.path.join(tmp, "page")
    subprocess.run(["pdftoppm", "-r", "30", "-gray", pdf, prefix], check=True)
    shares = []
    for name in sorted(f for f in os.listdir(tmp) if f.startswith("page") and f.endswith(".pgm")):
        with open(os.path.join(tmp, name), "rb") as f:
            data = f.read()
        # binary PGM: "P5\n<w> <h>\n<max>\n" then one byte a pixel
        head = data.split(b"\n", 3)
        pixels = head[3]
        shares.append(sum(1 for b in pixels if b < 240) / max(1, len(pixels)))
        os.remove(os.path.join(tmp, name))
    return shares


def pdf_text(pdf, layout=True):
    return subprocess.run(["pdftotext"] + (["-layout"] if layout else []) + [pdf, "-"], capture_output=True,
                          text=True, check=True).stdout


def report(exe, gpkg, pdf, *extra):
    return subprocess.run([exe, "report", gpkg, "-o", pdf] + list(extra), capture_output=True, text=True)


def add_workshop(exe, gpkg):
    """A session's decisions (bodnaarplot besluit) and the programme
    (bodnaarplot program) on a copy of the result; returns the reserved
    plot and the programme's plots."""
    ds = ogr.Open(gpkg)
    lyr = ds.ExecuteSQL("SELECT plot_id FROM candidates WHERE gemeente_naam = 'Kampen' AND rank IS NOT NULL "
                        "ORDER BY rank LIMIT 1")
    reserved = lyr.GetNextFeature().GetField(0)
    ds.ReleaseResultSet(lyr)
    ds = None
    subprocess.run([exe, "besluit", gpkg, reserved, "--besluit", "gereserveerd", "--woningtype", "zorggeschikt",
                    "--woningen", "24", "--corporatie", "deltaWonen", "--zorg", "IJsselheem", "--opmerking",
                    "Grond van de gemeente; de buurt vraagt om een huiskamer met zicht op de IJssel, en de "
                    "corporatie wil eerst het parkeren geregeld zien"], check=True, capture_output=True)
    subprocess.run([exe, "program", gpkg, "-q"], check=True, capture_output=True)
    ds = ogr.Open(gpkg)
    programme = [f.GetField("plot_id") for f in ds.GetLayerByName("programma")]
    ds = None
    return reserved, programme


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    exe, src = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    tmp = tempfile.mkdtemp(prefix="bp-report-")
    try:
        gpkg = os.path.join(tmp, "zwolle.gpkg")
        subprocess.run([exe, "run", os.path.join(src, "examples/zwolle/project.yaml"), "-o", gpkg, "-q"], check=True)
        pdf = os.path.join(tmp, "werksessie.pdf")
        r = report(exe, gpkg, pdf)
        check(r.returncode == 0 and os.path.exists(pdf), "report writes the PDF (exit %d %s)" % (r.returncode, r.stderr.strip()))
        if not os.path.exists(pdf):
            return
        shares = pdf_pages(pdf, tmp)
        check(len(shares) >= 1 + len(GEMEENTEN), "an overview page and a page per gemeente (%d pages)" % len(shares))
        check(all(s > 0.01 for s in shares), "no page is blank (ink per page: %s)" % ["%.3f" % s for s in shares])
        check(max(shares) > 0.1, "the map pages carry a map (most ink %.2f)" % max(shares))
        text = pdf_text(pdf)
        missing = [g for g in GEMEENTEN if g not in text]
        check(not missing, "the text holds every gemeente's name (missing: %s)" % missing)
        for words in ["Werksessie ouderenhuisvesting", "Opgave en programma per woningtype", "Nultreden",
                      "Gerealiseerd", "Tekort", "Resterend", "best scorende kavels", "GM0193"]:
            check(words in text, "Dutch text: %r" % words)
        check("2.645" in text, "numbers in Dutch notation (capacity of Zwolle 2.645)")
        check("Zonder achtergrondkaart" in text or "BRT-Achtergrondkaart" in text,
              "the page says whether the basemap is drawn")
        leftovers = [f for f in os.listdir(tmp) if "bodnaarplot-tmp" in f]
        check(not leftovers, "no temporary file left (%s)" % leftovers)

        # a long list flows onto further pages, no row lost
        pdf40 = os.path.join(tmp, "top40.pdf")
        r = report(exe, gpkg, pdf40, "--top", "40")
        ds = ogr.Open(gpkg)
        want = []
        for g in GEMEENTEN:
            lyr = ds.ExecuteSQL("SELECT plot_id FROM candidates WHERE gemeente_naam = '%s' AND rank IS NOT NULL "
                                "ORDER BY rank LIMIT 40" % g)
            want += [f.GetField(0) for f in lyr]
            ds.ReleaseResultSet(lyr)
        ds = None
        words = set(pdf_text(pdf40, False).split()) if r.returncode == 0 else set()
        lost = [w for w in want if w not in words]
        check(r.returncode == 0 and not lost,
              "--top 40: all %d plots listed over continuation pages (lost: %s)" % (len(want), lost[:5]))
        check("vervolg" in pdf_text(pdf40), "continuation pages say so")

        # a temporary file of a killed run is removed by the next
        stale = os.path.join(tmp, ".werksessie.pdf.bodnaarplot-tmp-999999999-1.pdf")
        open(stale, "w").close()
        r = report(exe, gpkg, pdf, "--overwrite")
        check(r.returncode == 0 and not os.path.exists(stale), "a killed run's temporary file is cleaned up")

        # the overwrite rule
        r = report(exe, gpkg, pdf)
        check(r.returncode == 2 and "--overwrite" in r.stderr, "an existing PDF is refused without --overwrite")
        r = report(exe, gpkg, pdf, "--overwrite")
        check(r.returncode == 0, "--overwrite replaces it")
        size = os.path.getsize(gpkg)
        r = report(exe, gpkg, gpkg, "--overwrite")
        check(r.returncode == 2 and os.path.getsize(gpkg) == size, "the input is never written over (%s)" % r.stderr.strip())
        r = report(exe, os.path.join(tmp, "missing.gpkg"), os.path.join(tmp, "x.pdf"))
        check(r.returncode == 2 and "missing.gpkg" in r.stderr and not os.path.exists(os.path.join(tmp, "x.pdf")),
              "a missing input is a usage error naming it")
        r = report(exe, os.path.join(src, "examples/zwolle/kavels.gpkg"), os.path.join(tmp, "y.pdf"))
        check(r.returncode == 1 and not os.path.exists(os.path.join(tmp, "y.pdf")),
              "a GeoPackage that is no result is refused, nothing left (exit %d: %s)" % (r.returncode, r.stderr.strip()))

        # with a programme and decisions
        work = os.path.join(tmp, "werk.gpkg")
        shutil.copy(gpkg, work)
        reserved, programme = add_workshop(exe, work)
        pdf2 = os.path.join(tmp, "programma.pdf")
        r = report(exe, work, pdf2)
        check(r.returncode == 0, "report of a result with a programme (exit %d %s)" % (r.returncode, r.stderr.strip()))
        text = " ".join(pdf_text(pdf2, False).split()) if r.returncode == 0 else ""  # wrapped cells joined
        for words in ["Geprogrammeerde en gereserveerde kavels", reserved, "deltaWonen", "IJsselheem",
                      "gereserveerd", "voorgesteld", "huiskamer met zicht op de IJssel", "Geprogrammeerd",
                      "Toelichting", "gedekt"]:
            check(words in text, "programme pages hold %r" % words)
        check("Dit resultaat heeft nog geen programma" not in text, "no 'no programme yet' note")
        words = set(text.split())
        lost = [z for z in programme if z not in words]
        check(programme and not lost, "every plot of the programme listed (%d; lost: %s)" % (len(programme), lost))
        shares = pdf_pages(pdf2, tmp)
        check(shares and all(s > 0.01 for s in shares), "no page of it is blank")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d checks failed" % len(failures))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
