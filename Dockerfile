# syntax=docker/dockerfile:1
# DataGate's production image: `datagate serve`, `datagate worker` and
# `datagate migrate` on a Temporal cluster and MySQL. Built without the
# embedded Temporal server (-tags nodev: 45 MB instead of 163 MB of binary),
# so `datagate dev` is not in it. Static (CGO_ENABLED=0, pure-Go SQLite),
# on distroless as the unprivileged user nonroot (65532).

FROM golang:1.26.8-bookworm AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOTOOLCHAIN=local
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/root/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/root/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    go build -tags nodev -trimpath -ldflags="-s -w" -o /out/datagate ./cmd/datagate

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/datagate /usr/local/bin/datagate
USER nonroot:nonroot
# serve: the API, /readyz and /metrics; worker: /healthz, /readyz and /metrics.
EXPOSE 8080 8081
ENTRYPOINT ["/usr/local/bin/datagate"]
CMD ["serve"]
