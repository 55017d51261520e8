"""Which top-level key of a JSON body the decoder refused, from the Struct and the body.

For an unknown or missing key of the body object itself msgspec names the key
only inside its message text (the JSON path is just ``$``), and Litestar then
reports the key ``data``. Instead of reading the text, the body's keys are
compared with the handler's Struct, in msgspec's order: an unknown key is
refused while the object is read, a missing one after it.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request
from litestar.types import Empty


def decoded_body(request: Request[Any, Any, Any]) -> Any:
    """The JSON body as decoded for this request (kept in the connection state), or None."""
    value = request._connection_state.json  # the cache StrictJSONRequest fills
    return None if value is Empty else value


def refused_key(request: Request[Any, Any, Any]) -> str | None:
    """The top-level key msgspec refused in this request's body, if one explains the error."""
    data_field = request.route_handler.parsed_data_field
    body = decoded_body(request)
    if data_field is None or not isinstance(body, dict):
        return None
    struct = data_field.annotation
    if not (isinstance(struct, type) and issubclass(struct, msgspec.Struct)):
        return None
    fields = msgspec.structs.fields(struct)
    if struct.__struct_config__.forbid_unknown_fields:
        known = {field.encode_name for field in fields}
        for key in body:
            if key not in known:
                return str(key)
    for field in fields:
        if field.required and field.encode_name not in body:
            return field.encode_name
    return None
