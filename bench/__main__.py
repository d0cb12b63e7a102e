"""`python -m bench` runs every benchmark in turn."""

import sys

print("No benchmarks are registered yet.", file=sys.stderr)
sys.exit(1)
