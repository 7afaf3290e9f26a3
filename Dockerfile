FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY gateway ./gateway
COPY tasks ./tasks
COPY schemas ./schemas
COPY mappings ./mappings
# The example messages that /docs shows per message type (gateway.api.examples).
COPY tests/fixtures/berichten ./tests/fixtures/berichten
# pango (with harfbuzz and fontconfig) and a font: WeasyPrint's libraries for the beschikking as PDF.
RUN apt-get update && apt-get install -y --no-install-recommends procps libpango-1.0-0 libpangoft2-1.0-0 \
       libharfbuzz-subset0 fonts-dejavu-core && rm -rf /var/lib/apt/lists/* \
    && pip install --no-cache-dir -e . && useradd --create-home gateway
# The working directory holds what processes write: the SQLite file of the embedded
# default and beat's schedule. It must belong to the user the processes run as.
RUN mkdir /data && chown gateway /data
WORKDIR /data
USER gateway
EXPOSE 8000
CMD ["gateway", "serve", "--host", "0.0.0.0"]
