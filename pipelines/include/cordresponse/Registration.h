#ifndef cordresponse_Registration_h
#define cordresponse_Registration_h

// Registration of a follow-up exam to the baseline exam, and of the sequences of one exam to each other.
//
// Conventions (read these before using a result):
//  * Physical space is ITK's: LPS (x = right-to-Left, y = anterior-to-Posterior, z = inferior-to-Superior),
//    millimetres.
//  * Every transform here follows ITK's registration convention: it maps a point of the FIXED space
//    (baseline exam, or the reference sequence of an exam) to the corresponding point of the MOVING space
//    (follow-up exam, or the other sequence):  p_moving = T(p_fixed).  This is the transform a resampler
//    needs to bring the moving image onto the fixed grid (output(p) = moving(T(p))).
//  * The 4x4 matrix M of a linear result is that same mapping in homogeneous LPS coordinates:
//    [p_moving; 1] = M [p_fixed; 1].
//  * Written to an ITK .tfm file (see Transforms.h), 3D Slicer loads it as a linear transform whose
//    "from parent" transform is T (Slicer converts LPS to RAS itself); placing the follow-up volume under
//    it shows the follow-up in baseline space.

#include "cordresponse/ImageIO.h"

#include "itkTransform.h"

#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace cordresponse {

/** Transforms of registration results: fixed (baseline) point -> moving (follow-up) point, LPS mm. */
using TransformType = itk::Transform<double, 3, 3>;

/** A homogeneous 4x4 matrix, row-major: [p_moving; 1] = M [p_fixed; 1] (LPS, mm). */
using Matrix4 = std::array<std::array<double, 4>, 4>;

/** The images do not overlap (before registration: their physical extents are disjoint; after it: too
 *  few samples of the fixed region map inside the moving image). The message says which and by how much;
 *  callers that know file names should name both files. */
class NoOverlapError : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

/** Every setting of the registration, with its default. One place documents them; the CLI and the
 *  pipelines start from LongitudinalDefaults() or WithinExamDefaults(). */
struct RegistrationParameters
{
  // Metric: Mattes mutual information.
  unsigned int histogramBins{ 32 };

  // Multi-resolution, coarsest level first. The finest level has the image's own spacing and each
  // coarser level doubles the target spacing. An axis is shrunk (by block averaging) only where the
  // target spacing is at least 1.5x its own spacing: with 0.6 x 0.6 x 3 mm voxels and three levels the
  // factors are 4x4x1, 2x2x1, 1x1x1 (3 mm slices are never shrunk or merged). Shrunk axes are then
  // smoothed with a Gaussian of smoothingFraction x the level's target spacing (mm); unshrunk axes are
  // not smoothed.
  unsigned int numberOfLevels{ 3 };
  double       smoothingFraction{ 0.5 };

  // Random samples of the fixed region per level (absolute counts; drawn once per level from a
  // fixed-seed generator, uniformly over the region with a random position inside each voxel). On a
  // 1 mm spine region of ~1e5 voxels, 5000 samples is 5 %.
  std::vector<unsigned int> samplesPerLevel{ 2000, 3000, 5000 };
  std::uint32_t             seed{ 20240611 };

  // Optimiser: regular-step gradient descent on the versor-rigid (then affine) parameters, scales from
  // physical shifts. Step lengths are in the optimiser's scaled units (about mm for translations).
  std::vector<unsigned int> iterationsPerLevel{ 100, 60, 40 };
  std::vector<double>       initialStepPerLevel{ 2.0, 0.5, 0.2 };
  std::vector<double>       minimumStepPerLevel{ 0.02, 0.01, 0.002 };
  double                    relaxationFactor{ 0.5 };
  // The step shrinks by relaxationFactor when the direction reverses and grows back by growthFactor (up
  // to the level's initial step) when two successive directions agree (cosine > 0.9).
  double growthFactor{ 1.5 };
  // A linear level that reaches its iteration limit while still travelling goes on, by its limit again
  // each time, up to maximumIterationFactor x its limit. Travelling: over the last travelWindow
  // iterations the region's samples moved by more than travellingSteps x the level's initial step on
  // average. A level that only jitters about its optimum stops at the limit as before. (Large motions on
  // thin sagittal slabs leave an out-of-plane rotation that the coarse levels resolve poorly; the finest
  // level then needs more than its usual iterations.)
  unsigned int travelWindow{ 20 };
  double       travellingSteps{ 0.75 };
  unsigned int maximumIterationFactor{ 5 };

  // Robust initialisation (longitudinal), at the coarsest level, on the body foreground (minus the
  // exclusion mask) even when a spine mask is given:
  //  1. start translations: the one aligning the intensity centroids of the two foregrounds and, with
  //     scannerStart, the zero translation (the two exams' scanner coordinates as they are: when the body
  //     fills a field of view along an axis, its centroid there is the field of view's centre, not the
  //     anatomy's); around each, {0, +-o along the cranio-caudal (S) axis for o in startOffsetsMm} and
  //     every point of a searchStepMm lattice inside the ellipsoid whose semi-axis along each LPS axis is
  //     searchRadiusMm, or searchExtentFraction x the region's extent along that axis when smaller (a
  //     60 mm sagittal slab is searched +-10 mm left-right, not +-40 mm) (searchRadiusMm 0: no search);
  //  2. when there are more than searchKeep of them, they are ranked by the metric without rotation
  //     (searchSamples samples) and the searchKeep best kept (none within 1.5 x searchStepMm of a better
  //     one). Ranking here and below weighs the metric (negative mutual information) by the fraction of
  //     the samples that map inside the moving image, so that a start keeping only a small overlap,
  //     whose few samples can fit spuriously well, does not win;
  //  3. each kept translation is combined with {0, +-a about each LPS axis for a in
  //     startRotationsDegrees}; these starts are ranked by the metric, `refinedStarts` of them optimised
  //     for 30 iterations (the best start of each translation first, so that a neighbouring vertebra
  //     cannot crowd out the right level, then the next best) and the best one to convergence.
  bool                multiStart{ true };
  std::vector<double> startRotationsDegrees{ 10.0 };
  std::vector<double> startOffsetsMm{ 15.0 };
  bool                scannerStart{ true };
  double              searchRadiusMm{ 40.0 };
  double              searchStepMm{ 10.0 };
  double              searchExtentFraction{ 0.3 };
  unsigned int        searchSamples{ 1000 }; // of the coarsest level's, to score the search's translations
  unsigned int        searchKeep{ 4 };
  unsigned int        refinedStarts{ 3 };
  // With a level start (RegisterLongitudinal's levelStartMm: where the same vertebral levels lie in the
  // two exams), that translation is the only base of step 1, the search radius and the startOffsetsMm
  // kept are at most levelSearchRadiusMm (a 15 mm offset start sits most of a vertebra away, where the
  // repeating anatomy can fit better: clinical large-motion phantom with its edema excluded from the
  // metric, 22 mm off), and there is one level fewer (the coarsest image level goes; the per-level
  // settings still apply coarsest first, so the finest level's settings are the ones dropped): the labels
  // fix the level, the metric the rest. (On a 120 x 144 mm field of view the coarsest images are
  // 17 x 20 voxels, and from a start within 2 mm of the truth the repeating vertebrae and the field of
  // view's edges pulled them one vertebra away in 2 of 10 large motions.)
  double levelSearchRadiusMm{ 10.0 };

  // Region of the metric (a fixed-image mask on a coarse working grid).
  //  * With a spine mask (non-zero voxels = spine region or cord): that mask dilated by maskDilationMm.
  //  * Without: the body foreground (bin-averaged intensity above 10 % of the 99.5th percentile) dilated
  //    by autoMaskDilationMm.
  //  * Minus the exclusion mask (e.g. lesion + edema), if one is given.
  // With a spine mask, the initialisation and the coarsest wideRegionLevels levels still use the body
  // foreground (minus the exclusion): a band around the spine repeats with every vertebra, so on its own
  // it cannot tell the vertebral levels apart; the finer levels then refine inside the mask's region.
  double       maskDilationMm{ 20.0 };
  unsigned int wideRegionLevels{ 1 };
  double       autoMaskDilationMm{ 5.0 };
  double       maskWorkingSpacingMm{ 2.0 };

  // Optional stages after the rigid one, on the two finest levels.
  bool affine{ false };
  // B-spline (cubic, control points every bsplineMeshSpacingMm over the region's bounding box), composed
  // after the linear transform: T = linear o bspline.
  bool         bspline{ false };
  double       bsplineMeshSpacingMm{ 40.0 };
  unsigned int bsplineIterations{ 30 };

  // Within-exam only: when the estimated motion is below both (largest displacement over the region, and
  // rotation angle) the sequences count as already aligned and identity is returned. The defaults sit
  // just above the estimator's own precision on 0.6 x 0.6 x 3 mm data (~0.1 mm, ~0.05 degree).
  double alreadyAlignedMm{ 0.2 };
  double alreadyAlignedDegrees{ 0.15 };
};

/** Defaults for follow-up -> baseline (multi-start on). */
RegistrationParameters
LongitudinalDefaults();

/** Defaults for sequences of one exam (same session: identity start, no multi-start). */
RegistrationParameters
WithinExamDefaults();

/** What happened at one resolution level of one stage. */
struct LevelReport
{
  std::string             stage; // "rigid", "affine", "bspline"
  unsigned int            level{ 0 };
  std::array<unsigned, 3> shrinkFactors{ { 1, 1, 1 } };
  unsigned int            samples{ 0 };
  bool                    bodyRegion{ false }; // samples from the body foreground although a spine mask was given
  unsigned int            iterations{ 0 };
  double                  metric{ 0 };
  double                  seconds{ 0 };
  std::string             stopCondition;
};

struct RegistrationResult
{
  /** p_moving = transform(p_fixed), LPS mm. A VersorRigid3DTransform, an AffineTransform, or a
   *  CompositeTransform (linear then B-spline) when the B-spline stage ran. */
  TransformType::Pointer transform;
  /** True when transform is linear (matrix is then exact); otherwise matrix is its linear part. */
  bool    linear{ true };
  Matrix4 matrix{};
  /** Mattes mutual information at the end, on the finest level (negative; lower is better). */
  double metricValue{ 0 };
  /** Rotation angle (degrees) and translation at the region's centroid (mm) of the linear part. */
  double rotationDegrees{ 0 };
  double translationMm{ 0 };
  /** |T(p) - p| over the metric region: mean and maximum (mm). */
  double meanDisplacementMm{ 0 };
  double maxDisplacementMm{ 0 };
  /** Within-exam: the estimated motion was below the thresholds; transform is identity and
   *  residualMm is the maximum displacement the estimate would have applied. */
  bool   alreadyAligned{ false };
  double residualMm{ 0 };
  /** Metric region: number of working-grid voxels and whether it came from a given mask. */
  std::size_t regionVoxels{ 0 };
  bool        regionFromMask{ false };
  /** The initialisation started from the vertebral labels' correspondence (levelStartMm). */
  bool                                        startFromLevels{ false };
  std::vector<LevelReport>                    levels;
  std::vector<std::pair<std::string, double>> stageSeconds; // "initialisation", "rigid", ...
  double                                      totalSeconds{ 0 };

  /** Several human-readable lines: matrix, metric, motion, timing. */
  std::string
  Summary() const;
};

/** Follow-up (moving) onto baseline (fixed), both T1 post-contrast.
 *  fixedSpineMask (optional, on the fixed grid): non-zero voxels = spine region or cord; dilated by
 *  maskDilationMm. fixedExclusionMask (optional, on the fixed grid): voxels never used by the metric.
 *  Throws NoOverlapError when the images do not overlap, std::invalid_argument for bad arguments
 *  (masks on another grid, empty masks, inconsistent parameter vectors). Deterministic for a given seed
 *  (to within 1e-3 mm whatever the number of threads). levelStartMm (optional, LPS mm, fixed -> moving):
 *  the translation that brings the vertebral levels of the baseline onto the same levels of the follow-up
 *  (LevelCorrespondenceTranslation); the initialisation then starts there instead of the centroid and
 *  scanner starts (see levelSearchRadiusMm), which no repeating vertebra can mislead. */
RegistrationResult
RegisterLongitudinal(const ImageType *                            fixed,
                     const ImageType *                            moving,
                     const LabelImageType *                       fixedSpineMask,
                     const RegistrationParameters &               parameters = LongitudinalDefaults(),
                     const LabelImageType *                       fixedExclusionMask = nullptr,
                     const std::optional<std::array<double, 3>> & levelStartMm = std::nullopt);

/** Another sequence of the same exam (T2, T1 pre-contrast: moving) onto the reference (T1 post-contrast:
 *  fixed), rigid, mutual information, identity start. When the estimated motion is below
 *  alreadyAlignedMm (largest displacement over the region) and alreadyAlignedDegrees, returns identity
 *  with alreadyAligned = true and residualMm = that largest displacement. */
RegistrationResult
RegisterWithinExam(const ImageType *              reference,
                   const ImageType *              other,
                   const RegistrationParameters & parameters = WithinExamDefaults(),
                   const LabelImageType *         referenceSpineMask = nullptr);

/** Throws NoOverlapError unless the physical extents (LPS bounding boxes of the voxel edges) of the two
 *  images intersect; `transform` (fixed -> moving, may be null) is applied to the fixed extent first. */
void
RequireOverlap(const itk::ImageBase<3> * fixed,
               const itk::ImageBase<3> * moving,
               const TransformType *     transform = nullptr);

} // namespace cordresponse

#endif
