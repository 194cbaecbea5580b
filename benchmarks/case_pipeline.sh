#!/usr/bin/env bash
# End-to-end speed of `cordresponse run` on the clinical seed phantom (two exams of T1 pre, T1 post and T2 at
# 512 x 512 x 20, 0.6 x 0.6 x 3 mm), at 1 and 2 threads, with ITK on oneTBB (the default) and on ITK's Pool
# threader; then batch throughput at 1 and 2 threads. Prints wall time, peak resident memory and the time
# per stage. RUN_FLAGS (e.g. --no-bias-correction) is passed to every `cordresponse run`.
# Usage: [RUN_FLAGS=...] benchmarks/case_pipeline.sh [build-dir] [work-dir] [repeats]
set -euo pipefail
build=${1:-build/release}
work=${2:-/tmp/cordresponse-case-bench}
repeats=${3:-3}
exe=$build/bin/cordresponse
mkdir -p "$work"
[ -f "$work/case/case.json" ] || "$exe" phantom --out "$work/case" --preset seed --grid clinical > /dev/null

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "# $(date -u +%FT%TZ) on $(nproc) CPUs; cordresponse $("$exe" --version)"
echo "| policy | threads | wall s (median of $repeats) | peak RSS MB | load | bias_correction | segmentation | registration | measurement |"
echo "|---|---|---|---|---|---|---|---|---|"
for policy in tbb pool; do
  for threads in 1 2; do
    walls=(); rss=0
    for r in $(seq "$repeats"); do
      rm -rf "$work/out"
      out=$( { CORDRESPONSE_ITK_THREADER=$policy /usr/bin/time -f "%e %M" "$exe" run --case "$work/case/case.json" \
               --output-dir "$work/out" --threads "$threads" ${RUN_FLAGS:-} > /dev/null; } 2>&1 | tail -1)
      walls+=("${out% *}"); m=${out#* }; [ "$m" -gt "$rss" ] && rss=$m
    done
    stages=$(python3 -c "
import json; r = json.load(open('$work/out/report.json'))
s = {}
for t in r['timepoints']:
    for k, v in t['stage_seconds'].items(): s[k] = s.get(k, 0) + v
print(' | '.join('%.2f' % s.get(k, 0) for k in ('load', 'bias_correction', 'segmentation', 'registration', 'measurement')))")
    echo "| $policy | $threads | $(printf '%s\n' "${walls[@]}" | median) | $((rss / 1024)) | $stages |"
  done
done

# Batch throughput: four test-grid cases, 1 thread / 1 job vs 2 threads / 2 jobs.
for p in seed partial-response progression stable; do
  [ -f "$work/cohort/$p/case.json" ] || "$exe" phantom --out "$work/cohort/$p" --preset "$p" --grid test > /dev/null
done
manifest=$work/cohort/manifest.csv
echo "case_id,timepoint,sequence,path" > "$manifest"
for p in seed partial-response progression stable; do
  for tp in baseline followup; do
    for s in t1post t2; do echo "$p,$tp,$s,$work/cohort/$p/$tp/$s.nii.gz" >> "$manifest"; done
  done
done
declare -A batch
for threads in 1 2; do
  rm -rf "$work/batch$threads"
  start=$(date +%s.%N)
  "$exe" batch --manifest "$manifest" --output-dir "$work/batch$threads" --threads "$threads" --jobs "$threads" > /dev/null
  batch[$threads]=$(echo "$(date +%s.%N) - $start" | bc)
done
echo
echo "batch of 4 test-grid cases: 1 thread ${batch[1]} s, 2 threads ${batch[2]} s, speed-up $(echo "scale=2; ${batch[1]} / ${batch[2]}" | bc)x"
