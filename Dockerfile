# spp-api and spp-worker in one image: `spp-api migrate`, `spp-api`, `spp-worker`.
# Build: docker build -t spp . (docker-compose.yml does it for you).

# ---- build: compilers and -dev packages, a Release build of the two services ----
FROM debian:bookworm AS build
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        build-essential cmake pkg-config libevent-dev libpq-dev libjansson-dev libhiredis-dev \
        check libssl-dev libcurl4-openssl-dev liburiparser-dev libical-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# tests/ is part of the CMake project (its targets are configured, not built here).
COPY CMakeLists.txt ./
COPY common common
COPY services services
COPY tests tests
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release \
        -DSPP_SQL_DIR=/usr/share/spp/sql -DSPP_OPENAPI_FILE=/usr/share/spp/openapi.yaml \
    && cmake --build build -j"$(nproc)" --target spp-api spp-worker

# ---- runtime: only the shared libraries the binaries load ----
FROM debian:bookworm-slim
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libevent-2.1-7 libevent-core-2.1-7 libevent-pthreads-2.1-7 libpq5 libjansson4 \
        libhiredis0.14 libssl3 libcurl4 liburiparser1 libical3 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin spp
COPY --from=build /src/build/spp-api /src/build/spp-worker /usr/local/bin/
COPY sql /usr/share/spp/sql
COPY openapi.yaml /usr/share/spp/openapi.yaml
ENV SPP_MIGRATIONS_DIR=/usr/share/spp/sql \
    SPP_OPENAPI_FILE=/usr/share/spp/openapi.yaml \
    SPP_LISTEN=0.0.0.0:8080
USER spp
EXPOSE 8080
# SIGTERM stops both services gracefully (SPP_SHUTDOWN_GRACE_S).
STOPSIGNAL SIGTERM
CMD ["spp-api"]
