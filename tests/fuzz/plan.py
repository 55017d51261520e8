"""What the fuzz runs check and leave out: the one place to change either.

``ENABLED_CHECKS`` are asserted by the suite's fuzz test and by ``scripts/fuzz``
(a failure of any of them fails the run). ``CONTRACT_CHECKS`` are the checks
of the OpenAPI contract (PROBE D10); all of them are enabled since the
published document matches the service (app/http/contract.py). Positive
cases are repaired where no schema can say what is valid
(tests/fuzz/positive.py). ``scripts/fuzz --contract`` runs the contract list.
"""

from __future__ import annotations

ENABLED_CHECKS: list[str] = [
    "not_a_server_error",
    "response_schema_conformance",
    "status_code_conformance",
    "content_type_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
]

CONTRACT_CHECKS: list[str] = [
    "not_a_server_error",
    "response_schema_conformance",
    "status_code_conformance",
    "content_type_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
]

# Requests the suite's fuzz run leaves out (scripts/fuzz sends them unless
# --exclude-known), as "METHOD /path" with the schema's path template, each
# with the defect it waits for. Empty it as they are fixed. The method may be
# one the schema does not declare: the coverage phase probes those too.
EXCLUDED_OPERATIONS: dict[str, str] = {}
