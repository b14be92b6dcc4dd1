#!/usr/bin/env python3
"""compare_county.py — scaffolding for tests/bench/compare.sh (not a test).

   compare_county.py fastimport DEVICE_DB   > stream   (git fast-import)
   compare_county.py list DEVICE_DB ROWS FRACTION OUT.csv

fastimport: every record of the demo device's store as the ledger file a
sync and a county merge would leave on main (villages/V/a/b/H/household,
.../members/ID, .../visits/ID, the canonical text as stored), as one commit
on refs/heads/main on top of the county's main: a county of that many
households in a minute instead of an hour of syncing and merging.

list: a department's vehicle list of ROWS rows, FRACTION of them ID numbers
of heads and members of the store (picked at random, each once), the rest
made-up ID numbers with correct check digits that nobody in the store has.
"""
import random
import sqlite3
import sys

W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
MAP = "10X98765432"
DIRS = {"member": "members", "visit": "visits", "flag": "flags"}


def shard(c):
    return c if c.isalnum() and c.isascii() else "_"


def hdir(village, hh):
    return "villages/%s/%s/%s/%s" % (village, shard(hh[-2]), shard(hh[-1]), hh)


def fastimport(db):
    con = sqlite3.connect(db)
    out = sys.stdout.buffer
    msg = (b"county of the demo's households (benchmark scaffolding)\n\n"
           b"Fieldcard-Principal: county-wang\nFieldcard-Device: county\n")
    out.write(b"commit refs/heads/main\n")
    out.write(b"committer county-wang <county-wang@county.fieldcard> 1795424400 +0000\n")
    out.write(b"data %d\n%s" % (len(msg), msg))
    out.write(b"from refs/heads/main^0\n")
    villages = {}
    for hid, village in con.execute("SELECT id, village FROM records WHERE kind = 'household'"):
        villages[hid] = village
    for rid, kind, parent, canonical in con.execute(
            "SELECT id, kind, parent, canonical FROM records"):
        if kind == "household":
            path = hdir(villages[rid], rid) + "/household"
        else:
            path = "%s/%s/%s" % (hdir(villages[parent], parent), DIRS[kind], rid)
        data = canonical.encode()
        out.write(b"M 100644 inline %s\ndata %d\n" % (path.encode(), len(data)))
        out.write(data)
        out.write(b"\n")
    out.write(b"\n")


def check(s17):
    return s17 + MAP[sum(int(c) * w for c, w in zip(s17, W)) % 11]


def make_list(db, rows, fraction, path):
    con = sqlite3.connect(db)
    have = [r[0] for r in con.execute(
        "SELECT head_id_number FROM records WHERE kind = 'household' AND head_id_number <> ''"
        " UNION ALL SELECT id_number FROM records WHERE kind = 'member' AND id_number <> ''"
        " AND member_status <> 'left'")]
    seen = set(i[:18] for i in have)
    rnd = random.Random(20261123)
    hits = rnd.sample(have, min(len(have), int(rows * fraction)))
    ids = list(hits)
    while len(ids) < rows:
        s17 = "5227%02d%04d%02d%02d%03d" % (rnd.randint(1, 99), rnd.randint(1940, 2015),
                                           rnd.randint(1, 12), rnd.randint(1, 28),
                                           rnd.randint(0, 999))
        i = check(s17)
        if i not in seen:
            seen.add(i)
            ids.append(i)
    rnd.shuffle(ids)
    with open(path, "w", encoding="utf-8") as f:
        f.write("身份证号,所有人,号牌号码,车辆类型,登记日期\n")
        for n, i in enumerate(ids):
            f.write("%s,车主%d,黔J%05d,小型轿车,20%02d-%02d-%02d\n" % (
                i, n, n % 100000, 10 + n % 15, 1 + n % 12, 1 + n % 28))
    print("%d rows, %d of them ID numbers in the store" % (len(ids), len(hits)))


if __name__ == "__main__":
    if sys.argv[1] == "fastimport":
        fastimport(sys.argv[2])
    else:
        make_list(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5])
