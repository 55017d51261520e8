"""/api/users and PATCH /api/auth/me: parse, call one service method, map to
Structs. A user's password, sessions and lockout are ``app.auth.access``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, HeaderParameter, JSONBody, QueryParameter

from app.idempotency.service import HEADER, KEY_PATTERN
from app.query_params import Cursor, IdPath, Limit
from app.responses import ANSWERS, Success
from app.security.guards import admin_only, allow, signed_in
from app.security.principal import Principal
from app.security.requests import Callers
from app.users.filters import UserFilters
from app.users.idempotent import IdempotentUserCreation
from app.users.privileges import require_admin_scope
from app.users.schemas import (
    PHONE_PATTERN,
    BatchGetIn,
    BatchGetOut,
    Label,
    SelfPatch,
    UserCreate,
    UserListOut,
    UserOut,
    UserPatch,
    user_out,
)
from app.users.service import UsersService

# Constraints on the outermost type: see app/query_params.py.
RoleQuery = Annotated[str | None, QueryParameter(min_length=1, max_length=64)]
EmailQuery = Annotated[str | None, QueryParameter(min_length=3, max_length=254)]
PhoneQuery = Annotated[str | None, QueryParameter(pattern=PHONE_PATTERN, max_length=32)]
SearchQuery = Annotated[str | None, QueryParameter(min_length=1, max_length=200)]
LabelsQuery = Annotated[list[Label] | None, QueryParameter(max_items=100)]
IdempotencyKey = Annotated[str | None, HeaderParameter(name=HEADER, pattern=KEY_PATTERN)]

read = allow("users:manage", scope="users:read")
write = allow("users:manage", scope="users:write")

Users = NamedDependency[UsersService]
# Soft delete and restore: admins only, answered with the user as it now is.
_ADMIN_STATE_CHANGE: dict[str, Any] = {"guards": [admin_only], "status_code": 200}
AnyRequest = Request[Principal, Any, Any]


class UsersController(Controller):
    path = "/api/users"
    tags = ["users"]

    @get("/{id:str}", guards=[read], summary="Get a user by ID (users.get)")
    async def get_user(self, id: IdPath, users_service: Users) -> UserOut:
        return user_out(await users_service.get(id))

    @post("/batch-get", guards=[read], status_code=200, summary="Get up to 100 users by ID")
    async def batch_get(self, data: JSONBody[BatchGetIn], users_service: Users) -> BatchGetOut:
        found = await users_service.get_many(data.ids)
        return BatchGetOut(documents=[user_out(u) if u else None for u in found])

    @get(
        "/by-email",
        guards=[read],
        opt={ANSWERS: (404,)},
        summary="Get a user by email (getUserByEmail)",
    )
    async def by_email(
        self,
        email: Annotated[str, QueryParameter(min_length=3, max_length=254)],
        users_service: Users,
    ) -> UserOut:
        return user_out(await users_service.get_by_email(email))

    @get("/", guards=[admin_only], summary="List or search users (users.list)")
    async def list_users(
        self,
        users_service: Users,
        role: RoleQuery = None,
        is_active: Annotated[bool | None, QueryParameter(name="isActive")] = None,
        search: SearchQuery = None,
        email: EmailQuery = None,
        phone: PhoneQuery = None,
        labels: LabelsQuery = None,
        limit: Limit = 50,
        cursor: Cursor = None,
        order: FromQuery[Literal["asc", "desc"]] = "asc",
        with_total: Annotated[bool, QueryParameter(name="withTotal")] = True,
    ) -> UserListOut:
        filters = UserFilters(
            role=role, is_active=is_active, email=email, phone=phone, labels=tuple(labels or ())
        )
        if search is not None:
            result = await users_service.search(
                search, filters, limit=limit, cursor=cursor, with_total=with_total
            )
        else:
            result = await users_service.list_users(
                filters, order=order, limit=limit, cursor=cursor, with_total=with_total
            )
        return UserListOut(
            documents=[user_out(user) for user in result.page.documents],
            continueCursor=result.page.continue_cursor,
            isDone=result.page.is_done,
            total=result.total,
        )

    @post(
        "/",
        guards=[admin_only],
        opt={ANSWERS: (409, 422, 429)},
        summary="Create a user (users.create); safe to retry with an Idempotency-Key",
    )
    async def create_user(
        self,
        data: JSONBody[UserCreate],
        users_service: Users,
        user_creation: NamedDependency[IdempotentUserCreation],
        caller: Callers,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[UserOut]:
        if idempotency_key is None:
            created = await users_service.create(data.fields(), password=data.password, by=caller)
            return Response(user_out(created), status_code=201)
        created, replayed = await user_creation.create(
            data.fields(), password=data.password, by=caller, key=idempotency_key
        )
        headers = {"Idempotent-Replayed": "true"} if replayed else None
        return Response(user_out(created), status_code=201, headers=headers)

    @patch(
        "/{id:str}", guards=[write], opt={ANSWERS: (409,)}, summary="Patch a user (users.update)"
    )
    async def patch_user(
        self,
        request: AnyRequest,
        id: IdPath,
        data: JSONBody[UserPatch],
        users_service: Users,
        caller: Callers,
    ) -> UserOut:
        changes = data.changes()
        await require_admin_scope(request, request.user, changes)
        updated = await users_service.patch(id, changes, by=caller)
        return user_out(updated)

    @delete(
        "/{id:str}",
        **_ADMIN_STATE_CHANGE,
        opt={ANSWERS: (409,)},
        summary="Soft delete: deactivate and revoke sessions",
    )
    async def delete_user(self, id: IdPath, users_service: Users, caller: Callers) -> UserOut:
        return user_out(await users_service.deactivate(id, caller))

    @post("/{id:str}/restore", **_ADMIN_STATE_CHANGE, summary="Reactivate a soft-deleted user")
    async def restore_user(self, id: IdPath, users_service: Users, caller: Callers) -> UserOut:
        return user_out(await users_service.restore(id, caller))

    @post(
        "/{id:str}/last-login",
        guards=[write],
        status_code=200,
        summary="Set lastLogin to now (updateLastLogin)",
    )
    async def last_login(self, id: IdPath, users_service: Users) -> Success:
        await users_service.update_last_login(id)
        return Success()


@patch(
    "/api/auth/me",
    guards=[signed_in],
    tags=["auth"],
    summary="Change your own name, phone or avatar",
)
async def patch_me(data: JSONBody[SelfPatch], users_service: Users, caller: Callers) -> UserOut:
    # A session's actor is the user's own _id.
    return user_out(await users_service.patch(caller.actor, data.changes(), by=caller))
