# smsdoc in a container, for CI jobs that should not compile it.
#
#   docker build -t smsdoc .                      # smsdoc only (~100 MB)
#   docker build -t smsdoc:pdf --target pdf .     # plus Chromium, for printing to PDF
#   docker run --rm -v "$PWD:/handbook" smsdoc check --strict
#
# The handbook is mounted at /handbook (the working directory). The image
# runs as the unprivileged user `smsdoc` (uid 10001); output written into
# the mount belongs to that uid. Pass `--user "$(id -u):$(id -g)"` to write
# as yourself.

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-slim-bookworm AS build
# The commit `smsdoc --version` names; .git is not sent to the build.
ARG SMSDOC_BUILD_COMMIT=unknown
ENV SMSDOC_BUILD_COMMIT=${SMSDOC_BUILD_COMMIT}
WORKDIR /src
COPY . .
RUN cargo build --profile dist --locked \
 && strip target/dist/smsdoc \
 && target/dist/smsdoc --version

FROM debian:bookworm-slim AS base
RUN useradd --uid 10001 --user-group --create-home --shell /usr/sbin/nologin smsdoc
COPY --from=build /src/target/dist/smsdoc /usr/local/bin/smsdoc
WORKDIR /handbook
ENTRYPOINT ["smsdoc"]
CMD ["check"]

# With Debian's headless Chromium, for printing the handbook to PDF.
FROM base AS pdf
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
ENV SMSDOC_CHROMIUM=/usr/bin/chromium
USER smsdoc

# The default image: smsdoc alone.
FROM base AS default
USER smsdoc
