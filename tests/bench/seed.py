"""Service-shaped users inserted directly, the same for every run with one seed."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime
from typing import Any

from app.clock import iso
from app.users.ranked_search import users_entries
from app.users.search import search_tokens, tokenize
from tests.bench.plan import BATCH, LOGIN_BURST
from tests.support.users import user_document

FIRST_NAMES = (
    "Ayşe Ayhan Aydın Aylin Ayla Ayten Ayşegül Fatma Emine Hatice Zeynep Elif Meryem Şerife "
    "Zehra Merve Özlem Yasemin Esra Büşra Gül Gülsüm Tuğba Çağla Ebru Deniz Işıl Sibel Derya "
    "Hülya Nur Seda İrem Ece Melike Mehmet Mustafa Ahmet Ali Hüseyin Hasan İbrahim İsmail "
    "Osman Yusuf Ömer Murat Kemal Emre Burak Can Cem Serkan Barış Oğuz Gökhan Uğur Volkan "
    "Tolga Kaan Eren Çağrı Şükrü Halil Recep Onur Selim Tarık"
).split()
LAST_NAMES = (
    "Yılmaz Kaya Demir Şahin Çelik Yıldız Yıldırım Öztürk Aydın Özdemir Arslan Doğan Kılıç "
    "Aslan Çetin Kara Koç Kurt Özkan Şimşek Polat Özcan Korkmaz Çakır Erdoğan Yavuz Can Acar "
    "Şen Aktaş Güler Yalçın Güneş Bozkurt Bulut Keskin Ünal Turan Gül Özer Işık Kaplan Avcı "
    "Sarı Tekin Taş Köse Yüksel Ateş Aksoy Uçar Erdem Karaca Başaran Sönmez Akın Eren Duman"
).split()
ROLES = ("staff",) * 12 + ("editor",) * 4 + ("viewer",) * 3 + ("support",)
# Every 16th of the first 1,000 users is an "Ayşe Yıl…" (63 users), so the
# two-term scale query "ayse yil" fills its page of 50 at every size and its
# curve measures the lookup as the users grow, not a page growing from one
# user to fifty (scale.py measures that too, with "fatma yil", on random names).
COHORT_EVERY, COHORT_BEFORE = 16, 1000
COHORT_SURNAMES = ("Yılmaz", "Yıldız", "Yıldırım")


class Seeder:
    """Inserts users with ``insert_many`` in batches of 1000 (Turkish names,
    unique emails, ``searchTokens`` and the ranked search entries as the
    service writes them); the first
    ``LOGIN_BURST`` can log in with one argon2id hash."""

    def __init__(
        self,
        collection: Any,
        rng: random.Random,
        password_hash: str,
        entries: Any | None = None,
    ) -> None:
        self.collection = collection
        # The ranked search entries, as the service writes them with each user.
        self.entries = entries
        self.rng = rng
        self.password_hash = password_hash
        self.ids: list[str] = []
        self.emails: list[str] = []
        self.login_emails: list[str] = []
        self.clock = time.time() * 1000 - 86_400_000.0  # a day ago, increasing

    def _name(self) -> str:
        number = len(self.ids)
        if number < COHORT_BEFORE and number % COHORT_EVERY == 0:
            return f"Ayşe {COHORT_SURNAMES[number // COHORT_EVERY % 3]}"
        first = self.rng.choice(FIRST_NAMES)
        if self.rng.random() < 0.2:
            first = f"{first} {self.rng.choice(FIRST_NAMES)}"
        return f"{first} {self.rng.choice(LAST_NAMES)}"

    def _document(self) -> dict[str, Any]:
        number = len(self.ids)
        name = self._name()
        self.clock += self.rng.uniform(0.5, 1.5)
        login = len(self.login_emails) < LOGIN_BURST
        document = user_document(
            f"{'.'.join(tokenize(name))}.{number}@example.com",
            password_hash=self.password_hash if login else None,
            _creationTime=self.clock,
            name=name,
            role=self.rng.choice(ROLES),
            createdAt=iso(datetime.fromtimestamp(self.clock / 1000, UTC)),
            searchTokens=search_tokens(name),
        )
        if login:
            self.login_emails.append(document["email"])
        self.ids.append(document["_id"])
        self.emails.append(document["email"])
        return document

    async def grow(self, total: int) -> float:
        """Insert users until ``total`` exist; returns the seconds it took."""
        began = time.perf_counter()
        while len(self.ids) < total:
            batch = [self._document() for _ in range(min(BATCH, total - len(self.ids)))]
            await self.collection.insert_many(batch)
            if self.entries is not None:
                await self.entries.insert_many(users_entries(batch), ordered=False)
        return time.perf_counter() - began
