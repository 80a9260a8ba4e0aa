# syntax=docker/dockerfile:1
# okrbot as a small, static, non-root image. .ci/build-check runs the same
# go build line outside Docker, so keep it on one line starting with RUN.

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o bin/okrbot .
# The data folder for the SQLite default, owned by the image's user, so a
# volume mounted there is writable.
RUN mkdir -p /data

# distroless/static: CA certificates and /etc/passwd with a nonroot user,
# no shell and no package manager. Time zones are inside the binary.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /src/bin/okrbot /okrbot
COPY --from=build --chown=65532:65532 /data /data
USER 65532:65532
ENV OKRBOT_ADDR=:3000 \
    OKRBOT_METRICS_ADDR=:9464 \
    DATABASE_URL=/data/okrbot.db
EXPOSE 3000 9464
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["/okrbot", "healthcheck"]
ENTRYPOINT ["/okrbot"]
CMD ["serve"]
