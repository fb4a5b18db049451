"""A file that cannot be read at all: bad encoding, a broken workbook, a header without a
required column. Terminal (a retry reads the same bytes), and said in one clear sentence."""

from __future__ import annotations

from conveyor import NonRetryable


class MalformedFile(NonRetryable):
    pass
