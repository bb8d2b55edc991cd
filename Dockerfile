# syntax=docker/dockerfile:1
# Pulso's API image: the dashboard app and GraphiQL (node build), the server (cargo build),
# then a slim runtime with only the binary and the built frontend.

FROM node:20-bookworm-slim AS frontend
WORKDIR /src/frontend-codegen
COPY frontend-codegen/package.json frontend-codegen/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY schema.graphql /src/schema.graphql
COPY frontend-codegen/ ./
RUN npm run build

FROM rust:1.95-bookworm AS server
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin pulso

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /srv/pulso pulso
COPY --from=server /src/target/release/pulso /usr/local/bin/pulso
COPY --from=frontend /src/frontend-codegen/dist /srv/pulso/app
WORKDIR /srv/pulso
USER pulso
ENV PULSO_SERVER__LISTEN=0.0.0.0:8000 \
    PULSO_SERVER__APP_DIR=/srv/pulso/app \
    PULSO_LOG__FORMAT=json
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
    CMD curl -fsS http://127.0.0.1:8000/health || exit 1
ENTRYPOINT ["pulso"]
CMD ["serve"]
