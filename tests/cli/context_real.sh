#!/bin/bash
# Year, stance and direction on real sentences (tests/data/context), against
# the floors in tests/golden/context.py.
exec python3 "$(dirname "$0")/../golden/context.py" "$1" --quiet
