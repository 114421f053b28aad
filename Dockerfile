# quizbot image: `docker compose up -d` (see README.md, "Deploying").

# -- builder: a virtualenv with the dependencies, then the project ---------------------------
FROM python:3.12.7-slim-bookworm AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"
WORKDIR /src

# Dependencies first, from the hashed lock file alone: this layer is rebuilt when the lock
# changes, not on every code edit.
COPY requirements/runtime.txt ./requirements/
RUN pip install --require-hashes -r requirements/runtime.txt

# Then the code: the same `pip install` of the project that `make` does, minus the dev
# extras and the editable mode.
COPY pyproject.toml README.md LICENSE ./
COPY bot/ ./bot/
RUN pip install --no-deps .

# -- runtime: the virtualenv, the question packs and an unprivileged user --------------------
FROM python:3.12.7-slim-bookworm

RUN groupadd --system --gid 10001 quizbot \
    && useradd --system --uid 10001 --gid quizbot --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin quizbot \
    && mkdir -p /app /data \
    && chown quizbot:quizbot /data

COPY --from=builder /opt/venv /opt/venv
COPY data/ /app/data/

ENV PATH="/opt/venv/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    QUIZBOT_DB=/data/quizbot.db \
    QUIZBOT_DEFAULT_PACK=/app/data/questions.yaml

WORKDIR /app
USER quizbot:quizbot
# The database, its WAL and the heartbeat live here; /data is owned by quizbot above, and a
# new named volume takes that ownership over.
VOLUME /data

# `quizbot health`: the database opens read-only with its schema and the bot's heartbeat
# is under 90 s old. The start period covers migrations and the first gateway login.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["quizbot", "health"]

# Exec form: quizbot is PID 1 and receives SIGTERM itself, for a clean shutdown.
ENTRYPOINT ["quizbot"]
CMD ["run"]
