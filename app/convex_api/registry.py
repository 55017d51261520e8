"""The functions the service owns, by the panel's names, with the panel's
argument validators (CONVEX.md §3.3)."""

from __future__ import annotations

from app.convex_api.functions import (
    Function,
    create_user,
    get_current_user,
    get_user,
    get_user_by_email,
    list_audit_logs,
    list_users,
    logout,
    remove_user,
    update_last_login,
    update_user,
    verify_credentials,
)
from app.convex_api.validators import v

_STR, _BOOL, _NUM = v.string(), v.boolean(), v.number()
_STRINGS = v.array(v.string())
_USER_ID = v.id("users")
_PROFILE = {
    "phone": v.optional(_STR),
    "avatar": v.optional(_STR),
    "labels": v.optional(_STRINGS),
}
# users:create takes these; users:update takes each as optional.
_USER_FIELDS = {
    "name": _STR,
    "email": _STR,
    "role": _STR,
    "permissions": _STRINGS,
    "passwordHash": _STR,
    "isActive": _BOOL,
}
_ACTION = v.union(*(v.literal(a) for a in ("CREATE", "UPDATE", "DELETE", "VIEW")))

FUNCTIONS: dict[str, Function] = {
    "auth:getUserByEmail": Function("query", v.object(email=_STR), get_user_by_email),
    "auth:getCurrentUser": Function(
        "query", v.object(userId=v.optional(_USER_ID)), get_current_user
    ),
    "auth:updateLastLogin": Function("mutation", v.object(userId=_USER_ID), update_last_login),
    "auth:logout": Function("mutation", v.object(), logout),
    "auth:verifyCredentials": Function(
        "mutation",
        v.object(
            email=_STR,
            password=_STR,
            ipAddress=v.optional(_STR),
            userAgent=v.optional(_STR),
        ),
        verify_credentials,
    ),
    "users:list": Function(
        "query",
        v.object(
            search=v.optional(_STR),
            role=v.optional(_STR),
            isActive=v.optional(_BOOL),
            limit=v.optional(_NUM),
            cursor=v.optional(_STR),
        ),
        list_users,
    ),
    "users:get": Function("query", v.object(id=_USER_ID), get_user),
    "users:getByEmail": Function("query", v.object(email=_STR), get_user_by_email),
    "users:create": Function("mutation", v.object(**_USER_FIELDS, **_PROFILE), create_user),
    "users:update": Function(
        "mutation",
        v.object(id=_USER_ID, **{k: v.optional(f) for k, f in _USER_FIELDS.items()}, **_PROFILE),
        update_user,
    ),
    "users:remove": Function("mutation", v.object(id=_USER_ID), remove_user),
    "audit_logs:list": Function(
        "query",
        v.object(
            resourceId=v.optional(_STR),
            userId=v.optional(_USER_ID),
            action=v.optional(_ACTION),
            resource=v.optional(_STR),
            startDate=v.optional(_STR),
            endDate=v.optional(_STR),
            limit=v.optional(_NUM),
        ),
        list_audit_logs,
    ),
}

# Modules whose functions read or write the service's tables: what is not in
# FUNCTIONS there is "not found", never forwarded (Convex's copies of these
# tables go stale once the service owns them).
OWNED_MODULES = frozenset(
    {"auth", "users", "audit_logs", "security_audit", "two_factor_auth", "seed"}
)
