"""``python -m conveyor check ...`` (see :mod:`conveyor.check`)."""

import sys

from conveyor.check import main

sys.exit(main())
