# The fetch-migration image: the Deno runtime, the project's source and its npm dependencies,
# cached at build time, so the container needs no network to start; runs as a non-root user.
#
#   docker build -t fetch-migration .
#   docker run --rm fetch-migration info --source http://es:9200 --target https://os:9200
#
# Base images are build arguments with public defaults; `deno task image build` builds a local
# stand-in base from the machine's own Deno (no registry needed) and passes it here.
ARG DENO_IMAGE=denoland/deno:distroless-2.9.6
ARG BUILD_IMAGE=denoland/deno:debian-2.9.6

FROM ${BUILD_IMAGE} AS build
WORKDIR /app
ENV DENO_DIR=/deno-dir
COPY deno.json deno.lock ./
COPY src/ ./src/
# Every dependency fetched now, pinned by the lock; the run stage uses --cached-only.
RUN ["deno", "cache", "--frozen", "src/main.ts"]
RUN ["deno", "eval", "Deno.mkdirSync('/state', { recursive: true })"]

FROM ${DENO_IMAGE}
COPY --from=build --chown=1000:1000 /deno-dir /deno-dir
COPY --from=build --chown=1000:1000 /app /app
COPY --from=build --chown=1000:1000 /state /state
ENV DENO_DIR=/deno-dir \
    XDG_STATE_HOME=/state \
    DENO_NO_UPDATE_CHECK=1
WORKDIR /app
USER 1000:1000
ENTRYPOINT ["deno", "run", "-A", "--cached-only", "/app/src/main.ts"]
CMD ["--help"]
