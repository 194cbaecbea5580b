#ifndef cordresponse_Segmentation_h
#define cordresponse_Segmentation_h

#include "cordresponse/ImageIO.h"

#include "itkPoint.h"
#include "itkTransform.h"

#include <filesystem>
#include <string>
#include <variant>
#include <vector>

namespace cordresponse {

/** Every parameter of the segmentation of one timepoint, with its default (chosen on the phantom sweep,
 *  benchmarks/SegmentationScores.cxx, and the real Spinal Cord Toolbox images; see docs/segmentation.md).
 *  Names are stable: the CLI, the Slicer XML and report.json are generated from this list
 *  (SegmentationParameterFields()). Lengths in mm, volumes in mm^3, enhancements relative to normal cord. */
struct SegmentationParameters
{
  // --- Spinal cord (itk::SpinalCordSegmentationImageFilter) ---
  double cordRadius{ 5.0 };               ///< typical cord semi-axis for the centreline tube detector (mm)
  double canalRadius{ 6.0 };              ///< half-width of the CSF box of the tube detector (mm)
  double surroundRadius{ 10.0 };          ///< half-width of the box around the canal of the tube detector (mm)
  double cordDetectionLength{ 10.0 };     ///< length of the tube detector boxes along the cord (mm)
  double centrelineStiffness{ 0.05 };     ///< penalty of centreline displacement between planes (per mm^2)
  double centrelineSmoothing{ 3.0 };      ///< half-window of the centreline smoothing (mm)
  double cordBoundaryLevel{ 0.5 };        ///< cord/CSF threshold position (0 = cord, 1 = CSF; 0.5 = half-voxel rule)
  double cordMaximumRadius{ 9.0 };        ///< no cord voxel farther from the centreline (mm)
  double cordLeakFactor{ 1.5 };           ///< cross-section at most this times the running median radius
  double cordRegularisationLength{ 6.0 }; ///< running-median window of the per-sector boundary (mm)
  double cordMinimumContrast{ 0.15 };     ///< minimum relative cord/CSF contrast for a plane to hold cord
  double cordReferenceLength{ 20.0 };     ///< running-median window of the cord and CSF references (mm)
  double cordCsfPeakFraction{ 0.35 };     ///< a CSF peak this far (x contrast) below threshold still ends the cord
  double cordCsfDipFraction{ 0.1 };       ///< thick slices: a fall this far (x contrast) after it, along a slice line
  double cordDarkTissueFraction{ 0.1 }; ///< tissue beyond normal cord by this (x contrast) on the far side is not cord
  double cordEndScoreFraction{ 0.3 }; ///< the cord ends where the centreline tube score falls below this x its maximum
  // --- Enhancing foci (itk::EnhancingFociSegmentationImageFilter) ---
  double fociSeedEnhancement{ 0.5 };       ///< seed threshold: T1 post signal over normal cord (+50%)
  double fociGrowEnhancement{ 0.25 };      ///< hysteresis growing threshold (+25%)
  double fociMinimumZScore{ 5.0 };         ///< seeds also exceed this many robust noise SDs
  double fociRelativeBoundary{ 0.5 };      ///< focus boundary at this fraction of its peak enhancement
  double fociExophyticMargin{ 1.0 };       ///< allowed extension of a focus beyond the cord mask (mm)
  double fociSurfaceDepth{ 1.2 };          ///< depth of the cord surface layer (surface enhancement rejection, mm)
  double fociMinimumCoreFraction{ 0.2 };   ///< minimum fraction of a focus deeper than fociSurfaceDepth
  double fociMinimumInsideFraction{ 0.5 }; ///< minimum fraction of a focus inside the cord mask
  double fociMinimumVolume{ 5.0 };         ///< minimum focus volume (mm^3)
  double fociSplitDepth{ 1.5 };            ///< erosion depth separating touching foci (mm; 0 = never split)
  double fociSplitNeckFraction{ 0.4 };     ///< touching foci whose neck is this deep (fraction) stay one
  double fociReferenceLength{ 30.0 };      ///< window of the normal-cord reference along the cord (mm)
  double fociReferenceQuantile{ 0.4 };     ///< quantile of the pooled cord signal taken as normal cord
  double fociPlateauWidth{ 2.0 };          ///< partial volume: plateau below the peak (noise SDs)
  bool   fociWithoutSubtraction{ false };  ///< ignore the T1 pre-contrast image (no subtraction) for the foci
  // --- Edema (itk::CordEdemaSegmentationImageFilter) ---
  double edemaSeedIncrease{ 0.22 };       ///< seed threshold: T2 (CSF-normalised) over normal cord (+22%)
  double edemaGrowIncrease{ 0.12 };       ///< hysteresis growing threshold (+12%)
  double edemaRelativeBoundary{ 0.5 };    ///< boundary at this fraction of a component's median increase
  double edemaBorderDepth{ 0.7 };         ///< cord border layer excluded (CSF partial volume, mm)
  double edemaNormalQuantile{ 0.15 };     ///< quantile of per-plane cord medians taken as normal cord
  double edemaMinimumLength{ 6.0 };       ///< minimum cranio-caudal extent of an edema region (mm)
  double edemaMinimumVolume{ 20.0 };      ///< minimum edema region volume (mm^3)
  double edemaFilledPlaneFraction{ 0.8 }; ///< a run of edema planes must fill this fraction of the cord section
  // --- Vertebral levels (itk::VertebralLevelAssignmentImageFilter) ---
  double levelExtrapolation{ 1.0 }; ///< extension beyond the outermost disc labels (mean level heights)
};

/** One member of SegmentationParameters: its stable name, its one-line documentation and the member itself.
 *  The table of these (SegmentationParameterFields()) is the single source of the parameters: the CLI flags,
 *  the Slicer module XML, segmentation.json and report.json are generated from it. */
struct SegmentationParameterField
{
  std::string                                                                    name;
  std::string                                                                    doc;
  std::variant<double SegmentationParameters::*, bool SegmentationParameters::*> member;

  /** The member's value in `p` as text ("0.5", "true"); round-trips through Set(). */
  std::string
  Text(const SegmentationParameters & p) const;
  /** Parse `text` (a finite number, or true/false) into the member of `p`; throws std::invalid_argument
   *  naming the parameter when the text is not a valid value. */
  void
  Set(SegmentationParameters & p, const std::string & text) const;
};

/** Every member of SegmentationParameters, in declaration order. */
const std::vector<SegmentationParameterField> &
SegmentationParameterFields();

/** The field called `name`; throws std::invalid_argument for an unknown name. */
const SegmentationParameterField &
FindSegmentationParameter(const std::string & name);

using TransformType = itk::Transform<double, 3, 3>;

/** The images of one timepoint. Paths only name inputs in error messages. */
struct SegmentationInputs
{
  ImageType::ConstPointer      t1post;          ///< required: the reference grid of the results
  ImageType::ConstPointer      t1pre;           ///< optional, registered to t1post (any grid, resampled linearly)
  ImageType::ConstPointer      t2;              ///< optional
  LabelImageType::ConstPointer cordMask;        ///< optional user cord mask (any grid; replaces the automatic one)
  LabelImageType::ConstPointer vertebralLabels; ///< optional SCT disc labels or cord labelled by level (any grid)
  /** Maps T1-post physical points to T2 physical points (ITK fixed-to-moving convention); identity if null. */
  TransformType::ConstPointer t1postToT2;
  std::filesystem::path       t1postPath{ "t1post" }, t1prePath{ "t1pre" }, t2Path{ "t2" }, cordMaskPath{ "cord mask" },
    vertebralLabelsPath{ "vertebral labels" };
};

/** Measurements of one enhancing focus. */
struct LesionStatistics
{
  unsigned int          id{ 0 }; ///< 1.. from cranial to caudal
  std::size_t           voxelCount{ 0 };
  double                volume{ 0 };                     ///< voxel count x voxel volume (mm^3)
  double                partialVolume{ 0 };              ///< partial-volume-aware volume (mm^3)
  itk::Point<double, 3> centroid;                        ///< LPS mm
  double                peakEnhancement{ 0 };            ///< over normal cord (0.9 = +90%)
  unsigned int          firstLevel{ 0 }, lastLevel{ 0 }; ///< SCT numbering, 0 = unknown
  std::string           levels;                          ///< "T9-T10"; "" when unknown
  bool                  levelsAreGuess{ false };
};

/** Results on the T1 post-contrast grid (edemaT2 and cordT2 on the T2 grid). */
struct SegmentationResult
{
  LabelImageType::Pointer       cord;    ///< 1 = cord
  LabelImageType::Pointer       lesions; ///< focus ids
  LabelImageType::Pointer       edema;   ///< 1 = edema (mapped from the T2 grid); all 0 without T2
  LabelImageType::Pointer       levels;  ///< cord labelled by vertebral level (0 = unknown)
  LabelImageType::Pointer       cordT2;  ///< cord on the T2 grid (null without T2)
  LabelImageType::Pointer       edemaT2; ///< edema on the T2 grid (null without T2)
  std::vector<LesionStatistics> lesionStatistics;
  std::string cordSource;  ///< "user mask", "automatic (T2)", "automatic (T1 pre)", "automatic (T1 post)"
  std::string levelSource; ///< "disc labels", "labelled cord", "none"
  bool        levelsAreGuess{ false };
  double      edemaVolumeT2{ 0 }; ///< mm^3 on the T2 grid
  std::string edemaLevels;        ///< level span of the edema
  double      noiseSigma{ 0 };    ///< robust SD of the T1 post enhancement in the cord
  double      seconds{ 0 };       ///< wall time
};

/** Segment one timepoint: the cord (user mask, or automatic on T2, else T1 pre, else T1 post), the enhancing
 *  foci on T1 post (with the T1 pre subtraction when given), the edema on T2 (mapped to the T1 post grid
 *  through t1postToT2 by nearest neighbour) and the vertebral levels.
 *  Throws InputError naming the file for: a missing T1 post image; a user cord mask without any voxel, or
 *  that does not overlap the T1 post image; a T2 / T1 pre image or label map that does not overlap the T1
 *  post image; an automatic segmentation that finds no cord. No lesion at all is a valid result. */
SegmentationResult
SegmentTimepoint(const SegmentationInputs & inputs, const SegmentationParameters & parameters = {});

/** Foci found by re-examining one exam inside a region (ids 1..N; statistics without levels). */
struct ReexaminedFoci
{
  LabelImageType::Pointer       lesions;
  std::vector<LesionStatistics> statistics;
};

/** Re-examine one exam for enhancing foci seeded inside `region` (a mask on the T1 post grid), with the seed
 *  threshold relaxed to the growing one (fociGrowEnhancement; the noise criterion, fociMinimumZScore, stays)
 *  and no minimum volume: where another exam of the patient shows a focus, a focus too faint to seed here
 *  on its own is still found and measured. `t1pre` (registered to T1 post) may be null. */
ReexaminedFoci
ReexamineFoci(const ImageType *              t1post,
              const ImageType *              t1pre,
              const LabelImageType *         cord,
              const LabelImageType *         region,
              const SegmentationParameters & parameters = {});

/** Write cord.nii.gz, lesions.nii.gz, edema.nii.gz, edema_t2.nii.gz (with T2), levels.nii.gz and
 *  segmentation.json into `directory` (created if needed; every file atomically). */
void
WriteSegmentation(const SegmentationResult &     result,
                  const SegmentationParameters & parameters,
                  const std::filesystem::path &  directory);

} // namespace cordresponse

#endif
