"""`python -m icespec.spec.checks`: the table of column check kinds in docs/quality.md."""

import sys

from icespec.spec.checks import markdown_table

sys.stdout.write(markdown_table())
