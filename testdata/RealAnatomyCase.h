#ifndef cordresponse_RealAnatomyCase_h
#define cordresponse_RealAnatomyCase_h

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>

namespace cordresponse {

/** A semi-synthetic longitudinal case on real anatomy: the Spinal Cord Toolbox testing image t2/t2.nii.gz
 *  (1 mm, cervical cord) with its manual cord mask, into which known enhancing foci and T2 edema are
 *  inserted; the follow-up is the same anatomy moved by a known rigid transform, with focus 1 shrunk and
 *  focus 2 resolved (expected RANO-BM PR, volumetric PR). Written as a CordResponse case directory that
 *  `cordresponse run --case DIR/case.json` and `cordresponse evaluate --truth DIR` accept.
 *
 *  Simplifications (the data has no T1 post-contrast and no follow-up):
 *   - the T1 pre- and post-contrast images are the real T2 image itself (cord dark, CSF bright); the
 *     post-contrast image differs only by the inserted enhancement (focus voxels x (1 + ratio));
 *   - foci are axis-aligned (LPS) ellipsoids clipped to the manual cord mask; edema fills the cord
 *     cross-section over a cranio-caudal range (T2 x (1 + 0.55), tapering to x (1 + 0.3) at its ends, foci
 *     included, as in the phantoms); insertion is voxel-wise (no partial volume), so the truth maps are exact
 *     and the truth volumes are voxel counts x voxel volume;
 *   - the follow-up images are the baseline anatomy resampled (linear) through the known motion; its truth
 *     cord is the manual mask resampled by nearest neighbour, and the foci / edema are inserted on the
 *     follow-up grid from the same body-frame ellipsoids;
 *   - every image gets independent Gaussian noise (sigma = cord median / `snr`, deterministic seed). */
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

/** Write the case into `outputDirectory` from `sctT2Directory` (holding t2.nii.gz, t2_seg-manual.nii.gz and
 *  t2_seg-manual_labeled.nii.gz):
 *    case.json, case-manual-cord.json (the same with the truth cord as the user cord mask: isolates the
 *    automatic cord segmentation), truth.json (format "cordresponse-phantom-truth", the keys docs/evaluation.md lists),
 *    <tp>/t1pre.nii.gz, t1post.nii.gz, t2.nii.gz, levels.nii.gz (the labelled manual cord),
 *    truth/<tp>_{cord,lesions,edema}.nii.gz, truth/followup_to_baseline.tfm.
 *  Throws InputError for missing or unreadable inputs. */
RealAnatomyCaseSummary
WriteRealAnatomyCase(const std::filesystem::path & sctT2Directory,
                     const std::filesystem::path & outputDirectory,
                     const RealAnatomyOptions &    options = {});

} // namespace cordresponse

#endif
