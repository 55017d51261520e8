"""Function paths as the Convex backend parses them (CONVEX.md §1.5):
``module/path:function``, split at the last ``:``; without one the function is
``default``; the module may end in ``.js`` and no other extension, so
``auth:getUserByEmail`` and ``auth.js:getUserByEmail`` are one function."""

from __future__ import annotations

from dataclasses import dataclass

MAX_PATH_LENGTH = 1024


class BadFunctionPath(ValueError):
    """The message is the backend's text (HTTP 400)."""


@dataclass(frozen=True)
class FunctionPath:
    module: str  # without .js
    function: str

    @property
    def name(self) -> str:
        """How the panel names it: ``users:get`` (``mod`` for a default export)."""
        return self.module if self.function == "default" else f"{self.module}:{self.function}"

    @property
    def canonical(self) -> str:
        """How the backend prints it in errors: ``users.js:get``."""
        return f"{self.module}.js:{self.function}"


def parse_function_path(text: object) -> FunctionPath:
    if not isinstance(text, str) or not text or len(text) > MAX_PATH_LENGTH:
        raise BadFunctionPath(f"{text!s:.100} is not a valid path to a Convex function.")
    module, colon, function = text.rpartition(":")
    if not colon:
        module, function = text, "default"
    if module.endswith(".js"):
        module = module[:-3]
    parts = module.split("/")
    valid = (
        bool(function)
        and function.isidentifier()
        and all(part and part not in (".", "..") for part in parts)
        and "." not in parts[-1]  # another extension than .js
        and all(ch.isalnum() or ch in "_-./" for ch in module)
    )
    if not valid:
        raise BadFunctionPath(
            f"{text} is not a valid path to a Convex function. It must be a relative path"
            " to a module, optionally followed by `:<function name>`."
        )
    return FunctionPath(module, function)
