"""/api/auth: login, logout, me, sessions, password."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter

from app.auth.password_changes import PasswordChanges
from app.auth.schemas import (
    LoginIn,
    LoginOut,
    PasswordChangeIn,
    SessionPage,
    SessionTokenOut,
    session_page,
)
from app.auth.sessions import SessionService
from app.config import Settings
from app.deadline import OWN_DEADLINE
from app.error_responses import DATABASE_ERRORS, answer
from app.query_params import Cursor, Limit
from app.responses import ANSWERS, Success
from app.security.guards import signed_in
from app.security.principal import Principal
from app.security.requests import PUBLIC, Client, credentials
from app.users.schemas import UserOut, user_out

SessionIdPath = Annotated[
    str,
    PathParameter(
        pattern=r"^[A-Za-z0-9_-]{16,64}$",
        description="The session's sessionId (from GET /api/auth/sessions).",
    ),
]


def _clear_cookie(settings: Settings) -> Cookie:
    return Cookie(
        key=settings.cookie_name,
        value="",
        max_age=0,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
    )


class AuthController(Controller):
    path = "/api/auth"
    tags = ["auth"]

    @post(
        "/login",
        opt={PUBLIC: True, OWN_DEADLINE: True, ANSWERS: (400, 401, 403, 429, 503)},
        status_code=200,
        summary="Sign in with email and password: the user and a new session (also a cookie)",
    )
    async def login(
        self,
        data: JSONBody[LoginIn],
        session_service: NamedDependency[SessionService],
        client: Client,
        settings: NamedDependency[Settings],
    ) -> Response[LoginOut]:
        result = await session_service.login(data.email, data.password, data.rememberMe, client)
        body = LoginOut(
            user=user_out(result.user),
            session=SessionTokenOut(
                sessionId=result.session_id, token=result.token, expiresAt=result.expires_at
            ),
        )
        cookie = Cookie(
            key=settings.cookie_name,
            value=result.token,
            max_age=result.max_age_seconds,
            path="/",
            httponly=True,
            samesite="lax",
            secure=settings.cookie_secure,
        )
        return Response(body, cookies=[cookie])

    # Public: an expired, revoked or unknown session still gets its cookie
    # cleared (a frontend cannot clear an HttpOnly cookie itself).
    @post(
        "/logout",
        opt={PUBLIC: True, ANSWERS: (503,)},
        status_code=200,
        summary="Sign out: revoke the caller's session, if any, and clear the cookie",
    )
    async def logout(
        self,
        request: Request[Any, Any, Any],
        session_service: NamedDependency[SessionService],
        client: Client,
        settings: NamedDependency[Settings],
    ) -> Response[Success]:
        token = credentials(request, settings.cookie_name)
        try:
            if token:
                await session_service.logout(token, client)
        except DATABASE_ERRORS as exc:
            # 503, and still the cookie is cleared: the user asked to be signed out here.
            response: Response[Any] = answer(request, exc)
        else:
            response = Response(Success())
        response.set_cookie(_clear_cookie(settings))
        return response

    @get("/me", guards=[signed_in], summary="Your own user document")
    async def me(self, request: Request[Principal, Any, Any]) -> UserOut:
        assert request.user.user is not None
        return user_out(request.user.user)

    @get(
        "/sessions",
        guards=[signed_in],
        summary="Your active sessions, newest first (cursor pages; `current` marks this one)",
    )
    async def sessions(
        self,
        request: Request[Principal, Any, Any],
        session_service: NamedDependency[SessionService],
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> SessionPage:
        principal = request.user
        assert principal.user_id is not None
        page = await session_service.active(principal.user_id, limit=limit, cursor=cursor)
        return session_page(page, principal.session_id)

    @delete(
        "/sessions/{sessionId:str}",
        guards=[signed_in],
        status_code=200,
        summary="Revoke one of your sessions",
    )
    async def revoke_session(
        self,
        request: Request[Principal, Any, Any],
        sessionId: SessionIdPath,  # the README's name, so the document's
        session_service: NamedDependency[SessionService],
        client: Client,
    ) -> Success:
        principal = request.user
        assert principal.user_id is not None
        await session_service.revoke(principal.user_id, sessionId, client, actor=principal.actor)
        return Success()

    @post(
        "/password",
        guards=[signed_in],
        status_code=200,
        opt={OWN_DEADLINE: True, ANSWERS: (429,)},
        summary="Change your own password; your other sessions are revoked",
    )
    async def change_password(
        self,
        request: Request[Principal, Any, Any],
        data: JSONBody[PasswordChangeIn],
        password_changes: NamedDependency[PasswordChanges],
        client: Client,
    ) -> Success:
        await password_changes.change_own(
            request.user, data.currentPassword, data.newPassword, client
        )
        return Success()
