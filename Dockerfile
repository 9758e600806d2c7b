# syntax=docker/dockerfile:1
# siemship container image: one static binary on a distroless base (CA certificates, no shell), running as non-root.
#
#   docker build --build-arg VERSION="$(git describe --tags --always --dirty)" -t siemship .
#   docker run --env-file siemship.env siemship            (variables: deploy/docker/.env.example)
#
# The build steps are scripts/build.sh, which CI runs too; deploy/docker/image_test.go keeps this file, the script
# and go.mod on the same Go release and checks that the script's binary is static and stamped.
ARG GO_VERSION=1.26

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN sh scripts/build.sh /out/siemship "$VERSION"

# For reproducible images pin the base by digest: gcr.io/distroless/static-debian12:nonroot@sha256:...
FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
LABEL org.opencontainers.image.title="siemship" \
      org.opencontainers.image.description="Ships Alibaba Cloud SLS logs to a SIEM as RFC 5424 syslog" \
      org.opencontainers.image.version="${VERSION}"
COPY --from=build /out/siemship /siemship
# distroless's nonroot user; numeric so that Kubernetes' runAsNonRoot can verify it.
USER 65532:65532
# /metrics, /healthz and /readyz; the health check below queries it.
ENV SIEMSHIP_HTTP_ADDR=:9090
EXPOSE 9090
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["/siemship", "healthcheck"]
ENTRYPOINT ["/siemship", "run"]
