"""`python -m emulator serve --port 0 --db PATH --seed demo --admin-token SECRET`."""

from __future__ import annotations

import sys

from emulator.cli import main

sys.exit(main())
