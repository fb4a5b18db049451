"""Start upstream Flower without the endpoints that change workers or tasks.

Flower has no read-only switch; this launcher removes its control and task-submission handlers
before the web application is built, then hands over to ``celery flower`` with the given
arguments. Everything that only reads (workers, tasks, broker, metrics) stays.
"""

import re
import sys

from celery.bin.celery import main
from flower import urls

MUTATING = re.compile(
    r"^/api/(worker/|task/(apply|async-apply|send-task|abort|timeout|rate-limit|revoke)/)"
)


def _pattern(handler):
    return handler[0] if isinstance(handler, tuple) else handler.regex.pattern


urls.handlers[:] = [h for h in urls.handlers if not MUTATING.match(_pattern(h))]

if __name__ == "__main__":
    sys.argv[0] = "celery"
    sys.exit(main())
