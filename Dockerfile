# Production image: the service only; the database is a real MongoDB replica
# set given in APP_MONGODB_URL (the embedded engine is for development).
FROM python:3.13-slim AS build
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /srv
# The base image's Python, never a download (the runtime stage has only that one).
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never UV_PYTHON=/usr/local/bin/python3.13
COPY pyproject.toml uv.lock .python-version ./
RUN uv sync --frozen --no-dev --no-install-project
COPY app ./app

FROM python:3.13-slim
RUN useradd --system --uid 10001 --home-dir /srv service
WORKDIR /srv
COPY --from=build /srv /srv
ENV PATH="/srv/.venv/bin:$PATH" \
    APP_HOST=0.0.0.0 \
    APP_PORT=8000 \
    PYTHONUNBUFFERED=1
USER service
EXPOSE 8000
# Ready = the database answers (503 until then), so nothing routes to an instance
# that cannot serve; /health only says the process is up.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"APP_PORT\"]}/ready', timeout=3)"
# Refuse to start without a database URL: the image never runs the embedded engine.
CMD ["sh", "-c", ": \"${APP_MONGODB_URL:?APP_MONGODB_URL is required (a MongoDB replica set URL)}\"; exec python -m app"]
