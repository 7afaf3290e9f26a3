FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY gateway ./gateway
COPY tasks ./tasks
COPY schemas ./schemas
COPY mappings ./mappings
RUN apt-get update && apt-get install -y --no-install-recommends procps && rm -rf /var/lib/apt/lists/* \
    && pip install --no-cache-dir -e . && useradd --create-home gateway
# The working directory holds what processes write: the SQLite file of the embedded
# default and beat's schedule. It must belong to the user the processes run as.
RUN mkdir /data && chown gateway /data
WORKDIR /data
USER gateway
EXPOSE 8000
CMD ["gateway", "serve", "--host", "0.0.0.0"]
