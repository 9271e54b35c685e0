#!/bin/sh
# Builds the binary the container image holds — what the Dockerfile's build stage runs:
# `swift build -c release --product bgbfleet --static-swift-stdlib`, stripped — and runs the
# entrypoint tests with it copied into a bare directory (`docker build` itself needs a container
# engine). Also prints the shared libraries it needs, which the runtime stage must provide.
#
#   scripts/check-image-binary.sh          # from the repository root; needs a debug test build
set -eu
cd "$(dirname "$0")/.."
swift build -c release --product bgbfleet --static-swift-stdlib
staging="$(mktemp -d)"
trap 'rm -rf "$staging"' EXIT
cp "$(swift build -c release --show-bin-path)/bgbfleet" "$staging/bgbfleet"
strip "$staging/bgbfleet"
echo "image binary: $(du -h "$staging/bgbfleet" | cut -f1), needs:"
ldd "$staging/bgbfleet" | sed 's/^/    /'
if ldd "$staging/bgbfleet" | grep -q 'libswift'; then
    echo "check-image-binary: the binary links a Swift runtime library dynamically" >&2
    exit 1
fi
swift build --build-tests
BGBFLEET_IMAGE_BINARY="$staging/bgbfleet" swift test --skip-build --filter 'ContainerEntrypointTests'
