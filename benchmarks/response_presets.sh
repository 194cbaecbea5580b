#!/bin/sh
# Response on every phantom preset: generate the case, run the whole pipeline, score it, and print the
# response categories and the enhancing-volume change against the truth (issue: categories equal the truth,
# volume changes within 10 percentage points).
# Usage: benchmarks/response_presets.sh BUILD_DIR WORK_DIR [GRID] [SEED]
set -eu
build=${1:?build directory (e.g. build/release)}
work=${2:?work directory}
grid=${3:-test}
seed=${4:-1}
tool="$build/bin/cordresponse"
mkdir -p "$work"
for preset in $("$tool" phantom --list | awk '{print $1}'); do
  case_dir="$work/$grid-$preset-$seed"
  out="$work/out-$grid-$preset-$seed"
  [ -f "$case_dir/truth.json" ] || "$tool" phantom --preset "$preset" --grid "$grid" --seed "$seed" --out "$case_dir" > /dev/null
  rm -rf "$out"
  "$tool" run --case "$case_dir/case.json" --output-dir "$out" > /dev/null
  "$tool" evaluate --truth "$case_dir" --result "$out" | grep -E '^ +(response|volume change) ' | sed "s/^ */$preset: /"
done
