#ifndef cordresponse_RealAnatomyCase_h
#define cordresponse_RealAnatomyCase_h

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>

namespace cordresponse {

/** A semi-synthetic longitudinal case on real anatomy: the Spinal Cord Toolbox testing images t1/t1w.nii.gz
 *  (T1-weighted) and t2/t2.nii.gz (T2-weighted) of one exam (1 mm, cervical cord; their world coordinates
 *  agree), each with its manual cord mask. Known enhancing foci are inserted into the T1 cord (the T1 post image
 *  is t1w with the enhancement, the T1 pre image t1w itself) and T2 edema into the T2 cord, from the same
 *  body-frame shapes; the follow-up is the same anatomy moved by a known rigid transform, with focus 1 shrunk
 *  and focus 2 resolved (expected RANO-BM PR, volumetric PR). Written as a CordResponse case directory that
 *  `cordresponse run --case DIR/case.json` and `cordresponse evaluate --truth DIR` accept.
 *
 *  Simplifications (the data has no contrast agent and no follow-up):
 *   - T1 pre and T1 post are the same real T1w image with independent noise, differing only by the inserted
 *     enhancement (focus voxels x (1 + ratio)): the subtraction isolates the foci better than in a real
 *     exam, where the two acquisitions also differ by motion and contrast uptake outside the foci;
 *   - foci are axis-aligned (LPS) ellipsoids clipped to the manual T1 cord mask; edema fills the T2 cord
 *     cross-section over a cranio-caudal range (T2 x (1 + 0.55), tapering to x (1 + 0.3) at its ends); the
 *     foci are not T2-bright; insertion is voxel-wise (no partial volume), so the truth maps are exact and
 *     the truth volumes are voxel counts x voxel volume;
 *   - the follow-up images are the baseline anatomy resampled (linear) through the known motion; its truth
 *     cords are the manual masks resampled by nearest neighbour, and the foci / edema are inserted on the
 *     follow-up grids from the same body-frame shapes;
 *   - every image gets independent Gaussian noise (sigma = its cord median / `snr`, deterministic seed).
 *  Truth maps: cord and lesions on the T1 grid, edema on the T2 grid (the evaluator resamples a result map
 *  onto the truth's grid). */
struct RealAnatomyOptions
{
  std::uint64_t         seed{ 1 };
  double                snr{ 40.0 };
  std::array<double, 3> rotationDegrees{ { 3.0, -2.0, 2.5 } }; ///< about x, y, z (LPS) through the image centre
  std::array<double, 3> translation{ { 4.0, -3.0, 5.0 } };     ///< mm, LPS
};

/** What was written. */
struct RealAnatomyCaseSummary
{
  std::array<double, 2> baselineFociVolumesMm3{ { 0, 0 } };
  double                followupFocusVolumeMm3{ 0 };
  double                baselineEdemaVolumeMm3{ 0 };
};

/** Write the case into `outputDirectory` from `sctDirectory` (the sct-testing-data root: t1/t1w.nii.gz,
 *  t1/t1w_seg-manual.nii.gz, t2/t2.nii.gz, t2/t2_seg-manual.nii.gz, t2/t2_seg-manual_labeled.nii.gz):
 *    case.json, case-manual-cord.json (the same with the truth cord as the user cord mask: isolates the
 *    automatic cord segmentation), truth.json (format "cordresponse-phantom-truth", the keys docs/evaluation.md lists),
 *    <tp>/t1pre.nii.gz, t1post.nii.gz, t2.nii.gz, levels.nii.gz (the labelled manual T2 cord),
 *    truth/<tp>_{cord,lesions,edema}.nii.gz, truth/followup_to_baseline.tfm.
 *  Throws InputError for missing or unreadable inputs, a mask off its image's grid, or masks that share
 *  less than 30 mm of cord. */
RealAnatomyCaseSummary
WriteRealAnatomyCase(const std::filesystem::path & sctDirectory,
                     const std::filesystem::path & outputDirectory,
                     const RealAnatomyOptions &    options = {});

} // namespace cordresponse

#endif
