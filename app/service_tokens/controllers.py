"""/api/internal: routes for internal services only (service tokens)."""

from __future__ import annotations

import msgspec
from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from app.auth.credentials import Credentials
from app.deadline import OWN_DEADLINE
from app.responses import ANSWERS
from app.security.guards import allow
from app.security.requests import Client
from app.users.schemas import UserOut, user_out


class VerifyIn(msgspec.Struct, forbid_unknown_fields=True):
    email: str
    password: str


class InternalController(Controller):
    path = "/api/internal"
    tags = ["internal"]

    @post(
        "/auth/verify",
        guards=[allow(None, scope="auth:verify")],
        status_code=200,
        opt={OWN_DEADLINE: True, ANSWERS: (429,)},
        summary="Check an email and password for a service: the user or 401",
    )
    async def verify(
        self, data: JSONBody[VerifyIn], credentials: NamedDependency[Credentials], client: Client
    ) -> UserOut:
        """Check a password without handing out the hash: the user, or 401.

        Same rules as login (lockout, dummy verify, inactive accounts), no session.
        """
        user = await credentials.check(data.email, data.password, client, purpose="verify")
        return user_out(user)
