"""/api/users/{id}/password, /sessions and /lockout: what an admin does to a
user's access. The routes sit beside the user's own (same path and tag); the
rules are auth's (sessions, password changes, the lockout)."""

from __future__ import annotations

from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody

from app.auth.credentials import Credentials
from app.auth.password_changes import PasswordChanges
from app.auth.schemas import LockoutOut, SessionPage, UnlockOut, lockout_out, session_page
from app.auth.sessions import SessionService
from app.query_params import Cursor, IdPath, Limit
from app.responses import ANSWERS, Success
from app.security.guards import admin_only
from app.security.requests import Callers
from app.users.schemas import PasswordSetIn


class UserAccessController(Controller):
    path = "/api/users"
    tags = ["users"]
    guards = [admin_only]

    @put(
        "/{id:str}/password",
        status_code=200,
        opt={ANSWERS: (429,)},
        summary="Set a user's password; their sessions are revoked",
    )
    async def set_password(
        self,
        id: IdPath,
        data: JSONBody[PasswordSetIn],
        password_changes: NamedDependency[PasswordChanges],
        caller: Callers,
    ) -> Success:
        await password_changes.set_by_admin(id, data.password, caller)
        return Success()

    @get(
        "/{id:str}/lockout",
        summary="A user's login counters and lockouts (per client address and account-wide)",
    )
    async def lockout(self, id: IdPath, credentials: NamedDependency[Credentials]) -> LockoutOut:
        return lockout_out(await credentials.lockout_state(id))

    @delete(
        "/{id:str}/lockout",
        status_code=200,
        summary="Clear a user's lockout (every address); audited",
    )
    async def unlock(
        self, id: IdPath, credentials: NamedDependency[Credentials], caller: Callers
    ) -> UnlockOut:
        return UnlockOut(cleared=await credentials.unlock(id, caller))

    @get("/{id:str}/sessions", summary="A user's active sessions, newest first (cursor pages)")
    async def user_sessions(
        self,
        id: IdPath,
        session_service: NamedDependency[SessionService],
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> SessionPage:
        page = await session_service.active_of_user(id, limit=limit, cursor=cursor)
        return session_page(page, None)

    @post("/{id:str}/sessions/revoke", status_code=200, summary="Revoke all of a user's sessions")
    async def revoke_user_sessions(
        self, id: IdPath, session_service: NamedDependency[SessionService], caller: Callers
    ) -> Success:
        await session_service.revoke_all_of_user(id, caller)
        return Success()
