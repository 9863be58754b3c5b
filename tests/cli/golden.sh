#!/bin/bash
# Golden facts: the sample reports against their gold, peer cases, negatives.
exec python3 "$(dirname "$0")/../golden/score.py" "$1"
