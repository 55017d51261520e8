# Sourced by the scripts: make sure uv exists and the environment matches uv.lock.
# Takes no arguments (the calling script's own arguments are its own).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export PATH="$HOME/.local/bin:$PATH"
if ! command -v uv >/dev/null 2>&1; then
    echo "installing uv" >&2
    python3 -m pip install --quiet --user uv 2>/dev/null || python3 -m pip install --quiet uv
    hash -r
fi
uv sync --frozen --quiet
