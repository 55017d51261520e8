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
from app.convex_api.validators import Optional, Validator, v

_STR, _BOOL, _NUM = v.string(), v.boolean(), v.number()
_STRINGS = v.array(v.string())
_USER_ID = v.id("users")


def _optional(**fields: Validator) -> dict[str, Optional]:
    return {name: v.optional(field) for name, field in fields.items()}


_PROFILE = _optional(phone=_STR, avatar=_STR, labels=_STRINGS)
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
        v.object(email=_STR, password=_STR, **_optional(ipAddress=_STR, userAgent=_STR)),
        verify_credentials,
    ),
    "users:list": Function(
        "query",
        v.object(**_optional(search=_STR, role=_STR, isActive=_BOOL, limit=_NUM, cursor=_STR)),
        list_users,
    ),
    "users:get": Function("query", v.object(id=_USER_ID), get_user),
    "users:getByEmail": Function("query", v.object(email=_STR), get_user_by_email),
    "users:create": Function("mutation", v.object(**_USER_FIELDS, **_PROFILE), create_user),
    "users:update": Function(
        "mutation",
        v.object(id=_USER_ID, **_optional(**_USER_FIELDS), **_PROFILE),
        update_user,
    ),
    "users:remove": Function("mutation", v.object(id=_USER_ID), remove_user),
    "audit_logs:list": Function(
        "query",
        v.object(
            # which logs, then the period and the page size
            **_optional(resourceId=_STR, userId=_USER_ID, action=_ACTION, resource=_STR),
            **_optional(startDate=_STR, endDate=_STR, limit=_NUM),
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
