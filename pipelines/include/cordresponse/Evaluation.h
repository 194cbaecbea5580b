#ifndef cordresponse_Evaluation_h
#define cordresponse_Evaluation_h

#include "cordresponse/SegmentationMetrics.h"

#include <nlohmann/json.hpp>

#include <array>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cordresponse {

/** Scoring of a `cordresponse run` output against the ground truth of a phantom case (docs/evaluation.md):
 *  segmentation overlap (cord, lesions, edema), lesion-wise detection, registration target error over the
 *  baseline cord, and the response categories. Every coordinate is ITK physical space: LPS, millimetres. */

/** The project's targets: lesions of at least this equivalent-sphere diameter must be detected ... */
constexpr double TargetDetectionDiameterMm = 3.0;
/** ... and lesions of at least this volume must be segmented accurately (Dice, volume error). */
constexpr double TargetSegmentationVolumeMm3 = 30.0;
/** Smallest centroid distance (mm) within which a non-overlapping prediction still detects a lesion. */
constexpr double MinimumMatchDistanceMm = 3.0;

/** One truth lesion after matching (see MatchLesions for the rule). Volumes in mm^3. */
struct LesionMatch
{
  unsigned int              id{ 0 };
  bool                      detected{ false };
  std::string               matchedBy;         ///< "overlap", "centroid distance", or "" when missed
  std::vector<unsigned int> matchedIds;        ///< predicted lesion ids matched to this lesion
  double                    truthVolume{ 0 };  ///< truth voxel count x voxel volume
  std::optional<double>     analyticVolume;    ///< from truth.json when known
  double                    resultVolume{ 0 }; ///< voxel volume of the matched predictions (together)
  double                    dice{ 0 };         ///< this lesion vs the union of its matched predictions

  /** The size the targets refer to: the analytic volume when known, else the truth voxel volume. */
  double
  ReferenceVolume() const
  {
    return analyticVolume.value_or(truthVolume);
  }
  /** Diameter (mm) of the sphere of ReferenceVolume(). */
  double
  EquivalentDiameter() const;
  /** 100 (result - truth voxel volume) / truth voxel volume. */
  std::optional<double>
  VolumeErrorPercent() const;
};

/** Detection statistics restricted to the project's target lesion sizes. */
struct TargetSummary
{
  std::size_t           lesionsAtLeast3mm{ 0 }; ///< truth lesions with EquivalentDiameter() >= 3 mm
  std::size_t           detectedAtLeast3mm{ 0 };
  std::optional<double> sensitivityAtLeast3mm;          ///< null when there is no such lesion
  std::size_t           lesionsAtLeast30mm3{ 0 };       ///< truth lesions with ReferenceVolume() >= 30 mm^3
  std::optional<double> meanDiceAtLeast30mm3;           ///< missed lesions count as Dice 0
  std::optional<double> meanAbsVolumeErrorAtLeast30mm3; ///< mean |VolumeErrorPercent()| (missed: 100 %)
};
TargetSummary
SummarizeTargets(const std::vector<LesionMatch> & lesions);

/** Lesion-wise detection of one timepoint (or totals over timepoints). */
struct DetectionScore
{
  std::size_t               truthLesions{ 0 };
  std::size_t               predictedLesions{ 0 };
  std::size_t               truePositives{ 0 };               ///< detected truth lesions
  std::size_t               falseNegatives{ 0 };              ///< missed truth lesions
  std::size_t               falsePositives{ 0 };              ///< predicted lesions near no truth lesion
  bool                      predictedFromComponents{ false }; ///< binary result map split into components
  std::vector<LesionMatch>  lesions;                          ///< one per truth lesion, increasing id
  std::vector<unsigned int> falsePositiveIds;                 ///< predicted ids (component numbers when split)

  /** TP / (TP + FN); null when there is no truth lesion. */
  std::optional<double>
  Sensitivity() const;
};

/** What a truth timepoint (an element of truth.json's "timepoints") says about its lesions beyond the map:
 *  analytic volumes (mm^3) and centroids (LPS mm), by id; lesions lacking a field are left out of that map. */
struct TruthLesionFacts
{
  std::map<unsigned int, double>                analyticVolumes;
  std::map<unsigned int, itk::Point<double, 3>> centroids;
};
TruthLesionFacts
ReadTruthLesionFacts(const nlohmann::json & timepoint);

/** Match predicted lesions to truth lesions (both maps on the same grid; each non-zero value is one lesion).
 *  If `predicted` holds no value other than 0 and 1 it is a binary map and is split into 26-connected
 *  components first. The rule:
 *    - a truth lesion is detected ("overlap") when at least one predicted lesion overlaps it by >= 1 voxel;
 *      its matches are all the predicted lesions that overlap it;
 *    - otherwise it is still detected ("centroid distance") when predicted lesions have their centroid within
 *      max(MinimumMatchDistanceMm, equivalent-sphere radius of the truth lesion's voxel volume) of the truth
 *      lesion's centroid; its matches are those predicted lesions;
 *    - a predicted lesion that overlaps no truth lesion and whose centroid is within that distance of no
 *      truth lesion is a false positive.
 *  A predicted lesion may match several truth lesions (a merge) and a truth lesion several predictions (a
 *  split). `facts.analyticVolumes` (by truth id, mm^3) fills LesionMatch::analyticVolume.
 *  `facts.centroids` (by truth id, LPS mm; e.g. truth.json's) adds the truth lesions too small to own a voxel of
 *  the truth map (less than half of every voxel): they count as truth lesions and are matched by centroid
 *  distance alone, within max(MinimumMatchDistanceMm, the equivalent-sphere radius of their analytic volume);
 *  ids present in the map ignore it. Throws std::invalid_argument if the grids differ. */
DetectionScore
MatchLesions(const LabelImageType * truth, const LabelImageType * predicted, const TruthLesionFacts & facts = {});

/** A 4x4 homogeneous matrix (row-major) mapping an LPS point (mm) to an LPS point (mm). */
using Matrix4 = std::array<std::array<double, 4>, 4>;

/** Apply the matrix to a point. */
itk::Point<double, 3>
Apply(const Matrix4 & matrix, const itk::Point<double, 3> & point);

/** Registration target error (mm) over a set of points. */
struct TargetRegistrationError
{
  std::size_t           points{ 0 };
  std::optional<double> mean; ///< null when the result matrix is missing or there is no point
  std::optional<double> max;
};

/** || result(p) - truth(p) || over `points` (both matrices map a baseline point to a follow-up point). */
TargetRegistrationError
ComputeTargetRegistrationError(const std::vector<itk::Point<double, 3>> & points,
                               const Matrix4 &                            truth,
                               const std::optional<Matrix4> &             result);

/** Centres (LPS mm) of the non-zero voxels of a label map, in raster order. */
std::vector<itk::Point<double, 3>>
ForegroundVoxelCentres(const LabelImageType * labels);

/** Overlap scores of one structure (cord, lesions or edema) at one timepoint. */
struct StructureEvaluation
{
  std::string    name;
  bool           produced{ false };  ///< the result has this map (if not, it is scored as an empty map)
  bool           resampled{ false }; ///< the result map was on another grid: nearest-neighbour resampled
  OverlapMetrics metrics;
};

struct TimepointEvaluation
{
  std::string                      label;
  std::vector<StructureEvaluation> structures; ///< cord, lesions, edema
  DetectionScore                   detection;
  TargetSummary                    targets;
};

struct RegistrationEvaluation
{
  std::string             timepoint; ///< the follow-up
  bool                    reported{ false };
  TargetRegistrationError error;
};

/** An expected response category against the reported one. */
struct CategoryCheck
{
  std::string                expected; ///< empty when the truth gives none
  std::optional<std::string> reported;
  /** Null when nothing is expected; false when the category is missing or differs. */
  std::optional<bool>
  Correct() const;
};

/** An expected percentage change against the reported one. */
struct ChangeCheck
{
  std::optional<double> expected; ///< from the truth; null when it gives none
  std::optional<double> reported;
  /** reported - expected, in percentage points; null unless both are given. */
  std::optional<double>
  DifferencePoints() const;
};

struct ResponseEvaluation
{
  std::string   timepoint;
  CategoryCheck ranoBm;
  CategoryCheck volumetric;
  /** Change of the total enhancing volume vs baseline (%): truth enhancing_volume_pct against the report's
   *  response.volumetric.volume_pct_vs_baseline. */
  ChangeCheck enhancingVolumePercent;
};

/** The whole evaluation of one case. */
struct CaseEvaluation
{
  std::filesystem::path               truthDirectory;
  std::filesystem::path               resultDirectory;
  std::vector<TimepointEvaluation>    timepoints;
  std::vector<RegistrationEvaluation> registration;
  std::vector<ResponseEvaluation>     response;

  /** Detection summed over the timepoints (lesions of every timepoint, in order). */
  DetectionScore
  TotalDetection() const;
};

/** Score OUT_DIR/report.json (and the maps it names) against CASE_DIR/truth.json (and its truth maps).
 *  Throws InputError naming the file for a missing, unreadable or malformed truth.json or report.json, a
 *  missing or corrupt map, or a result timepoint unknown to the truth. */
CaseEvaluation
EvaluateCase(const std::filesystem::path & truthDirectory, const std::filesystem::path & resultDirectory);

/** The evaluation as JSON ("format": "cordresponse-evaluation", "version": 1; see docs/evaluation.md). */
nlohmann::ordered_json
ToJson(const CaseEvaluation & evaluation);

/** The evaluation as a readable, aligned text table (one block per timepoint, then totals). */
std::string
FormatTable(const CaseEvaluation & evaluation);

} // namespace cordresponse

#endif
