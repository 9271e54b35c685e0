# syntax=docker/dockerfile:1
#
# bgbfleet container image: the Swift toolchain image builds a stripped release binary with the Swift
# standard library and Foundation linked in statically; a slim Debian runtime holds it with the two
# system libraries it links (libcrypto from libssl3, zlib). The conventions follow the official
# Swift images and the Swift server templates (resolve before copying sources, build with
# --static-swift-stdlib, stage, non-root user).
#
#   docker build -t bgbfleet .
#   docker run --rm bgbfleet --help
#
# The entrypoint raises the open-file soft limit to the hard limit (containers start at 1024), then
# execs bgbfleet; bgbfleet raises it itself too. Run it with a hard limit to match the sessions per
# process: `docker run --ulimit nofile=1048576:1048576 …` (Kubernetes: the container runtime's default).

ARG SWIFT_VERSION=6.3
ARG DEBIAN_RELEASE=bookworm

# ================================
# Build image
# ================================
FROM swift:${SWIFT_VERSION}-${DEBIAN_RELEASE} AS build

RUN export DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true \
    && apt-get -q update \
    && apt-get -q install -y --no-install-recommends libssl-dev zlib1g-dev pkg-config binutils \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /build

# Resolve dependencies first so that this layer is cached while only sources change.
COPY ./Package.* ./
RUN swift package resolve $([ -f ./Package.resolved ] && echo "--force-resolved-versions" || true)

COPY . .

RUN swift build -c release --product bgbfleet --static-swift-stdlib \
    && mkdir /staging \
    && cp "$(swift build -c release --show-bin-path)/bgbfleet" /staging/bgbfleet \
    && strip /staging/bgbfleet \
    && cp docker/entrypoint.sh /staging/bgbfleet-entrypoint \
    && chmod 0755 /staging/bgbfleet /staging/bgbfleet-entrypoint

# ================================
# Run image
# ================================
FROM debian:${DEBIAN_RELEASE}-slim

RUN export DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true \
    && apt-get -q update \
    && apt-get -q install -y --no-install-recommends libssl3 zlib1g ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/*

# A non-root user whose home holds the default identity pool cache and the reports.
RUN useradd --user-group --create-home --system --skel /dev/null --home-dir /home/bgbfleet --uid 10001 bgbfleet \
    && mkdir -p /reports /identities \
    && chown bgbfleet:bgbfleet /reports /identities

COPY --from=build /staging/bgbfleet /usr/local/bin/bgbfleet
COPY --from=build /staging/bgbfleet-entrypoint /usr/local/bin/bgbfleet-entrypoint

USER bgbfleet:bgbfleet
WORKDIR /home/bgbfleet

# Coordinator (workers connect here), Prometheus metrics.
EXPOSE 7400 9464

ENTRYPOINT ["/usr/local/bin/bgbfleet-entrypoint"]
CMD ["--help"]
