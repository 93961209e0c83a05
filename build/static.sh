#!/bin/sh
# Builds rollcall as one static binary: cgo SQLite (mattn/go-sqlite3) linked
# statically against libc, pure-Go DNS and user lookups, time zones embedded.
# The Dockerfile and static_binary_test.go both run this script, so the flags
# live here only.
#
#   build/static.sh [OUTPUT]          (default: ./rollcall)
#
# VERSION and COMMIT (environment) are stamped into `rollcall version`;
# without them they come from git when the source is a checkout.
set -eu
cd "$(dirname "$0")/.."
out="${1:-rollcall}"
version="${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}"
commit="${COMMIT:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}"

CGO_ENABLED=1 go build \
  -trimpath \
  -buildvcs=false \
  -tags 'osusergo netgo timetzdata sqlite_omit_load_extension' \
  -ldflags "-s -w -linkmode external -extldflags '-static' -X main.version=${version} -X main.buildCommit=${commit}" \
  -o "$out" .
