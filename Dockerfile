# A small image that migrates the database, imports seeds/ and serves the API on port 8000.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DATABASE_URL=sqlite:////data/articles.db

WORKDIR /srv
COPY pyproject.toml README.md ./
COPY app ./app
COPY migrations ./migrations
COPY seeds ./seeds
RUN pip install '.[postgres]' \
    && useradd --system --uid 10001 --home-dir /srv articles \
    && mkdir /data && chown articles /data

USER articles
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2)" || exit 1

# `articles import` upgrades the schema first; re-importing unchanged seeds writes nothing.
CMD ["sh", "-c", "articles import /srv/seeds && exec articles serve --host 0.0.0.0 --port 8000"]
