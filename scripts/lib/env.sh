# Sourced by the scripts: make sure uv exists and the environment matches uv.lock.
# Takes no arguments (the calling script's own arguments are its own).
set -euo pipefail
# -P: the repository, also when scripts/ is reached through a symbolic link.
cd -P "$(dirname "${BASH_SOURCE[0]}")/../.."
export PATH="$HOME/.local/bin:$PATH"
# uv finds Python 3.13 on PATH; pyenv's builds are there only through its shims.
for pyenv_bin in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.13*/bin; do
    [ -d "$pyenv_bin" ] && PATH="$PATH:$pyenv_bin"
done
if ! command -v uv >/dev/null 2>&1; then
    echo "installing uv" >&2
    # A Python whose packages the OS manages refuses pip installs: then uv
    # goes into a virtual environment of its own.
    python3 -m pip install --quiet --user uv 2>/dev/null \
        || python3 -m pip install --quiet uv 2>/dev/null \
        || {
            python3 -m venv "$HOME/.local/share/uv-bootstrap" \
                && "$HOME/.local/share/uv-bootstrap/bin/pip" install --quiet uv \
                && mkdir -p "$HOME/.local/bin" \
                && ln -sf "$HOME/.local/share/uv-bootstrap/bin/uv" "$HOME/.local/bin/uv"
        }
    hash -r
fi
uv sync --frozen --quiet
