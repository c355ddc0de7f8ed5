# One image for every role: `serve` (API and worker, SQLite), `api`, `worker`, `migrate`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MINERUN_HOST=0.0.0.0 \
    MINERUN_DATA_DIR=/var/lib/minerun \
    MINERUN_LOG_FORMAT=json

WORKDIR /opt/minerun
COPY pyproject.toml constraints.txt README.md ./
COPY src ./src
RUN pip install --no-cache-dir -c constraints.txt . \
    && useradd --system --uid 10001 --home-dir /var/lib/minerun minerun \
    && mkdir -p /var/lib/minerun \
    && chown minerun /var/lib/minerun

USER minerun
# 8000: the API; 8001: a worker's probes and metrics (MINERUN_HEALTH_PORT).
EXPOSE 8000 8001
ENTRYPOINT ["minerun"]
CMD ["serve"]
