#!/bin/sh
# Builds and runs each target for 10 minutes, one after another.
set -x
cd "$(dirname "$0")"
export CARGO_TARGET_DIR=$PWD/target RUSTC_BOOTSTRAP=1
for t in dockerfile compose bake dockerignore; do
  mkdir -p corpus/$t
  cargo fuzz build --sanitizer none -O $t || exit 1
done
for t in dockerfile compose bake dockerignore; do
  cargo fuzz run --sanitizer none -O $t corpus/$t seeds/$t -- \
    -max_total_time=600 -max_len=65536 -timeout=30 -rss_limit_mb=4096 -jobs=1 -workers=1 \
    > /tmp/harden-fuzz-$t.log 2>&1
  echo "$t exit $?"
done
