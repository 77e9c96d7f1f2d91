# The production image: gunicorn serving liveblog, static files by whitenoise.
# Build: docker build -t liveblog .   Run: see docs/deploy.md.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=8000

WORKDIR /app

# Dependencies in their own layer: rebuilt only when requirements.txt changes.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Hashed, compressed static files are built into the image. The key is a
# throwaway for this one command; the real one comes from the environment.
RUN SECRET_KEY=collectstatic-only-build-key-never-used-to-sign-anything-0123456789 \
    SITE_URL=https://collectstatic.invalid python manage.py collectstatic --noinput

RUN useradd --system --uid 10001 --no-create-home liveblog \
    && mkdir -p /app/media && chown liveblog /app/media
# Uploaded photos on a single server (MEDIA_ROOT): mount a volume here to keep them.
VOLUME /app/media
USER liveblog

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz', timeout=4)"

# Migrations run at release time (docs/deploy.md), never during the build.
CMD ["gunicorn", "liveblog.wsgi", "--config", "gunicorn.conf.py"]
