# regbot: the app only (no tests, no simulators' data), as a non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    REGBOT_DATA_DIR=/var/lib/regbot

WORKDIR /app
# the dependencies exactly as locked, checked by hash (scripts/lock regenerates the lock)
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY integrations ./integrations
COPY pki_bridge ./pki_bridge
COPY locales ./locales
RUN pip install --no-deps --no-build-isolation . \
    && useradd --system --uid 10001 --home-dir /var/lib/regbot --create-home regbot

USER regbot
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2).status != 200)"
# `python -m` from /app, so the catalogs in /app/locales are found next to the code.
ENTRYPOINT ["python", "-m", "bot.cli"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
