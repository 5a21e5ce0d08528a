import sys

from icespec.cli import main

sys.exit(main())
