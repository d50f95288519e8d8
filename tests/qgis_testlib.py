"""qgis_testlib.py — what the QGIS tests (qgis_test.py, report_test.py)
share: check() and its tally, and the rule for a missing QGIS."""
import os
import subprocess
import sys
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="bp-qgis-xdg-"))

SKIP = 77
failures = []


def check(cond, msg):
    print(("ok   " if cond else "FAIL ") + msg)
    if not cond:
        failures.append(msg)


def installable(pkg):
    try:
        out = subprocess.run(["apt-cache", "policy", pkg], capture_output=True, text=True).stdout
    except OSError:
        return False
    return "Candidate:" in out and "Candidate: (none)" not in out


def no_qgis(e):
    """Exits for an ImportError of qgis: 77 (skipped) only where QGIS cannot
    be installed; where it can, a missing QGIS is a failure."""
    if installable("python3-qgis"):
        print("FAIL python3-qgis can be installed here but is not: run scripts/setup.sh --test (%s)" % e)
        sys.exit(1)
    print("SKIPPED: QGIS cannot be installed on this system (no python3-qgis package): %s" % e)
    sys.exit(SKIP)
