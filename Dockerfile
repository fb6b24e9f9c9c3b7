# The fetch-migration image: the Deno runtime, the project's source and its npm dependencies,
# cached at build time, so the container needs no network to start; runs as a non-root user.
#
#   docker build -t fetch-migration .
#   docker run --rm fetch-migration info --source http://es:9200 --target https://os:9200
#
# The `dataprepper` target is the original tool's image: Data Prepper's home plus this tool,
# started as the original was (`run $DATA_PREPPER_PATH /code/input.yaml 4900 --insecure`, the
# pipeline mounted at /code/input.yaml or given base64-encoded in INLINE_PIPELINE):
#
#   docker build --target dataprepper -t fetch-migration:dataprepper .
#   docker run --rm -e INLINE_PIPELINE="$(base64 -w0 pipeline.yaml)" fetch-migration:dataprepper
#
# Base images are build arguments with public defaults; `deno task image build` builds local
# stand-ins (no registry needed) and passes them here.
ARG DENO_IMAGE=denoland/deno:distroless-2.9.6
ARG BUILD_IMAGE=denoland/deno:debian-2.9.6
ARG DATA_PREPPER_IMAGE=opensearchproject/data-prepper:2.16.0

FROM ${BUILD_IMAGE} AS build
WORKDIR /app
ENV DENO_DIR=/deno-dir
COPY deno.json deno.lock ./
COPY src/ ./src/
# Every dependency fetched now, pinned by the lock; the run stages use --cached-only.
RUN ["deno", "cache", "--frozen", "src/main.ts"]
RUN ["deno", "eval", "Deno.mkdirSync('/state', { recursive: true })"]

FROM ${DENO_IMAGE} AS deno

# Data Prepper's image (its home in /usr/share/data-prepper) with this tool beside it. It runs as
# the base image's user, who owns the home the pipelines are written into.
FROM ${DATA_PREPPER_IMAGE} AS dataprepper
COPY --from=deno /bin/deno /usr/local/bin/deno
COPY --from=build /deno-dir /deno-dir
COPY --from=build /app /app
COPY --from=build /state /state
ENV DENO_DIR=/deno-dir \
    XDG_STATE_HOME=/state \
    DENO_NO_UPDATE_CHECK=1 \
    DATA_PREPPER_PATH=/usr/share/data-prepper
WORKDIR /code
ENTRYPOINT ["/usr/local/bin/deno", "run", "-A", "--v8-flags=--max-semi-space-size=4", "--cached-only", "/app/src/main.ts"]
CMD ["run", "/usr/share/data-prepper", "/code/input.yaml", "4900", "--insecure"]

# The default target, last: the tool alone.
FROM ${DENO_IMAGE} AS fetch-migration
COPY --from=build --chown=1000:1000 /deno-dir /deno-dir
COPY --from=build --chown=1000:1000 /app /app
COPY --from=build --chown=1000:1000 /state /state
ENV DENO_DIR=/deno-dir \
    XDG_STATE_HOME=/state \
    DENO_NO_UPDATE_CHECK=1
WORKDIR /app
USER 1000:1000
ENTRYPOINT ["deno", "run", "-A", "--v8-flags=--max-semi-space-size=4", "--cached-only", "/app/src/main.ts"]
CMD ["--help"]
