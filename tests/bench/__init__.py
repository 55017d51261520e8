"""Benchmark of the Panel Users Service, as production runs it.

Method
------
* Database: a FRESH database. Without ``APP_MONGODB_URL`` the bench starts its
  own nx-27017 engine (``app.engine.EmbeddedEngine``, as the suite starts it)
  in a temporary directory on a free port and stops it at the end; with it,
  that server is used under a new database name that is dropped at the end.
* Service: ``python -m app`` (granian, one worker) in a separate process, with
  ``APP_MONGODB_URL``/``APP_DATABASE``/``APP_PORT``, a service token
  (``APP_SERVICE_TOKENS``) and a bootstrap admin. The service creates its
  indexes at start-up (``init_beanie``), before anything is seeded. Uvicorn
  (``uvicorn --factory app.asgi:create_app --workers 1``) is
  started beside it, when installed, for the server comparison of figure 1.
* Data: users inserted directly with PyMongo ``insert_many`` in batches of
  1000, shaped like the service's documents (Turkish names, unique emails,
  ``searchTokens`` from ``app.users.search.search_tokens``). The first 64 are
  login users with one argon2id hash (``PasswordHasher()`` defaults, computed
  once); every 16th of the first 1,000 is an "Ayşe Yıl…", so the two-term
  query "ayse yil" fills its page at every size (``seed.COHORT_EVERY``). The
  same database grows 1k → 10k (→ 100k) between the scale points; at each,
  the scale metrics take turns per round after a timed warm-up.
* Load: this process is the load generator, separate from the service. It
  runs N workers, each with its own keep-alive HTTP/1.1 connection (raw
  asyncio streams on uvloop; ``--client httpx`` uses ``httpx.AsyncClient``
  limited to N connections instead), closed loop, bounded in request count
  and time. Measured on 2 cores: the raw client costs ≈75 µs of CPU per GET,
  httpx ≈1.8 ms, which held the service to ≈360 req/s instead of ≈2,400.
  Concurrency is 32 unless a figure says otherwise; the scale curves
  and the ``/api/auth/me`` probe measure single requests (concurrency 1),
  logins run at 8 (64 for the memory burst).
* Order: the scale curves first (the database grows through 1k, 10k (, 100k)
  users; the list walk to the deep page is bounded in time), then figures
  1-3 at the largest size, the session path (CPU per ``/api/auth/me`` against
  per GET by ID at 8 and 32 connections, 256 seeded sessions met once
  before), then the logins and the logins under load (alone, beside an
  open-loop 200 ``me``/s, beside 8 closed-loop ``me`` clients, alternating).
  ``--only`` runs some figures (the users are seeded all the same).
* Database floor: raw ``AsyncMongoClient.find_one({"_id": id})`` (and, for
  batch-get, ``find({"_id": {"$in": 100 ids}})``) from this process at the
  same concurrency, in the same rounds as the service.
* CPU: utime+stime from ``/proc/<pid>/stat`` of the service process (and its
  children) before and after a run, divided by the requests served.
* Memory: ``VmRSS`` of the service process polled every 10 ms.
* Every figure is the median of at least 3 rounds, with min and max; a ratio
  is computed per round (the rounds of both sides run interleaved) and then
  summarized the same way.

Output: a table on stdout, ``bench-results.json`` (a list of
``{name, value, unit, target?, met?, min, max}``) and the chart
``docs/bench.svg`` (``chart``: scale curves, service against its floor).

Modules: ``plan`` (sizes, constants), ``procs`` (engine, services, CPU and
memory), ``clients`` (HTTP), ``load`` (the closed loop), ``seed`` (users),
``context`` (one run's state), ``reads``, ``scale``, ``session``, ``logins``,
``starvation`` (the figures), ``chart``,
``stats`` and ``report`` (summaries, output), ``run`` (set-up, order,
tear-down), ``micro`` (``scripts/bench micro``: in-process costs of the input
checks). Process, port and user-document helpers are the suite's
(``tests/support``).
"""
