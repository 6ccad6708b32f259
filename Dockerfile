# The example services in one image: yeastar-service (AMI), pjsip-service (native SIP or SIP over
# WebSocket), yeastar-doctor (the troubleshooting checklist), quickstart and sip-phone.
#   docker build -t yeastar-rs .
#   docker compose --profile ami up        (see docker-compose.yml for the other setups)

# ---- build: the example binaries in release
FROM rust:1.95-slim-bookworm AS builder
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p yeastar-examples \
        --bin yeastar-service --bin pjsip-service --bin yeastar-doctor \
        --bin quickstart --bin sip-phone \
    && mkdir /out \
    && cp target/release/yeastar-service target/release/pjsip-service \
          target/release/yeastar-doctor target/release/quickstart target/release/sip-phone /out/

# ---- run: only the binaries and the CA roots, as an unprivileged user
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/yeastar --create-home yeastar
COPY --from=builder /out/yeastar-service /out/pjsip-service /out/yeastar-doctor /out/quickstart /out/sip-phone /usr/local/bin/
USER yeastar
WORKDIR /var/lib/yeastar
# Inside a container the HTTP API must listen beyond loopback, which makes CONSOLE_TOKEN required.
ENV HTTP_ADDR=0.0.0.0:8080 \
    RECORDINGS_DIR=/var/lib/yeastar/recordings
EXPOSE 8080
CMD ["yeastar-service"]
