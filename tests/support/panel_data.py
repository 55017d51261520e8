"""The panel's data in its exact Convex schema (CONVEX.md §3.2), for import
fixtures and the bench: users with Turkish names and bcrypt hashes of cost 10
(the seed's) and 12 (the routes'), sessions, security events, audit logs and a
table the service does not own. Values are Python: int = int64, float =
float64, bytes = bytes."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import bcrypt

from app.clock import js_iso
from tests.support.convex_spec import fixture_id as convex_id

TABLE_NUMBERS = {
    "users": 10001,
    "beneficiaries": 10003,
    "audit_logs": 10012,
    "security_events": 10025,
    "user_sessions": 10026,
}
FIRST = (
    "Ayşe Fatma Emine Hatice Zeynep Elif Meryem Şerife Zehra Merve Özlem Gülşen İlknur Çiğdem "
    "Büşra Ebru Mehmet Mustafa Ahmet Ali Hüseyin Hasan İbrahim İsmail Osman Yusuf Murat Ömer "
    "Ramazan Halil Süleyman Abdullah Recep Emre Burak Çağrı Oğuz Işık Uğur Gökhan"
).split()
LAST = (
    "Yılmaz Kaya Demir Şahin Çelik Yıldız Yıldırım Öztürk Aydın Özdemir Arslan Doğan Kılıç "
    "Aslan Çetin Kara Koç Kurt Özkan Şimşek Polat Korkmaz Çakır Erdoğan Güneş Akın Aktaş Bulut"
).split()
ASCII = str.maketrans("çğıöşüÇĞİÖŞÜ", "cgiosuCGIOSU")
ROLES = ("Personel", "Gönüllü", "Muhasebe", "ADMIN", "Sosyal Hizmet Uzmanı")
MODULES = ("beneficiaries", "donations", "scholarships", "messages", "finance", "reports")
SEED_PERMISSIONS = [f"{m}:access" for m in (*MODULES, "aid_applications")] + [
    "workflow:access",
    "partners:access",
    "settings:access",
    "users:manage",
]
EVENT_TYPES = ("login_success", "login_failure", "2fa_enabled", "permission_denied", "logout")
SEVERITIES = ("low", "medium", "high", "critical")
ACTIONS = ("CREATE", "UPDATE", "DELETE", "VIEW")
AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0"


@dataclass(frozen=True)
class Secret:
    password: str
    cost: int
    prefix: str  # 2a, 2b, 2y


SECRETS = (
    Secret("Baskan2024!", 10, "2b"),  # the seed (bcryptjs cost 10)
    Secret("Gizli-Parola-12", 12, "2b"),  # the routes (cost 12)
    Secret("Eski.Sifre.2a", 10, "2a"),
    Secret("Php-Sifresi-2y", 12, "2y"),
)


@cache
def bcrypt_hash(secret: Secret) -> str:
    """Computed once per process and shared by every user with this secret."""
    prefix = b"2a" if secret.prefix == "2a" else b"2b"
    hashed = bcrypt.hashpw(secret.password.encode(), bcrypt.gensalt(secret.cost, prefix)).decode()
    return "$2y$" + hashed[4:] if secret.prefix == "2y" else hashed


@dataclass(frozen=True)
class Proportions:
    """Documents per user. The panel never inserts sessions and writes events and
    audit logs only from its 2FA and import functions (CONVEX.md §3.3-3.4): far
    fewer of them than users."""

    sessions: float = 0.5
    events: float = 1.0
    audit_logs: float = 0.5
    beneficiaries: float = 0.1


@dataclass
class PanelData:
    tables: dict[str, list[dict[str, Any]]]
    numbers: dict[str, int] = field(default_factory=lambda: dict(TABLE_NUMBERS))
    secrets: dict[str, Secret] = field(default_factory=dict)  # email -> its password
    duplicate: tuple[str, str] | None = None  # (_id of the earlier, _id of the later)
    unknown_fields: dict[str, int] = field(default_factory=dict)  # users field -> count
    # audit_logs have "requestId" on every tenth, with unknown fields


def _times(rng: random.Random, count: int, start: float) -> list[float]:
    """Increasing ``_creationTime`` values with fractions, as Convex's are."""
    now, out = start, []
    for _ in range(count):
        now += rng.uniform(1_000, 60_000) + rng.random()
        out.append(round(now, 4))
    return out


def panel_data(
    users: int = 240,
    *,
    seed: int = 1,
    proportions: Proportions = Proportions(),
    duplicate_email: bool = True,
    unknown_fields: bool = True,
) -> PanelData:
    rng = random.Random(seed)
    start = time.time() * 1000 - 20 * 86_400_000  # recent: inside the retention
    data = PanelData(tables={})
    data.tables["users"] = user_docs = []
    for index, created in enumerate(_times(rng, users, start)):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        secret = SECRETS[0] if index == 0 else rng.choice(SECRETS)
        email = f"{first}.{last}{index}".translate(ASCII).lower() + "@dernek.org"
        doc: dict[str, Any] = {
            "_id": convex_id(TABLE_NUMBERS["users"], created, rng),
            "_creationTime": created,
            "name": f"{first} {last}",
            "email": email,
            "role": rng.choice(ROLES),
            "isActive": rng.random() > 0.1,
            "createdAt": js_iso(int(created)),
            "passwordHash": bcrypt_hash(secret),
        }
        if index == 0:  # seed:seedFirstAdmin
            doc.update(name="Dernek Başkanı", role="Dernek Başkanı", isActive=True, labels=[])
            doc.update(email="baskan@dernek.org", permissions=SEED_PERMISSIONS)
        elif rng.random() < 0.8:
            doc["permissions"] = rng.sample([f"{m}:access" for m in MODULES], 2)
        if rng.random() < 0.6:
            doc["phone"] = f"+90 5{rng.randint(30, 59)} {rng.randint(100, 999)} {index % 10000:04d}"
        if rng.random() < 0.3:
            doc["lastLogin"] = js_iso(int(created) + rng.randint(1, 10**8))
        if rng.random() < 0.2:
            doc["labels"] = rng.sample(["gonullu", "burslu", "yonetim", "saha"], 2)
        if rng.random() < 0.1:
            doc["two_factor_enabled"] = rng.random() < 0.5
        if rng.random() < 0.05:
            doc["avatar"] = f"https://cdn.dernek.org/avatars/{index}.png"
        data.secrets[doc["email"]] = secret
        user_docs.append(doc)
    if duplicate_email and users > 3:
        # The old layer lowercased only: "ı" (dotless i) got in beside "i".
        user_docs[2]["email"] = "zeynep.yılmaz@dernek.org"
        user_docs[3]["email"] = "zeynep.yilmaz@dernek.org"
        data.duplicate = (user_docs[2]["_id"], user_docs[3]["_id"])
    if unknown_fields:
        for doc in user_docs[5::40]:
            doc["birth_date"] = "1990-05-17"
            doc["emergency_contacts"] = [
                {"name": "Ali Kaya", "relationship": "kardeş", "phone": "+90 532 000 0000"},
                {"name": "Ayşe Kaya", "relationship": "anne", "isPrimary": True},
            ]
        data.unknown_fields = {"birth_date": len(user_docs[5::40])} | {
            "emergency_contacts": len(user_docs[5::40])
        }
    ids = [doc["_id"] for doc in user_docs]
    counts = {name: int(users * getattr(proportions, name)) for name in ("sessions", "events")}
    counts["audit_logs"] = int(users * proportions.audit_logs)
    counts["beneficiaries"] = int(users * proportions.beneficiaries)
    data.tables["user_sessions"] = _sessions(rng, counts["sessions"], start, ids)
    data.tables["security_events"] = _events(rng, counts["events"], start, ids)
    data.tables["audit_logs"] = _audit_logs(rng, counts["audit_logs"], start, ids)
    if unknown_fields:  # a later panel's audit field
        for number, log in enumerate(data.tables["audit_logs"][::10]):
            log["requestId"] = f"req-{number}"
    data.tables["beneficiaries"] = [
        {
            **_system("beneficiaries", created, rng),
            "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            "created_by": rng.choice(ids),
        }
        for created in _times(rng, counts["beneficiaries"], start)
    ]
    return data


def _system(table: str, created: float, rng: random.Random) -> dict[str, Any]:
    return {"_id": convex_id(TABLE_NUMBERS[table], created, rng), "_creationTime": created}


def _ip(rng: random.Random) -> str:
    return f"85.105.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def _sessions(rng: random.Random, count: int, start: float, ids: list[str]) -> list[dict[str, Any]]:
    docs = []
    for created in _times(rng, count, start):
        doc = {
            **_system("user_sessions", created, rng),
            "user_id": rng.choice(ids),
            "device_info": rng.choice(["Chrome / Windows", "Safari / iOS", "Firefox / Linux"]),
            "ip_address": _ip(rng),
            "user_agent": AGENT,
            "is_active": rng.random() < 0.5,
            "created_at": js_iso(int(created)),
            "last_activity": js_iso(int(created) + rng.randint(0, 3_600_000)),
        }
        if not doc["is_active"]:
            doc["revoked_at"] = doc["last_activity"]
            doc["revocation_reason"] = rng.choice(["logout", "admin_revoked"])
        docs.append(doc)
    return docs


def _events(rng: random.Random, count: int, start: float, ids: list[str]) -> list[dict[str, Any]]:
    docs = []
    for created in _times(rng, count, start):
        doc: dict[str, Any] = {
            **_system("security_events", created, rng),
            "event_type": rng.choice(EVENT_TYPES),
            "severity": rng.choice(SEVERITIES),
            "occurred_at": js_iso(int(created)),
            "reviewed": rng.random() < 0.3,
            "ip_address": _ip(rng),
            "user_agent": AGENT,
        }
        if rng.random() < 0.9:
            doc["user_id"] = rng.choice(ids)
        if rng.random() < 0.7:
            # v.any(): an int64, a float with a fraction and an integral float.
            doc["details"] = {"method": "2fa", "attempts": rng.randint(1, 5), "score": 0.75}
            doc["details"]["ratio"] = 2.0
        docs.append(doc)
    return docs


def _audit_logs(
    rng: random.Random, count: int, start: float, ids: list[str]
) -> list[dict[str, Any]]:
    docs = []
    for created in _times(rng, count, start):
        doc: dict[str, Any] = {
            **_system("audit_logs", created, rng),
            "userId": rng.choice(ids),
            "userName": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            "action": rng.choice(ACTIONS),
            "resource": rng.choice(["users", "beneficiaries", "import_users", "backup_snapshot"]),
            "resourceId": rng.choice(ids),
            "timestamp": js_iso(int(created)),
            "ipAddress": _ip(rng),
            "userAgent": AGENT,
        }
        if rng.random() < 0.6:
            doc["changes"] = {"name": {"from": "Ali", "to": "Ali Veli"}, "version": 3}
        if rng.random() < 0.5:
            doc["metadata"] = {"count": rng.randint(1, 100), "raw": b"\x00\x01", "ratio": 1.0}
            doc["metadata"]["tags"] = ["import", 7]
        docs.append(doc)
    return docs
