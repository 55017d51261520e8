"""Bodies every package answers with."""

from __future__ import annotations

import msgspec


class Success(msgspec.Struct):
    """The acknowledgement of a write that returns nothing else."""

    success: bool = True


# Route opt key: the error statuses a route's domain adds to those the
# published document derives from its guards, parameters and body
# (app/http/contract.py), e.g. ``opt={ANSWERS: (409,)}``.
ANSWERS = "answers"
