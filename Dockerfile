# syntax=docker/dockerfile:1
# Ringside's image: the dashboard, REST API and live updates as Next.js's standalone server, plus the
# `ringside` command (shell and one-shot commands), run as the unprivileged user `node`. The nodes are
# memcached servers elsewhere (added by address) and the cluster's state is kept in etcd (RINGSIDE_ETCD)
# or in the data directory /data; docker-compose.yml runs both ways.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM ${NODE_IMAGE} AS build
WORKDIR /src
ENV NEXT_TELEMETRY_DISABLED=1 RINGSIDE_STANDALONE=1
COPY --from=deps /src/node_modules ./node_modules
COPY . .
RUN npx next build && bash docker/assemble.sh /out

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    HOSTNAME=0.0.0.0 \
    PORT=3000 \
    RINGSIDE_DATA_DIR=/data \
    RINGSIDE_BOOTSTRAP_NODES=0
WORKDIR /app
# The code belongs to root and is read-only for the server; it writes only its cache and the data directory.
COPY --from=build /out ./
RUN mkdir -p /data .next/cache \
    && chown node:node /data .next/cache \
    && printf '#!/bin/sh\nexec node /app/ringside.mjs "$@"\n' > /usr/local/bin/ringside \
    && chmod 755 /usr/local/bin/ringside
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["node", "/app/docker/healthcheck.mjs"]
CMD ["node", "/app/docker/start.mjs"]
