#ifndef cordresponse_CasePipeline_h
#define cordresponse_CasePipeline_h

#include "cordresponse/BiasCorrection.h"
#include "cordresponse/Case.h"
#include "cordresponse/ImageIO.h"
#include "cordresponse/LesionMatching.h"
#include "cordresponse/Measurements.h"
#include "cordresponse/Registration.h"
#include "cordresponse/Response.h"
#include "cordresponse/Segmentation.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cordresponse {

/** Every setting of a case run. */
struct RunOptions
{
  std::filesystem::path  outputDirectory;
  RegistrationParameters registration{ LongitudinalDefaults() };
  SegmentationParameters segmentation;
  MatchingCriteria       matching;
  ResponseCriteria       response;
  MeasurabilityCriteria  measurability;
  bool                   qcImages{ true };
  /** N4 bias-field correction of every image before alignment and segmentation (on by default; see
   *  docs/preprocessing.md). */
  BiasCorrectionParameters biasCorrection;
  /** Name label maps as BIDS derivatives (<exam>/anat/<case>_<exam>_desc-lesions_dseg.nii.gz, ..._label-cord_mask,
   *  with JSON sidecars) instead of <exam>_lesions.nii.gz. */
  bool bidsNames{ false };
};

/** How an exam's other sequences lined up with its T1 post-contrast image (residual motion, mm). */
struct WithinExamAlignment
{
  std::optional<double> t1preResidualMm;
  std::optional<double> t2ResidualMm;
  bool                  t1preAligned{ true };
  bool                  t2Aligned{ true };
};

/** Wall time of each stage of one exam (s); unset when the stage did not run. One member per stage: the
 *  exam's graph nodes that run concurrently (its registration beside its segmentation and measurement)
 *  write different members. */
struct ExamStageSeconds
{
  std::optional<double> load, biasCorrection, segmentation, registration, measurement;

  /** The stages that ran, in pipeline order, with their names in report.json and the run summary. */
  std::vector<std::pair<std::string, double>>
  InOrder() const;
};

/** What one exam gave. Label maps are on the exam's T1 post-contrast grid; measurements are native. */
struct TimepointResult
{
  TimepointInputs         inputs;
  ImageType::Pointer      t1post;
  ImageType::ConstPointer t1preAligned; // T1 pre aligned to T1 post, any grid (null without it): re-examination
  // The exam's segmentation on its T1 post grid (its T2-grid maps are released after measurement).
  SegmentationResult                segmentation;
  std::vector<LesionMeasurement>    lesionMeasurements;
  EdemaMeasurement                  edemaMeasurement;
  double                            cordVolumeMm3{ 0 };
  std::optional<RegistrationResult> registration;        // follow-ups: onto the baseline
  TransformType::Pointer            toBaseline;          // baseline point -> this exam's point
  std::vector<LesionChange>         changesFromPrevious; // follow-ups: against the previous exam
  std::optional<RegionChange>       edemaChangeFromBaseline;
  ExamStageSeconds                  stageSeconds;
  WithinExamAlignment               alignment;
};

/** A finished case. */
struct CaseResult
{
  CaseInputs                      inputs;
  std::vector<TimepointResult>    timepoints;
  std::vector<unsigned int>       targetLesionIds; // RANO-BM targets (baseline ids)
  std::vector<ResponseAssessment> responses;       // one per follow-up
};

/** Total enhancing volume of an exam (mm^3), partial-volume estimates where available (ResponseVolume):
 *  the volume the response, the change and the reports use. */
double
EnhancingVolumeMm3(const TimepointResult & t);

/** A point of exam `t` (LPS mm) in baseline space, through the inverse of t.toBaseline (unchanged for the
 *  baseline or without an invertible transform). */
std::array<double, 3>
ToBaselineSpace(const TimepointResult & t, const std::array<double, 3> & point);

/** Every setting that changes a case's results, as canonical `name = value` lines (segmentation table, bias
 *  correction, registration, matching and response criteria). Batch resumes rerun a case when it changes. */
std::string
ResultSettingsText(const RunOptions & options);

/** Progress: stage name and overall fraction in [0, 1]. */
using ProgressCallback = std::function<void(const std::string & stage, double fraction)>;

/** Link follow-up lesions to the previous exam, classify the response, and fill `result` (everything after
 *  segmentation and registration). Exposed for tests. */
void
CompareTimepoints(CaseResult & result, const RunOptions & options);

/** Run a whole case: load and validate every input, segment each exam, register each follow-up onto the
 *  baseline (or read its given transform), measure in native space, match lesions across exams, classify
 *  the response, and write the reports into options.outputDirectory (see WriteCaseReports). */
CaseResult
RunCase(const CaseInputs & inputs, const RunOptions & options, const ProgressCallback & progress = {});

/** Write report.json, lesions.csv, the label maps, the transforms and (optionally) the QC images and
 *  report.html. Every file is written atomically. Returns the path of report.json. */
std::filesystem::path
WriteCaseReports(const CaseResult & result, const RunOptions & options);

/** The per-lesion table (lesions.csv) of every exam, one row per focus; `separator` ',' for CSV or '\t' for
 *  TSV (fields quoted when they hold it). Centroids in LPS mm. */
std::string
LesionTable(const CaseResult & result, char separator);

/** A 3D Slicer colour table ("index name R G B A" lines) naming the focus ids of the exams' lesion label
 *  maps (the baseline's name of an id wins, e.g. "focus_1_T9-T10"). */
std::string
LesionColourTable(const CaseResult & result);

/** A one-screen text summary of a finished case (response per follow-up, volumes, where the report is). */
std::string
SummariseCase(const CaseResult & result, const std::filesystem::path & reportPath);

} // namespace cordresponse

#endif
