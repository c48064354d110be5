# The Driftless image for users who build with Docker (`docker build -t driftless .`). The repository's own
# build is `npm run image` (scripts/image/): the same layout without Docker or Docker Hub, reproducible, and
# the one the tests check (test/e2e/image.test.ts). This file is not built in the tests (no engine there).
# Same content: Debian bookworm with git, ssh, gpg, CA certificates and tini; Node.js 20; kustomize, sops and
# the helm-controller build of helm at scripts/provision.sh's pinned versions; the app and its production
# dependencies; user 65532; entrypoint `driftless run`.
ARG NODE_IMAGE=node:20-bookworm-slim
ARG GO_IMAGE=golang:1.26-bookworm
ARG BASE_IMAGE=debian:bookworm-slim

FROM ${NODE_IMAGE} AS app
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY bin bin
COPY scripts/build.js scripts/build.js
COPY src src
COPY web web
RUN node scripts/build.js && npm prune --omit=dev --ignore-scripts && rm -f dist/.tsbuildinfo

FROM ${GO_IMAGE} AS tools
COPY scripts/provision.sh /provision.sh
COPY scripts/helm-controller /helm-controller
RUN DRIFTLESS_CACHE=/cache bash /provision.sh kustomize sops helm \
  && mkdir /out && cp -L /cache/bin/kustomize /cache/bin/sops /cache/bin/helm-controller /out/

FROM ${NODE_IMAGE} AS node

FROM ${BASE_IMAGE}
ARG SOURCE=unknown
ARG REVISION=unknown
ARG VERSION=0.1.0
RUN apt-get update \
  && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates git openssh-client gpg gpg-agent tini \
  && rm -rf /var/lib/apt/lists/* \
  && groupadd -g 65532 driftless \
  && useradd -u 65532 -g 65532 -d /home/driftless -M -s /usr/sbin/nologin driftless \
  && mkdir -p /home/driftless/.cache/driftless/bin /data \
  && chown 65532:65532 /home/driftless /data \
  && ln -s /data /home/driftless/.cache/driftless/storage
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=tools /out/ /usr/local/bin/
RUN ln -s helm-controller /usr/local/bin/helm \
  && for t in kustomize sops helm-controller; do ln -s /usr/local/bin/$t /home/driftless/.cache/driftless/bin/$t; done
COPY --from=app /src/package.json /app/package.json
COPY --from=app /src/bin /app/bin
COPY --from=app /src/dist /app/dist
COPY --from=app /src/node_modules /app/node_modules
RUN ln -s /app/bin/driftless.js /usr/local/bin/driftless
LABEL org.opencontainers.image.title=driftless \
  org.opencontainers.image.source=${SOURCE} \
  org.opencontainers.image.revision=${REVISION} \
  org.opencontainers.image.version=${VERSION} \
  org.opencontainers.image.licenses=Apache-2.0
ENV HOME=/home/driftless NODE_ENV=production DRIFTLESS_USE_DIST=1
WORKDIR /home/driftless
USER 65532:65532
EXPOSE 8080 9090 9292 9440 9690
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/driftless", "run"]
