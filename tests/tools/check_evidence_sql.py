#!/usr/bin/env python3
"""Re-runs the SQL of every finding of a JSON report with the sqlite3 shell
against its bundle and checks that the rows come back: each evidence row the
finding lists must be among the rows its SQL returns (same columns, same
values; reals to 1e-9 relative, as the shell prints 15 digits).

usage: check_evidence_sql.py BUNDLE REPORT.json
Exits 0 when every finding re-runs, 1 naming each that does not, 2 on bad use.
"""
import json
import math
import subprocess
import sys

NULL = "\x02NULL\x02"


def run(bundle, sql):
    p = subprocess.run(
        ["sqlite3", "-readonly", "-batch", "-noheader", "-ascii", "-nullvalue", NULL, bundle],
        input=sql.encode(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0 or p.stderr:
        raise RuntimeError(p.stderr.decode(errors="replace").strip() or "exit %d" % p.returncode)
    out = p.stdout.decode(errors="replace")
    return [r.split("\x1f") for r in out.split("\x1e") if r != ""]


def same(ev, got):
    if ev is None:
        return got == NULL
    if got == NULL:
        return False
    if isinstance(ev, bool):
        ev = int(ev)
    if isinstance(ev, int):
        try:
            return int(got) == ev
        except ValueError:
            try:
                return float(got) == ev
            except ValueError:
                return False
    if isinstance(ev, float):
        try:
            g = float(got)
        except ValueError:
            return False
        if math.isinf(ev) or math.isinf(g):
            return ev == g
        return abs(g - ev) <= 1e-9 * max(1.0, abs(ev), abs(g))
    return got == ev


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[-2], file=sys.stderr)
        return 2
    bundle, report = sys.argv[1], sys.argv[2]
    try:
        findings = json.load(open(report))["findings"]
    except (OSError, ValueError, KeyError) as e:
        print("cannot read findings from '%s': %s" % (report, e), file=sys.stderr)
        return 2
    bad = 0
    for f in findings:
        name = f.get("key") or f.get("rule")
        try:
            rows = run(bundle, f["sql"])
        except RuntimeError as e:
            print("finding %s: its SQL does not run: %s" % (name, e))
            bad += 1
            continue
        ncols = len(f["evidence"]["columns"])
        for ev in f["evidence"]["rows"]:
            if not any(len(r) == ncols and all(same(e, g) for e, g in zip(ev, r)) for r in rows):
                print("finding %s: evidence row %s is not among the %d rows its SQL returns"
                      % (name, json.dumps(ev), len(rows)))
                bad += 1
                break
        else:
            if not f["evidence"]["rows"] and not rows:
                print("finding %s: its SQL returns no rows" % name)
                bad += 1
    print("%d findings re-run, %d do not" % (len(findings), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
