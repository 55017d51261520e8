"""Bodies every package answers with."""

from __future__ import annotations

import msgspec


class Success(msgspec.Struct):
    """The acknowledgement of a write that returns nothing else."""

    success: bool = True
