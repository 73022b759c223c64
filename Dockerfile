# syntax=docker/dockerfile:1
# newsportal: one image for web (gunicorn), worker (celery worker) and beat (celery beat).
# Build: docker build -t newsportal .   Run: docker compose up (see docker-compose.yml and docs/operations.md).

# --- builder: wheels for every pinned dependency (pip and its caches stay in this stage) ---------------------
FROM python:3.11-slim AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /build
COPY pyproject.toml ./
# The runtime dependencies exactly as pinned in pyproject.toml (not the dev extras). Every pin ships a
# manylinux wheel (psycopg[binary], numpy, scikit-learn), so no compiler is needed.
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > requirements.txt \
    && pip wheel --wheel-dir /wheels -r requirements.txt

# --- runtime: slim Python, the wheels, the code, collected static files, a non-root user --------------------
FROM python:3.11-slim AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_STATIC_MANIFEST=1 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus \
    GUNICORN_BIND=0.0.0.0:8000 \
    WEB_CONCURRENCY=2
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app
COPY --from=builder /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links=/wheels /wheels/*.whl && rm -rf /wheels
WORKDIR /app
COPY --chown=app:app . .
# Hashed, compressed static files served by whitenoise (DJANGO_STATIC_MANIFEST=1). collectstatic needs no
# secrets: with DJANGO_DEBUG unset the settings take their embedded defaults at build time.
RUN DJANGO_STATIC_MANIFEST=1 python manage.py collectstatic --noinput \
    && mkdir -p /app/var/media /tmp/prometheus && chown -R app:app /app/var /app/staticfiles /tmp/prometheus
USER app
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
# Workers: $WEB_CONCURRENCY (gunicorn.conf.py); bind: $GUNICORN_BIND.
CMD ["gunicorn", "newsportal.wsgi:application"]
