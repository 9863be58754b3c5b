#!/bin/sh
# The layers of docs/architecture.md, checked on the includes: a file
# includes headers of its own folder or of a floor below, never of a floor
# above or of a sibling on its own floor; the private headers stay with
# their folder; only main.c includes a command's header; extractors/
# includes none of the daemon's libraries.  usage: layers.sh [FACTD] (FACTD is not used)
cd "$(dirname "$0")/../.." || exit 2
exec python3 - <<'PY'
import os, re, sys

FLOORS = {  # a folder may include its own headers and those of lower floors
    "extractors": 0,
    "daemon/base": 1,
    "daemon/store": 2,
    "daemon/warc": 2,
    "daemon/crawl": 3,
    "daemon/cmd": 4,
}
PRIVATE = {  # header: who may include it
    "crawl.h": lambda f: f.startswith("daemon/crawl/") or f == "daemon/cmd/run_cmd.c",
    "store_impl.h": lambda f: f.startswith("daemon/store/"),
    "pattern_file.h": lambda f: f in ("extractors/patternset.c", "extractors/pattern_file.c"),
    "charset_detect.h": lambda f: f in ("extractors/charset.c", "extractors/charset_detect.c"),
    "metrics_impl.h": lambda f: f in ("daemon/base/metrics.c", "daemon/base/metrics_listen.c"),
    "context.h": lambda f: f in ("extractors/extract.c", "extractors/context.c"),
    "quantity.h": lambda f: f in ("extractors/subject.c", "extractors/quantity.c",
                                  "extractors/direction.c"),
    "direction.h": lambda f: f in ("extractors/subject.c", "extractors/direction.c"),
    "words.h": lambda f: f.startswith("extractors/") and f[11:].split(".")[0]
    in ("extract", "context", "subject", "quantity", "direction", "words"),
}
DAEMON_LIBS = ("ev.h", "curl/", "sqlite3.h", "systemd/", "microhttpd.h", "zlib.h")

where, files = {}, []
for folder in FLOORS:
    for name in sorted(os.listdir(folder)):
        if name.endswith((".c", ".h")):
            files.append(f"{folder}/{name}")
            if name.endswith(".h"):
                where[name] = folder
bad = []
for path in files:
    folder = os.path.dirname(path)
    own = os.path.basename(path)[:-2] + ".h"
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        m = re.match(r'#include ([<"])([^>"]+)[>"]', line)
        if not m:
            continue
        kind, inc = m.groups()
        if kind == "<":
            if folder == "extractors" and inc.startswith(DAEMON_LIBS):
                bad.append(f"{path}:{n}: extractors/ includes the daemon's library <{inc}>")
            continue
        if inc not in where:
            continue  # generated, or a library's
        to = where[inc]
        if inc in PRIVATE and not PRIVATE[inc](path):
            bad.append(f"{path}:{n}: {inc} is private to its folder")
        elif inc.endswith("_cmd.h") and inc != own and path != "daemon/cmd/main.c":
            bad.append(f"{path}:{n}: only main.c includes a command's header ({inc})")
        elif to != folder and FLOORS[to] >= FLOORS[folder]:
            bad.append(f"{path}:{n}: {folder}/ (floor {FLOORS[folder]}) includes {to}/{inc} "
                       f"(floor {FLOORS[to]}): up a floor or sideways")
for b in bad:
    print(b)
print(f"layers: {len(files)} files, {len(bad)} includes out of place")
sys.exit(1 if bad else 0)
PY
