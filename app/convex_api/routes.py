"""``POST {APP_CONVEX_API_PREFIX}/api/{query,mutation,action,function}``: the
endpoints ``ConvexHttpClient`` calls, also under ``//api/…`` (what a trailing
``/`` in the panel's ``NEXT_PUBLIC_CONVEX_URL`` produces).

Callers need a service token with the scope ``convex``, from an allowed
network (``app.convex_api.access``). HTTP-level errors keep the service's one
error body and add Convex's ``message`` field, which the client shows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any

from litestar import Request, Response, Router, post
from litestar.exceptions import NotFoundException
from litestar.params import PathParameter

from app.convex_api.access import convex_guard
from app.convex_api.dispatch import ENDPOINTS, BadRequest, ConvexAPI
from app.deadline import OWN_DEADLINE
from app.errors import ValidationError
from app.http.control_chars import OWN_CONTROL_CHECK
from app.http.middleware import Authenticator
from app.security.principal import Caller, Principal
from app.security.requests import PUBLIC, ClientResolver

ExceptionHandler = Callable[[Request[Any, Any, Any], Exception], Response[Any]]


def with_message(handler: ExceptionHandler) -> ExceptionHandler:
    """The service's error body plus Convex's ``message`` (the same text)."""

    def handle(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        response = handler(request, exc)
        if isinstance(response.content, dict) and "error" in response.content:
            response.content = {**response.content, "message": response.content["error"]}
        return response

    return handle


def convex_router(
    prefix: str,
    api: ConvexAPI,
    client_resolver: ClientResolver,
    exception_handlers: Mapping[Any, ExceptionHandler],
    authenticator: Authenticator,
    allowed_networks: list[str],
) -> Router:
    @post(
        ["/api/{endpoint:str}", "//api/{endpoint:str}"],
        guards=[convex_guard(authenticator, client_resolver, allowed_networks)],
        status_code=200,
        # Functions get the request deadline, and their args the control-character
        # check, in dispatch; forwarded calls neither. PUBLIC: the guard
        # authenticates (both of the client's schemes, after the network check).
        opt={OWN_DEADLINE: True, OWN_CONTROL_CHECK: True, PUBLIC: True},
        include_in_schema=False,
    )
    async def call(
        request: Request[Principal, Any, Any], endpoint: Annotated[str, PathParameter()]
    ) -> Response[bytes]:
        if endpoint not in ENDPOINTS:
            raise NotFoundException()
        caller = Caller(actor=request.user.actor, client=client_resolver(request))
        try:
            answer = await api.call(
                endpoint, await request.body(), caller, request.headers.get("convex-client")
            )
        except BadRequest as exc:
            raise ValidationError(str(exc)) from None
        # The header itself: media_type would append a second charset to an
        # upstream's "text/plain; charset=utf-8".
        return Response(
            answer.body,
            status_code=answer.status_code,
            headers={"content-type": answer.content_type},
        )

    return Router(
        path=prefix,
        route_handlers=[call],
        tags=["convex"],
        exception_handlers={kind: with_message(h) for kind, h in exception_handlers.items()},
    )
