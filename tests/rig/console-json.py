#!/usr/bin/env python3
"""The results document a rig run printed on its console between RIG-JSON-BEGIN and RIG-JSON-END,
written to stdout; exit 1 with what vbench said when there is none (tests/rig/*.sh)."""
import json
import sys

text = open(sys.argv[1], errors="replace").read()
try:
    body = text.split("RIG-JSON-BEGIN", 1)[1].split("RIG-JSON-END", 1)[0].strip()
    json.dump(json.loads(body), sys.stdout)
except (IndexError, ValueError) as e:
    print("FAIL: no readable results document on the console (%s)" % e)
    for line in text.splitlines():
        if line.startswith("vbench"):
            print("  " + line)
    sys.exit(1)
