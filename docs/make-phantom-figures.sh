#!/usr/bin/env bash
# Regenerates the phantom figures in docs/images from the clinical seed preset.
# Usage: docs/make-phantom-figures.sh [path/to/cordresponse]
set -euo pipefail
exe=${1:-build/release/bin/cordresponse}
case_dir=$(mktemp -d)
trap 'rm -rf "$case_dir"' EXIT
"$exe" phantom --out "$case_dir" --preset seed --grid clinical
truth=$case_dir/truth
# View centres (LPS mm) on the two foci of the seed preset, from truth.json.
read -r fx fy fz < <(python3 -c "import json,sys; l=json.load(open('$case_dir/truth.json'))['timepoints'][0]['enhancing']['lesions'][0]['centroid_lps']; print(*l)")
for seq in t1pre t1post t2; do
  "$exe" snapshot "$case_dir/baseline/$seq.nii.gz" docs/images/phantom_seed_sagittal_$seq.png \
    --size 307 307 --pixel 0.6 --caption "seed phantom, baseline $seq (sagittal, clinical grid)"
done
"$exe" snapshot "$case_dir/baseline/t1post.nii.gz" docs/images/phantom_seed_sagittal_t1post_truth.png \
  --centre "$fx" "$fy" "$((${fz%.*} - 40))" --size 100 180 --pixel 0.25 \
  --labels "$truth/baseline_lesions.nii.gz" --labels "$truth/baseline_edema.nii.gz" --labels "$truth/baseline_cord.nii.gz" \
  --caption "T1 post + truth: foci (red), edema (yellow), cord (cyan)"
"$exe" snapshot "$case_dir/baseline/t1post.nii.gz" docs/images/phantom_seed_axial_t1post.png --plane axial \
  --centre "$fx" "$fy" "$fz" --size 120 120 --pixel 0.3 --labels "$truth/baseline_lesions.nii.gz" \
  --caption "axial through the T9-T10 focus (3 mm sagittal slices)"
"$exe" snapshot "$case_dir/baseline/t2.nii.gz" docs/images/phantom_seed_axial_t2.png --plane axial \
  --centre "$fx" "$fy" "$fz" --size 120 120 --pixel 0.3 --caption "axial T2 through the T9-T10 focus"
"$exe" snapshot "$case_dir/followup/t1post.nii.gz" docs/images/phantom_seed_followup_sagittal_t1post.png \
  --size 307 307 --pixel 0.6 --caption "seed phantom, follow-up t1post: foci resolved, patient moved"
# The same exam acquired as a scanner does (1.0 x 0.8 mm in-plane, zero-filled to 0.6 mm: blur, Gibbs ringing,
# correlated noise), close up on the cord.
scanner_dir=$case_dir/scanner
"$exe" phantom --out "$scanner_dir" --preset seed --grid clinical --scanner-acquisition
for seq in t1post t2; do
  "$exe" snapshot "$scanner_dir/baseline/$seq.nii.gz" docs/images/phantom_seed_scanner_sagittal_${seq}.png \
    --centre "$fx" "$fy" "$((${fz%.*} - 40))" --size 100 180 --pixel 0.25 \
    --caption "scanner acquisition (zero-filled), baseline $seq"
done
