"""Examples of the published document's bodies, by component schema.

Request examples are valid requests (the fuzzer's examples phase sends
them); IDs are real users IDs of table 10001 (of no user).
"""

from __future__ import annotations

from typing import Any

USER_ID = "j57020g30g2gc1r81450p30d1s7v8jxm"
OTHER_ID = "j57040r40m30e209185gr38e1x7v8p9s"
SESSION_ID = "mBq3r8x0J5k2PqVw9sLd4A"
CURSOR = (
    "WzE3NjI5NjM1OTAxMjMuNCwiajU3MDIwZzMwZzJnYzFyODE0NTBwMzBkMXM3djhqeG0iXQ.x3mG0cYk1QvX2v8JkqN1ZQ"
)
WHEN = "2025-11-12T16:06:30.123Z"

USER = {
    "_id": USER_ID,
    "_creationTime": 1762963590123.4,
    "name": "Ayşe Yılmaz",
    "email": "ayse@example.org",
    "role": "editor",
    "permissions": [],
    "isActive": True,
    "phone": "+90 555 000 0000",
    "labels": ["istanbul"],
    "createdAt": WHEN,
    "lastLogin": WHEN,
    "updatedAt": WHEN,
}
SESSION = {
    "sessionId": SESSION_ID,
    "createdAt": WHEN,
    "lastActiveAt": WHEN,
    "expiresAt": "2025-11-13T16:06:30.123000Z",
    "current": True,
    "ipAddress": "203.0.113.7",
    "userAgent": "Mozilla/5.0",
}

EXAMPLES: dict[str, Any] = {
    # requests
    "LoginIn": {"email": "ayse@example.org", "password": "correct horse battery staple"},
    "VerifyIn": {"email": "ayse@example.org", "password": "correct horse battery staple"},
    "PasswordChangeIn": {
        "currentPassword": "correct horse battery staple",
        "newPassword": "a longer and newer passphrase",
    },
    "PasswordSetIn": {"password": "a longer and newer passphrase"},
    "UserCreate": {
        "name": "Ayşe Yılmaz",
        "email": "ayse@example.org",
        "role": "editor",
        "labels": ["istanbul"],
        "password": "correct horse battery staple",
    },
    "UserPatch": {"role": "staff", "phone": None},
    "SelfPatch": {"name": "Ayşe Yılmaz", "phone": "+90 555 000 0000"},
    "BatchGetIn": {"ids": [USER_ID, OTHER_ID]},
    # responses
    "UserOut": USER,
    "LoginOut": {
        "user": USER,
        "session": {
            "sessionId": SESSION_ID,
            "token": "3q2-7w8Xk1pQ9vLr0sT4yZ6bN5mC2dF8gH1jK3lM0nO",
            "expiresAt": "2025-11-13T16:06:30.123000Z",
        },
    },
    "UserListOut": {"documents": [USER], "continueCursor": CURSOR, "isDone": False, "total": 7},
    "SessionPage": {"documents": [SESSION], "continueCursor": CURSOR, "isDone": True},
    "BatchGetOut": {"documents": [USER, None]},
    "Success": {"success": True},
    "UnlockOut": {"cleared": 2, "success": True},
    "LockoutOut": {
        "locked": True,
        "counters": [
            {
                "scope": "client",
                "failures": 5,
                "windowStartedAt": WHEN,
                "locked": True,
                "lockedUntil": "2025-11-12T16:36:30.123000Z",
                "ipAddress": "203.0.113.7",
            }
        ],
    },
    "AuditLogPage": {
        "documents": [
            {
                "_id": "jh7081860w40j2gb1g6gw3rg257v8y3s",
                "_creationTime": 1762963590123.4,
                "user_id": OTHER_ID,
                "action": "UPDATE",
                "resource": "users",
                "resource_id": USER_ID,
                "timestamp": "2025-11-12T16:06:30.123000Z",
                "changes": {"role": "staff"},
            }
        ],
        "continueCursor": CURSOR,
        "isDone": True,
    },
    "SecurityEventPage": {
        "documents": [
            {
                "_id": "jd70a1g7104gm2rc1m70y40h297v91fc",
                "_creationTime": 1762963590123.4,
                "event_type": "login_failure",
                "severity": "medium",
                "occurred_at": "2025-11-12T16:06:30.123000Z",
                "user_id": USER_ID,
                "ip_address": "203.0.113.7",
                "details": {"reason": "invalid_password"},
            }
        ],
        "continueCursor": CURSOR,
        "isDone": True,
    },
}
