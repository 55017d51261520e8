"""What each operation does, for the published document (its description),
by handler name; a handler's own docstring wins. Kept beside the document's
other derivations so the controllers stay code; tests/unit/test_api_contract.py
fails on an operation without a description."""

from __future__ import annotations

DESCRIPTIONS: dict[str, str] = {
    "health": "Answers 200 while the process runs; never touches the database.",
    "ready": "Pings the database; 503 `DATABASE_UNAVAILABLE` when it does not answer in "
    "`APP_READY_TIMEOUT_MS`.",
    "login": "Checks the password (lockout per account and address, per-address limit) "
    "and opens a session: its token is in the body once and in the HttpOnly cookie. "
    "Unknown email and wrong password give the same 401.",
    "logout": "Revokes the session of the cookie or bearer token, if any, and clears the "
    "cookie; 200 also for an expired, revoked or unknown session.",
    "me": "The caller's own user document.",
    "patch_me": "A Convex patch of the caller's own `name`, `phone` or `avatar` (null "
    "removes phone and avatar); other fields are 400.",
    "sessions": "The caller's active sessions, newest first, in cursor pages; `current` "
    "marks the one making the request. Tokens are never shown.",
    "revoke_session": "Revokes one of the caller's own sessions; another user's is 404.",
    "change_password": "Checks `currentPassword` (a wrong one is 400 and counts toward "
    "the lockout), applies the password policy, and revokes the caller's other sessions.",
    "get_user": "One user document by `_id`.",
    "batch_get": "Up to 100 users by `_id` in one query; `documents[i]` answers `ids[i]` "
    "(null when there is no such user).",
    "by_email": "The user with this address (normalized as at creation), or 404.",
    "list_users": "Cursor pages of users, filtered by an index (role, isActive, email, "
    "phone, labels) or searched by name (`search`, relevance order).",
    "create_user": "Creates a user (201); the email must be free (409 `EMAIL_TAKEN`). With "
    "`Idempotency-Key` a retry answers the same user (`Idempotent-Replayed: true`).",
    "patch_user": "A Convex patch: absent fields stay, null removes an optional field. "
    "`role` and `permissions` need an admin or `users:admin`; the last holder of "
    "`users:manage` keeps it (409 `LAST_ADMIN`).",
    "delete_user": "Soft delete: `isActive` false and every session revoked; audited. "
    "Your own account is 409 `SELF_DEACTIVATION`.",
    "restore_user": "Sets `isActive` true again; audited.",
    "last_login": "Sets `lastLogin` to now (Convex `updateLastLogin`).",
    "set_password": "Sets a user's password (password policy) and revokes their sessions.",
    "lockout": "The login counters of a user: account-wide and per client address, with "
    "their lockouts.",
    "unlock": "Clears every login counter of a user; audited (`UNLOCK`).",
    "user_sessions": "A user's active sessions, newest first, in cursor pages.",
    "revoke_user_sessions": "Revokes every session of a user.",
    "audit_logs": "Audit logs, newest first, in cursor pages; one filter group at a time "
    "is served by its index.",
    "security_events": "Security events, newest first, in cursor pages; filtered by user, "
    "event type or severity.",
    "verify": "Checks an email and password for an internal service under the login's "
    "rules (lockout, inactive accounts), without a session; the user or 401.",
}
