# The buildlint image: the static binary and nothing else (docs/distribution.md).
# Build the binary first, then the image with buildlint itself:
#   CARGO_TARGET_DIR=target/static \
#   CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS="-C target-feature=+crt-static" \
#   cargo build --locked --profile static --target x86_64-unknown-linux-gnu --bin buildlint
#   buildlint build -t buildlint:dev .
# Run it on a directory: docker run --rm -v "$PWD":/src buildlint:dev check /src
FROM scratch
LABEL org.opencontainers.image.title="buildlint" \
      org.opencontainers.image.description="Checks and builds container images, with the build context in view." \
      org.opencontainers.image.licenses="Apache-2.0"
COPY target/static/x86_64-unknown-linux-gnu/static/buildlint /usr/local/bin/buildlint
USER 10001:10001
WORKDIR /src
ENTRYPOINT ["/usr/local/bin/buildlint"]
CMD ["check", "/src"]
