# meldcode-bot: the Slack bot with PostgreSQL support, as a slim image that runs as a non-root user.
# Build: docker build -t meldcode-bot:0.2.0 .   Run: see compose.yaml and the README ("Containers").
FROM python:3.11-slim-bookworm

# Pango for the PDF/A documents (WeasyPrint), DejaVu fonts for their text, and pg_dump/pg_restore 15 for
# `meldcode backup` and `restore` (they must match the server's major version: compose.yaml runs PostgreSQL 15).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core postgresql-client-15 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/meldcode --shell /usr/sbin/nologin meldcode \
 && install -d -o meldcode -g meldcode -m 0700 /var/lib/meldcode

# The locked, hashed set first (a layer that changes only with requirements.lock), then the bot itself.
COPY requirements.lock /tmp/requirements.lock
RUN pip install --no-cache-dir --require-hashes -r /tmp/requirements.lock && rm /tmp/requirements.lock
COPY pyproject.toml README.md LICENSE /src/
COPY bot /src/bot
COPY flows /src/flows
COPY storage /src/storage
RUN pip install --no-cache-dir --no-deps /src && rm -rf /src

ENV MELDCODE_DATA_DIR=/var/lib/meldcode \
    MELDCODE_LOG_FORMAT=json \
    PYTHONUNBUFFERED=1
VOLUME ["/var/lib/meldcode"]
USER meldcode
WORKDIR /var/lib/meldcode
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4).status != 200)"]
ENTRYPOINT ["meldcode"]
CMD ["serve", "--host", "0.0.0.0", "--port", "3000"]
