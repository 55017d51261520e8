"""/api/users/{id}/password, /sessions and /lockout: what an admin does to a
user's access. The routes sit beside the user's own (same path and tag); the
rules are auth's (sessions, password changes, the lockout)."""

from __future__ import annotations

from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody

from app.auth.credentials import Credentials
from app.auth.password_changes import PasswordChanges
from app.auth.schemas import LockoutOut, SessionOut, UnlockOut, lockout_out, session_out
from app.auth.sessions import SessionService
from app.query_params import IdPath
from app.responses import Success
from app.security.guards import admin_only
from app.security.principal import Caller
from app.users.schemas import PasswordSetIn

Callers = NamedDependency[Caller]


class UserAccessController(Controller):
    path = "/api/users"
    tags = ["users"]
    guards = [admin_only]

    @put(
        "/{user_id:str}/password",
        status_code=200,
        summary="Set a user's password; their sessions are revoked",
    )
    async def set_password(
        self,
        user_id: IdPath,
        data: JSONBody[PasswordSetIn],
        password_changes: NamedDependency[PasswordChanges],
        caller: Callers,
    ) -> Success:
        await password_changes.set_by_admin(user_id, data.password, caller)
        return Success()

    @get(
        "/{user_id:str}/lockout",
        summary="A user's login counters and lockouts (per client address and account-wide)",
    )
    async def lockout(
        self, user_id: IdPath, credentials: NamedDependency[Credentials]
    ) -> LockoutOut:
        return lockout_out(await credentials.lockout_state(user_id))

    @delete(
        "/{user_id:str}/lockout",
        status_code=200,
        summary="Clear a user's lockout (every address); audited",
    )
    async def unlock(
        self, user_id: IdPath, credentials: NamedDependency[Credentials], caller: Callers
    ) -> UnlockOut:
        return UnlockOut(cleared=await credentials.unlock(user_id, caller))

    @get("/{user_id:str}/sessions", summary="A user's active sessions")
    async def user_sessions(
        self, user_id: IdPath, session_service: NamedDependency[SessionService]
    ) -> list[SessionOut]:
        return [session_out(s, None) for s in await session_service.active_of_user(user_id)]

    @post(
        "/{user_id:str}/sessions/revoke",
        status_code=200,
        summary="Revoke all of a user's sessions",
    )
    async def revoke_user_sessions(
        self, user_id: IdPath, session_service: NamedDependency[SessionService], caller: Callers
    ) -> Success:
        await session_service.revoke_all_of_user(user_id, caller)
        return Success()
