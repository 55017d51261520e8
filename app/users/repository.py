"""Queries on ``users``. The only place that knows their syntax."""

from __future__ import annotations

from typing import Any, ClassVar, Final, cast

from pymongo import UpdateOne

from app.documents import ConvexDocument, PatchableRepository, PatchRules, compat
from app.errors import UserNotFound
from app.rows import UserRow
from app.users.filters import UserFilters
from app.users.models import SEARCH_TOKENS, User

PASSWORD_HASH: Final = "passwordHash"  # noqa: S105 - a field name


class UsersRepository(PatchableRepository[UserRow]):
    model = User
    table = "users"
    not_found = UserNotFound
    # The hash and the search helpers never leave the repository unless asked.
    hidden: ClassVar[tuple[str, ...]] = (PASSWORD_HASH, SEARCH_TOKENS)
    # Derived from the model: non-optional fields are required, optional ones
    # may be removed with null; the hash and the search helpers never.
    rules = PatchRules.from_model(
        User, base=ConvexDocument, protected=frozenset({PASSWORD_HASH, SEARCH_TOKENS})
    )

    def public(self, user: UserRow) -> UserRow:
        """The row without the fields that never leave the service."""
        return cast(UserRow, {k: v for k, v in user.items() if k not in self.hidden})

    @staticmethod
    def filter_query(filters: UserFilters) -> dict[str, Any]:
        """The query of the filters (by_role, by_is_active, by_email, by_phone,
        by_labels); ``email`` already normalized."""
        query: dict[str, Any] = {}
        if filters.role is not None:
            query["role"] = filters.role
        if filters.is_active is not None:
            query["isActive"] = filters.is_active
        if filters.email is not None:
            query["email"] = filters.email
        if filters.phone is not None:
            query["phone"] = filters.phone
        if filters.labels:
            query["labels"] = compat.contains_all(list(filters.labels))
        return query

    async def get_by_email(self, email: str, *, include_hidden: bool = False) -> UserRow | None:
        return await self.find_one({"email": email}, self._projection(include_hidden))

    async def is_empty(self) -> bool:
        return await self.find_one({}, {"_id": 1}) is None

    async def require_email(self, email: str) -> UserRow:
        user = await self.get_by_email(email)
        if user is None:
            raise self.not_found()
        return user

    async def replace_password_hash(self, user_id: str, old_hash: str, new_hash: str) -> bool:
        """Compare-and-swap: a concurrent password change wins over a rehash."""
        result = await self.collection.update_one(
            {"_id": user_id, PASSWORD_HASH: old_hash}, {"$set": {PASSWORD_HASH: new_hash}}
        )
        return bool(result.modified_count)

    async def set_fields(self, user_id: str, fields: dict[str, Any]) -> bool:
        """One ``$set`` of service-derived fields (lastLogin, passwordHash); False if missing."""
        result = await self.collection.update_one({"_id": user_id}, {"$set": fields})
        return bool(result.matched_count)

    async def search_candidates(
        self, terms: list[str], filters: dict[str, Any], limit: int
    ) -> list[UserRow]:
        """Users whose search helpers hold every term (``$all`` on ``by_search``;
        plain equality on an indexed array element fails on one engine)."""
        return await self.find(
            {SEARCH_TOKENS: compat.contains_all(terms), **filters},
            # Ranking needs only these; the page's documents are read after.
            {"_id": 1, "name": 1, "_creationTime": 1},
            limit=limit,
        )

    async def names(self, after_id: str | None, limit: int) -> list[UserRow]:
        """(``_id``, ``name``, ``_creationTime``) in ``_id`` order, for
        re-indexing the search helpers."""
        query = {"_id": {"$gt": after_id}} if after_id else {}
        fields = {"_id": 1, "name": 1, "_creationTime": 1}
        return await self.find(query, fields, sort=[("_id", 1)], limit=limit)

    async def set_search_tokens(self, tokens_by_id: dict[str, list[str]]) -> None:
        await self.collection.bulk_write(
            [
                UpdateOne({"_id": doc_id}, {"$set": {SEARCH_TOKENS: tokens}})
                for doc_id, tokens in tokens_by_id.items()
            ],
            ordered=False,
        )

    async def active_holders(self, roles: list[str], permission: str, limit: int) -> set[str]:
        """IDs of up to ``limit`` active users with one of ``roles`` and up to
        ``limit`` with ``permission`` among their own (two plain queries: one
        engine answers ``$or`` by scanning)."""
        by_role = await self.find(
            {"isActive": True, "role": {"$in": roles}}, {"_id": 1}, limit=limit
        )
        by_permission = await self.find(
            {"isActive": True, "permissions": compat.contains_all([permission])},
            {"_id": 1},
            limit=limit,
        )
        return {user["_id"] for user in by_role + by_permission}
