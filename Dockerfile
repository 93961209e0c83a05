# rollcall as a container: one static binary on an empty base image.
#
#   docker build --build-arg VERSION=$(git describe --tags --always) \
#                --build-arg COMMIT=$(git rev-parse HEAD) -t rollcall .
#   docker run -d -p 8080:8080 -v rollcall-data:/data --env-file rollcall.env rollcall
#
# The binary is built by build/static.sh (the flags live there only);
# static_binary_test.go builds it the same way and checks what this image
# relies on: no shared libraries, no files but its own, no environment but
# the settings.

FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
RUN VERSION="$VERSION" COMMIT="$COMMIT" build/static.sh /out/rollcall \
 && /out/rollcall version \
 && mkdir -p /out/data /out/tmp && chmod 1777 /out/tmp \
 && echo 'rollcall:x:10001:10001:rollcall:/data:/rollcall' > /out/passwd \
 && echo 'rollcall:x:10001:' > /out/group

FROM scratch
# CA certificates: the Zoom API and token endpoint are https.
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/passwd /etc/passwd
COPY --from=build /out/group /etc/group
# SQLite may spill temporary files (large sorts) to /tmp.
COPY --from=build /out/tmp /tmp
COPY --from=build --chown=10001:10001 /out/data /data
COPY --from=build /out/rollcall /rollcall
USER 10001:10001
ENV ROLLCALL_ADDR=:8080 \
    ROLLCALL_DATABASE=/data/rollcall.db
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["/rollcall", "healthcheck"]
ENTRYPOINT ["/rollcall"]
CMD ["serve"]
