// Scores a `cordresponse run` output against the ground truth of a phantom case (docs/evaluation.md).
#include "cordresponse/Evaluation.h"

#include "cordresponse/Errors.h"

#include "itkImageRegionConstIteratorWithIndex.h"
#include "itkMath.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <set>
#include <sstream>
#include <stdexcept>

namespace cordresponse {
namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {
using Point = itk::Point<double, 3>;

/** The structures scored at every timepoint, in report order. */
constexpr const char * StructureNames[] = { "cord", "lesions", "edema" };

// ---------------------------------------------------------------------------------------------------------
// Reading truth.json and report.json
// ---------------------------------------------------------------------------------------------------------

json
ReadJsonFile(const fs::path & path)
{
  std::error_code error;
  if (!fs::exists(path, error))
  {
    throw InputError(path, "does not exist");
  }
  if (!fs::is_regular_file(path, error))
  {
    throw InputError(path, "is not a regular file");
  }
  std::ifstream in(path);
  if (!in)
  {
    throw InputError(path, "cannot be opened for reading");
  }
  try
  {
    return json::parse(in);
  }
  catch (const json::exception & e)
  {
    throw InputError(path, std::string("is not valid JSON: ") + e.what());
  }
}

/** A 4x4 homogeneous matrix of finite numbers whose last row is (0, 0, 0, 1). */
Matrix4
ParseMatrix(const json & value, const fs::path & file, const std::string & where)
{
  const std::string problem = where + ": expected a 4x4 matrix of finite numbers with last row [0, 0, 0, 1]";
  if (!value.is_array() || value.size() != 4)
  {
    throw InputError(file, problem);
  }
  Matrix4 m{};
  for (std::size_t r = 0; r < 4; ++r)
  {
    if (!value[r].is_array() || value[r].size() != 4)
    {
      throw InputError(file, problem);
    }
    for (std::size_t c = 0; c < 4; ++c)
    {
      if (!value[r][c].is_number() || !std::isfinite(value[r][c].get<double>()))
      {
        throw InputError(file, problem);
      }
      m[r][c] = value[r][c].get<double>();
    }
  }
  for (std::size_t c = 0; c < 4; ++c)
  {
    if (std::abs(m[3][c] - (c == 3 ? 1.0 : 0.0)) > 1e-6)
    {
      throw InputError(file, problem);
    }
  }
  return m;
}

std::string
RequireString(const json & object, const char * key, const fs::path & file, const std::string & where)
{
  if (!object.is_object() || !object.contains(key) || !object[key].is_string())
  {
    throw InputError(file, where + ": missing the string \"" + key + "\"");
  }
  return object[key].get<std::string>();
}

/** response.volumetric.volume_pct_vs_baseline when the report gives it as a number. */
std::optional<double>
ParseVolumePercent(const json & response)
{
  if (response.is_object() && response.contains("volumetric") && response["volumetric"].is_object() &&
      response["volumetric"].contains("volume_pct_vs_baseline") &&
      response["volumetric"]["volume_pct_vs_baseline"].is_number())
  {
    return response["volumetric"]["volume_pct_vs_baseline"].get<double>();
  }
  return std::nullopt;
}

/** A category given as {"category": "PR"} or as "PR"; std::nullopt when absent or null. */
std::optional<std::string>
ParseCategory(const json & response, const char * key, const fs::path & file, const std::string & where)
{
  if (!response.is_object())
  {
    throw InputError(file, where + ": \"response\" must be an object");
  }
  if (!response.contains(key) || response[key].is_null())
  {
    return std::nullopt;
  }
  const json & value = response[key];
  if (value.is_string())
  {
    return value.get<std::string>();
  }
  if (value.is_object() && value.contains("category") && value["category"].is_string())
  {
    return value["category"].get<std::string>();
  }
  if (value.is_object() && (!value.contains("category") || value["category"].is_null()))
  {
    return std::nullopt;
  }
  throw InputError(file, where + ": \"" + key + "\" must hold a string \"category\"");
}

struct TruthTimepoint
{
  std::string                     label;
  std::map<std::string, fs::path> maps; // cord, lesions, edema (paths resolved against the case directory)
  TruthLesionFacts                lesions;
  std::optional<Matrix4>          followupToBaseline;
};

struct ExpectedResponse
{
  std::string           timepoint;
  std::string           ranoBm;
  std::string           volumetric;
  std::optional<double> enhancingVolumePercent;
};

struct Truth
{
  fs::path                      file;
  std::vector<TruthTimepoint>   timepoints;
  std::vector<ExpectedResponse> expected;

  const TruthTimepoint *
  Find(const std::string & label) const
  {
    for (const auto & t : timepoints)
    {
      if (t.label == label)
      {
        return &t;
      }
    }
    return nullptr;
  }
  std::string
  Labels() const
  {
    std::string labels;
    for (const auto & t : timepoints)
    {
      labels += (labels.empty() ? "" : ", ") + t.label;
    }
    return labels;
  }
};

} // namespace

TruthLesionFacts
ReadTruthLesionFacts(const nlohmann::json & timepoint)
{
  TruthLesionFacts facts;
  if (!timepoint.contains("enhancing") || !timepoint["enhancing"].contains("lesions"))
  {
    return facts;
  }
  for (const auto & lesion : timepoint["enhancing"]["lesions"])
  {
    if (!lesion.contains("id"))
    {
      continue;
    }
    const auto id = lesion["id"].get<unsigned int>();
    if (lesion.contains("analytic_volume_mm3"))
    {
      facts.analyticVolumes[id] = lesion["analytic_volume_mm3"].get<double>();
    }
    if (lesion.contains("centroid_lps") && lesion["centroid_lps"].is_array() && lesion["centroid_lps"].size() == 3)
    {
      auto & centroid = facts.centroids[id];
      for (unsigned int d = 0; d < 3; ++d)
      {
        centroid[d] = lesion["centroid_lps"][d].get<double>();
      }
    }
  }
  return facts;
}

namespace {
TruthTimepoint
ParseTruthTimepoint(const json & tp, std::size_t index, const fs::path & file)
{
  TruthTimepoint    t;
  const std::string where = "timepoints[" + std::to_string(index) + "]";
  t.label = RequireString(tp, "label", file, where);
  const std::string named = "timepoint '" + t.label + "'";
  if (!tp.contains("truth_maps") || !tp["truth_maps"].is_object())
  {
    throw InputError(file, named + ": missing \"truth_maps\"");
  }
  for (const char * name : StructureNames)
  {
    t.maps[name] = file.parent_path() / RequireString(tp["truth_maps"], name, file, named + " truth_maps");
  }
  t.lesions = ReadTruthLesionFacts(nlohmann::json(tp));
  if (index > 0)
  {
    if (!tp.contains("followup_to_baseline") || !tp["followup_to_baseline"].contains("matrix_lps"))
    {
      throw InputError(file, named + ": missing \"followup_to_baseline\": {\"matrix_lps\"}");
    }
    t.followupToBaseline =
      ParseMatrix(tp["followup_to_baseline"]["matrix_lps"], file, named + " followup_to_baseline.matrix_lps");
  }
  return t;
}

Truth
ReadTruth(const fs::path & directory)
{
  Truth truth;
  truth.file = directory / "truth.json";
  const json j = ReadJsonFile(truth.file);
  try
  {
    if (!j.is_object() || j.value("format", std::string()) != "cordresponse-phantom-truth")
    {
      throw InputError(truth.file, "not a ground truth file (\"format\" is not \"cordresponse-phantom-truth\")");
    }
    if (!j.contains("timepoints") || !j["timepoints"].is_array() || j["timepoints"].empty())
    {
      throw InputError(truth.file, "has no \"timepoints\"");
    }
    for (std::size_t i = 0; i < j["timepoints"].size(); ++i)
    {
      truth.timepoints.push_back(ParseTruthTimepoint(j["timepoints"][i], i, truth.file));
      if (truth.Find(truth.timepoints.back().label) != &truth.timepoints.back())
      {
        throw InputError(truth.file, "timepoint '" + truth.timepoints.back().label + "' appears twice");
      }
    }
    for (const auto & r : j.value("expected_response", json::array()))
    {
      ExpectedResponse e{ RequireString(r, "timepoint", truth.file, "expected_response"),
                          r.value("rano_bm", std::string()), r.value("volumetric", std::string()), std::nullopt };
      if (r.contains("enhancing_volume_pct") && r["enhancing_volume_pct"].is_number())
      {
        e.enhancingVolumePercent = r["enhancing_volume_pct"].get<double>();
      }
      if (truth.Find(e.timepoint) == nullptr)
      {
        throw InputError(truth.file, "expected_response names an unknown timepoint '" + e.timepoint + "'");
      }
      truth.expected.push_back(e);
    }
  }
  catch (const json::exception & e)
  {
    throw InputError(truth.file, std::string("unexpected content: ") + e.what());
  }
  return truth;
}

struct ResultTimepoint
{
  std::string                     label;
  std::map<std::string, fs::path> outputs; // resolved against the result directory
  std::optional<Matrix4>          registration;
  std::optional<std::string>      ranoBm;
  std::optional<std::string>      volumetric;
  std::optional<double>           enhancingVolumePercent;
};

struct ResultReport
{
  fs::path                     file;
  std::vector<ResultTimepoint> timepoints;

  const ResultTimepoint *
  Find(const std::string & label) const
  {
    for (const auto & t : timepoints)
    {
      if (t.label == label)
      {
        return &t;
      }
    }
    return nullptr;
  }
};

ResultTimepoint
ParseResultTimepoint(const json & tp, std::size_t index, const fs::path & file)
{
  ResultTimepoint r;
  r.label = RequireString(tp, "label", file, "timepoints[" + std::to_string(index) + "]");
  const std::string named = "timepoint '" + r.label + "'";
  if (tp.contains("outputs"))
  {
    if (!tp["outputs"].is_object())
    {
      throw InputError(file, named + ": \"outputs\" must be an object");
    }
    for (const char * name : StructureNames)
    {
      if (tp["outputs"].contains(name) && !tp["outputs"][name].is_null())
      {
        r.outputs[name] = file.parent_path() / RequireString(tp["outputs"], name, file, named + " outputs");
      }
    }
  }
  if (tp.contains("registration_to_baseline") && !tp["registration_to_baseline"].is_null())
  {
    if (!tp["registration_to_baseline"].contains("matrix_lps"))
    {
      throw InputError(file, named + ": \"registration_to_baseline\" has no \"matrix_lps\"");
    }
    r.registration =
      ParseMatrix(tp["registration_to_baseline"]["matrix_lps"], file, named + " registration_to_baseline.matrix_lps");
  }
  if (tp.contains("response") && !tp["response"].is_null())
  {
    r.ranoBm = ParseCategory(tp["response"], "rano_bm", file, named);
    r.volumetric = ParseCategory(tp["response"], "volumetric", file, named);
    r.enhancingVolumePercent = ParseVolumePercent(tp["response"]);
  }
  return r;
}

/** The top-level "registration" and "response" of a two-timepoint report, applied to its only follow-up. */
void
ApplyTopLevelFallbacks(const json & j, const Truth & truth, ResultReport & report)
{
  const bool registration = j.contains("registration") && !j["registration"].is_null();
  const bool response = j.contains("response") && !j["response"].is_null();
  if (!registration && !response)
  {
    return;
  }
  // Per-timepoint entries take precedence: when every follow-up has its own, the top level is only a summary.
  bool everyFollowupGiven = true;
  for (std::size_t i = 1; i < truth.timepoints.size(); ++i)
  {
    const auto * t = report.Find(truth.timepoints[i].label);
    everyFollowupGiven = everyFollowupGiven && t && t->registration && t->ranoBm && t->volumetric;
  }
  if (everyFollowupGiven)
  {
    return;
  }
  if (truth.timepoints.size() != 2)
  {
    throw InputError(report.file, "top-level \"registration\"/\"response\" apply to a single follow-up, but the truth "
                                  "has " +
                                    std::to_string(truth.timepoints.size() - 1) + "; give them per timepoint instead");
  }
  const std::string followup = truth.timepoints[1].label;
  if (report.Find(followup) == nullptr)
  {
    report.timepoints.push_back(ResultTimepoint{ followup, {}, {}, {}, {}, {} });
  }
  auto & target = *std::find_if(report.timepoints.begin(), report.timepoints.end(),
                                [&followup](const ResultTimepoint & t) { return t.label == followup; });
  if (registration && !target.registration)
  {
    const json & r = j["registration"];
    if (!r.contains("followup_to_baseline") || !r["followup_to_baseline"].contains("matrix_lps"))
    {
      throw InputError(report.file, "\"registration\" has no \"followup_to_baseline\": {\"matrix_lps\"}");
    }
    target.registration =
      ParseMatrix(r["followup_to_baseline"]["matrix_lps"], report.file, "registration.followup_to_baseline.matrix_lps");
  }
  if (response)
  {
    if (!target.ranoBm)
    {
      target.ranoBm = ParseCategory(j["response"], "rano_bm", report.file, "top level");
    }
    if (!target.volumetric)
    {
      target.volumetric = ParseCategory(j["response"], "volumetric", report.file, "top level");
    }
    if (!target.enhancingVolumePercent)
    {
      target.enhancingVolumePercent = ParseVolumePercent(j["response"]);
    }
  }
}

ResultReport
ReadReport(const fs::path & directory, const Truth & truth)
{
  ResultReport report;
  report.file = directory / "report.json";
  const json j = ReadJsonFile(report.file);
  try
  {
    if (!j.is_object())
    {
      throw InputError(report.file, "must hold a JSON object");
    }
    const json timepoints = j.value("timepoints", json::array());
    if (!timepoints.is_array())
    {
      throw InputError(report.file, "\"timepoints\" must be an array");
    }
    for (std::size_t i = 0; i < timepoints.size(); ++i)
    {
      ResultTimepoint r = ParseResultTimepoint(timepoints[i], i, report.file);
      if (truth.Find(r.label) == nullptr)
      {
        throw InputError(report.file,
                         "timepoint '" + r.label + "' is not in the truth (truth timepoints: " + truth.Labels() + ")");
      }
      if (report.Find(r.label) != nullptr)
      {
        throw InputError(report.file, "timepoint '" + r.label + "' appears twice");
      }
      report.timepoints.push_back(r);
    }
    ApplyTopLevelFallbacks(j, truth, report);
  }
  catch (const json::exception & e)
  {
    throw InputError(report.file, std::string("unexpected content: ") + e.what());
  }
  return report;
}

// ---------------------------------------------------------------------------------------------------------
// Scoring
// ---------------------------------------------------------------------------------------------------------

bool
IsBinary(const LabelImageType * labels)
{
  const auto * buffer = labels->GetBufferPointer();
  const auto   count = labels->GetPixelContainer()->Size();
  return count > 0 && *std::max_element(buffer, buffer + count) == 1;
}

TimepointEvaluation
EvaluateTimepoint(const TruthTimepoint & truth, const ResultTimepoint * result)
{
  TimepointEvaluation evaluation;
  evaluation.label = truth.label;
  for (const char * name : StructureNames)
  {
    const auto          truthMap = LoadLabelImage(truth.maps.at(name));
    StructureEvaluation structure;
    structure.name = name;
    LabelImageType::Pointer resultMap;
    if (result != nullptr && result->outputs.count(name) != 0)
    {
      resultMap = LoadLabelImage(result->outputs.at(name));
      structure.produced = true;
      if (!SameGrid(resultMap, truthMap))
      {
        resultMap = ResampleToGrid(resultMap, truthMap);
        structure.resampled = true;
      }
    }
    else
    {
      resultMap = EmptyLabelMap(truthMap);
    }
    structure.metrics = CompareMasks(truthMap, resultMap);
    if (structure.name == "lesions")
    {
      evaluation.detection = MatchLesions(truthMap, resultMap, truth.lesions);
      evaluation.targets = SummarizeTargets(evaluation.detection.lesions);
    }
    evaluation.structures.push_back(structure);
  }
  return evaluation;
}

CategoryCheck
Check(const std::string & expected, const std::optional<std::string> & reported)
{
  return { expected, reported };
}

double
Mean(const std::vector<double> & values)
{
  double sum = 0.0;
  for (double v : values)
  {
    sum += v;
  }
  return values.empty() ? 0.0 : sum / static_cast<double>(values.size());
}

// ---------------------------------------------------------------------------------------------------------
// JSON and table
// ---------------------------------------------------------------------------------------------------------

json
Optional(const std::optional<double> & value)
{
  return value ? json(*value) : json(nullptr);
}

json
Optional(const std::optional<bool> & value)
{
  return value ? json(*value) : json(nullptr);
}

json
Optional(const std::optional<std::string> & value)
{
  return value ? json(*value) : json(nullptr);
}

json
StructureJson(const StructureEvaluation & s)
{
  const OverlapMetrics & m = s.metrics;
  return { { "produced", s.produced },
           { "resampled_to_truth_grid", s.resampled },
           { "dice", m.dice },
           { "hd95_mm", Optional(m.hausdorff95) },
           { "truth_voxels", m.truthVoxels },
           { "result_voxels", m.resultVoxels },
           { "truth_volume_mm3", m.truthVolume },
           { "result_volume_mm3", m.resultVolume },
           { "volume_error_mm3", m.VolumeError() },
           { "volume_error_pct", Optional(m.VolumeErrorPercent()) } };
}

json
TargetsJson(const TargetSummary & t)
{
  return { { "lesions_ge_3mm", t.lesionsAtLeast3mm },
           { "detected_ge_3mm", t.detectedAtLeast3mm },
           { "sensitivity_ge_3mm", Optional(t.sensitivityAtLeast3mm) },
           { "lesions_ge_30mm3", t.lesionsAtLeast30mm3 },
           { "mean_dice_ge_30mm3", Optional(t.meanDiceAtLeast30mm3) },
           { "mean_abs_volume_error_pct_ge_30mm3", Optional(t.meanAbsVolumeErrorAtLeast30mm3) } };
}

json
LesionJson(const LesionMatch & l)
{
  return { { "id", l.id },
           { "detected", l.detected },
           { "matched_by", l.detected ? json(l.matchedBy) : json(nullptr) },
           { "matched_ids", l.matchedIds },
           { "truth_voxel_volume_mm3", l.truthVolume },
           { "truth_analytic_volume_mm3", Optional(l.analyticVolume) },
           { "equivalent_diameter_mm", l.EquivalentDiameter() },
           { "result_volume_mm3", l.resultVolume },
           { "volume_error_pct", Optional(l.VolumeErrorPercent()) },
           { "dice", l.dice } };
}

json
DetectionJson(const DetectionScore & d, bool perTimepoint)
{
  json j = { { "truth_lesions", d.truthLesions },
             { "predicted_lesions", d.predictedLesions },
             { "true_positives", d.truePositives },
             { "false_negatives", d.falseNegatives },
             { "false_positives", d.falsePositives },
             { "sensitivity", Optional(d.Sensitivity()) },
             { "targets", TargetsJson(SummarizeTargets(d.lesions)) } };
  if (perTimepoint)
  {
    j["predicted_from_components"] = d.predictedFromComponents;
    j["false_positive_ids"] = d.falsePositiveIds;
    json lesions = json::array();
    for (const auto & l : d.lesions)
    {
      lesions.push_back(LesionJson(l));
    }
    j["lesions"] = lesions;
  }
  return j;
}

json
CategoryJson(const CategoryCheck & c)
{
  return { { "expected", c.expected.empty() ? json(nullptr) : json(c.expected) },
           { "reported", Optional(c.reported) },
           { "correct", Optional(c.Correct()) } };
}

json
SummaryJson(const CaseEvaluation & e)
{
  json dice, hd95;
  json resampled = json::array();
  for (std::size_t s = 0; s < std::size(StructureNames); ++s)
  {
    std::vector<double> dices, distances;
    for (const auto & t : e.timepoints)
    {
      const auto & structure = t.structures.at(s);
      dices.push_back(structure.metrics.dice);
      if (structure.metrics.hausdorff95)
      {
        distances.push_back(*structure.metrics.hausdorff95);
      }
      if (structure.resampled)
      {
        resampled.push_back(t.label + "/" + structure.name);
      }
    }
    dice[StructureNames[s]] = Mean(dices);
    hd95[StructureNames[s]] = distances.empty() ? json(nullptr) : json(Mean(distances));
  }
  std::vector<double> means;
  double              worst = 0.0;
  for (const auto & r : e.registration)
  {
    if (r.error.mean)
    {
      means.push_back(*r.error.mean);
      worst = std::max(worst, r.error.max.value_or(0.0));
    }
  }
  std::size_t checked = 0, correct = 0;
  for (const auto & r : e.response)
  {
    for (const auto * c : { &r.ranoBm, &r.volumetric })
    {
      if (c->Correct())
      {
        ++checked;
        correct += *c->Correct() ? 1 : 0;
      }
    }
  }
  const DetectionScore total = e.TotalDetection();
  const TargetSummary  targets = SummarizeTargets(total.lesions);
  return { { "mean_dice", dice },
           { "mean_hd95_mm", hd95 },
           { "detection",
             { { "true_positives", total.truePositives },
               { "false_negatives", total.falseNegatives },
               { "false_positives", total.falsePositives },
               { "sensitivity", Optional(total.Sensitivity()) },
               { "sensitivity_ge_3mm", Optional(targets.sensitivityAtLeast3mm) },
               { "mean_dice_ge_30mm3", Optional(targets.meanDiceAtLeast30mm3) },
               { "mean_abs_volume_error_pct_ge_30mm3", Optional(targets.meanAbsVolumeErrorAtLeast30mm3) } } },
           { "registration",
             { { "followups", e.registration.size() },
               { "reported", means.size() },
               { "mean_tre_mm", means.empty() ? json(nullptr) : json(Mean(means)) },
               { "max_tre_mm", means.empty() ? json(nullptr) : json(worst) } } },
           { "response",
             { { "checked", checked }, { "correct", correct }, { "all_correct", checked > 0 && correct == checked } } },
           { "resampled_maps", resampled } };
}

std::string
Fixed(const std::optional<double> & value, int precision)
{
  if (!value)
  {
    return "n/a";
  }
  std::ostringstream os;
  os << std::fixed << std::setprecision(precision) << *value;
  return os.str();
}

std::string
CategoryText(const char * name, const CategoryCheck & c)
{
  const auto correct = c.Correct();
  return std::string(name) + " expected " + (c.expected.empty() ? "-" : c.expected) + ", reported " +
         c.reported.value_or("-") + ": " + (!correct ? "not checked" : (*correct ? "correct" : "WRONG"));
}

std::string
DetectionText(const DetectionScore & d)
{
  const TargetSummary t = SummarizeTargets(d.lesions);
  std::ostringstream  os;
  os << d.truthLesions << " truth, " << d.predictedLesions << " predicted"
     << (d.predictedFromComponents ? " (components)" : "") << ": TP " << d.truePositives << ", FN " << d.falseNegatives
     << ", FP " << d.falsePositives << ", sensitivity " << Fixed(d.Sensitivity(), 3)
     << " (>= 3 mm: " << Fixed(t.sensitivityAtLeast3mm, 3) << " of " << t.lesionsAtLeast3mm << ")\n  " << std::left
     << std::setw(14) << ">= 30 mm3" << t.lesionsAtLeast30mm3 << " truth lesions: mean Dice "
     << Fixed(t.meanDiceAtLeast30mm3, 3) << ", mean |volume error| " << Fixed(t.meanAbsVolumeErrorAtLeast30mm3, 1)
     << " %";
  return os.str();
}
} // namespace

// -------------------------------------------------------------------------------------------------------------
// Public functions
// -------------------------------------------------------------------------------------------------------------

double
LesionMatch::EquivalentDiameter() const
{
  return 2.0 * std::cbrt(3.0 * ReferenceVolume() / (4.0 * itk::Math::pi));
}

std::optional<double>
LesionMatch::VolumeErrorPercent() const
{
  if (truthVolume <= 0.0)
  {
    return std::nullopt;
  }
  return 100.0 * (resultVolume - truthVolume) / truthVolume;
}

std::optional<double>
DetectionScore::Sensitivity() const
{
  if (truthLesions == 0)
  {
    return std::nullopt;
  }
  return static_cast<double>(truePositives) / static_cast<double>(truthLesions);
}

TargetSummary
SummarizeTargets(const std::vector<LesionMatch> & lesions)
{
  TargetSummary       t;
  std::vector<double> dices, errors;
  for (const auto & l : lesions)
  {
    if (l.EquivalentDiameter() >= TargetDetectionDiameterMm)
    {
      ++t.lesionsAtLeast3mm;
      t.detectedAtLeast3mm += l.detected ? 1 : 0;
    }
    if (l.ReferenceVolume() >= TargetSegmentationVolumeMm3)
    {
      ++t.lesionsAtLeast30mm3;
      dices.push_back(l.dice);
      errors.push_back(std::abs(l.VolumeErrorPercent().value_or(-100.0)));
    }
  }
  if (t.lesionsAtLeast3mm > 0)
  {
    t.sensitivityAtLeast3mm = static_cast<double>(t.detectedAtLeast3mm) / static_cast<double>(t.lesionsAtLeast3mm);
  }
  if (!dices.empty())
  {
    t.meanDiceAtLeast30mm3 = Mean(dices);
    t.meanAbsVolumeErrorAtLeast30mm3 = Mean(errors);
  }
  return t;
}

DetectionScore
MatchLesions(const LabelImageType * truth, const LabelImageType * predicted, const TruthLesionFacts & facts)
{
  if (!SameGrid(truth, predicted))
  {
    throw std::invalid_argument("MatchLesions: the truth and predicted lesion maps are not on the same grid");
  }
  DetectionScore               score;
  LabelImageType::ConstPointer lesions = predicted;
  if (IsBinary(predicted))
  {
    lesions = ConnectedComponents26(predicted).GetPointer();
    score.predictedFromComponents = true;
  }
  auto       truthStats = ComputeLabelStatistics(truth);
  const auto predictedStats = ComputeLabelStatistics(lesions);
  // Truth lesions without a voxel of their own join with voxel count and volume 0.
  std::set<unsigned int> unmapped;
  for (const auto & c : facts.centroids)
  {
    const bool mapped =
      std::any_of(truthStats.begin(), truthStats.end(), [&c](const LabelStatistics & t) { return t.label == c.first; });
    if (!mapped)
    {
      LabelStatistics lesion;
      lesion.label = static_cast<LabelImageType::PixelType>(c.first);
      lesion.centroid = c.second;
      truthStats.push_back(lesion);
      unmapped.insert(c.first);
    }
  }
  std::sort(truthStats.begin(), truthStats.end(),
            [](const LabelStatistics & a, const LabelStatistics & b) { return a.label < b.label; });
  score.truthLesions = truthStats.size();
  score.predictedLesions = predictedStats.size();

  // Voxels shared by each (truth id, predicted id) pair: one pass over the grid.
  std::map<std::pair<unsigned int, unsigned int>, std::size_t> overlap;
  const auto *                                                 pt = truth->GetBufferPointer();
  const auto *                                                 pp = lesions->GetBufferPointer();
  for (std::size_t i = 0; i < truth->GetPixelContainer()->Size(); ++i)
  {
    if (pt[i] != 0 && pp[i] != 0)
    {
      ++overlap[{ pt[i], pp[i] }];
    }
  }
  auto shared = [&overlap](unsigned int t, unsigned int p) {
    const auto found = overlap.find({ t, p });
    return found == overlap.end() ? std::size_t{ 0 } : found->second;
  };

  std::set<unsigned int> explained; // predicted ids that overlap, or are near, some truth lesion
  for (const auto & t : truthStats)
  {
    LesionMatch match;
    match.id = t.label;
    match.truthVolume = t.volume;
    const auto analytic = facts.analyticVolumes.find(t.label);
    if (analytic != facts.analyticVolumes.end())
    {
      match.analyticVolume = analytic->second;
    }
    // Reach: the sphere of the voxel volume, or of the analytic volume for a lesion without a voxel.
    const double              reach = unmapped.count(t.label) ? 0.5 * match.EquivalentDiameter() : t.EquivalentRadius();
    const double              radius = std::max(MinimumMatchDistanceMm, reach);
    std::vector<unsigned int> overlapping, near;
    for (const auto & p : predictedStats)
    {
      if (shared(t.label, p.label) > 0)
      {
        overlapping.push_back(p.label);
        explained.insert(p.label);
      }
      if (t.centroid.EuclideanDistanceTo(p.centroid) <= radius)
      {
        near.push_back(p.label);
        explained.insert(p.label);
      }
    }
    match.matchedIds = overlapping.empty() ? near : overlapping;
    match.detected = !match.matchedIds.empty();
    match.matchedBy = !overlapping.empty() ? "overlap" : (match.detected ? "centroid distance" : "");
    std::size_t intersection = 0, resultVoxels = 0;
    for (const auto & p : predictedStats)
    {
      if (std::find(match.matchedIds.begin(), match.matchedIds.end(), p.label) != match.matchedIds.end())
      {
        intersection += shared(t.label, p.label);
        resultVoxels += p.voxelCount;
        match.resultVolume += p.volume;
      }
    }
    match.dice = t.voxelCount + resultVoxels == 0
                   ? 0.0
                   : 2.0 * static_cast<double>(intersection) / static_cast<double>(t.voxelCount + resultVoxels);
    score.truePositives += match.detected ? 1 : 0;
    score.falseNegatives += match.detected ? 0 : 1;
    score.lesions.push_back(match);
  }
  for (const auto & p : predictedStats)
  {
    if (explained.count(p.label) == 0)
    {
      score.falsePositiveIds.push_back(p.label);
    }
  }
  score.falsePositives = score.falsePositiveIds.size();
  return score;
}

itk::Point<double, 3>
Apply(const Matrix4 & m, const itk::Point<double, 3> & p)
{
  Point q;
  for (unsigned int r = 0; r < 3; ++r)
  {
    q[r] = m[r][0] * p[0] + m[r][1] * p[1] + m[r][2] * p[2] + m[r][3];
  }
  return q;
}

TargetRegistrationError
ComputeTargetRegistrationError(const std::vector<itk::Point<double, 3>> & points,
                               const Matrix4 &                            truth,
                               const std::optional<Matrix4> &             result)
{
  TargetRegistrationError error;
  error.points = points.size();
  if (!result || points.empty())
  {
    return error;
  }
  double sum = 0.0, worst = 0.0;
  for (const auto & p : points)
  {
    const double d = Apply(*result, p).EuclideanDistanceTo(Apply(truth, p));
    sum += d;
    worst = std::max(worst, d);
  }
  error.mean = sum / static_cast<double>(points.size());
  error.max = worst;
  return error;
}

std::vector<itk::Point<double, 3>>
ForegroundVoxelCentres(const LabelImageType * labels)
{
  std::vector<Point>                                     points;
  itk::ImageRegionConstIteratorWithIndex<LabelImageType> it(labels, labels->GetLargestPossibleRegion());
  for (; !it.IsAtEnd(); ++it)
  {
    if (it.Get() != 0)
    {
      Point p;
      labels->TransformIndexToPhysicalPoint(it.GetIndex(), p);
      points.push_back(p);
    }
  }
  return points;
}

std::optional<bool>
CategoryCheck::Correct() const
{
  if (expected.empty())
  {
    return std::nullopt;
  }
  return reported.has_value() && *reported == expected;
}

std::optional<double>
ChangeCheck::DifferencePoints() const
{
  if (!expected || !reported)
  {
    return std::nullopt;
  }
  return *reported - *expected;
}

DetectionScore
CaseEvaluation::TotalDetection() const
{
  DetectionScore total;
  for (const auto & t : timepoints)
  {
    const DetectionScore & d = t.detection;
    total.truthLesions += d.truthLesions;
    total.predictedLesions += d.predictedLesions;
    total.truePositives += d.truePositives;
    total.falseNegatives += d.falseNegatives;
    total.falsePositives += d.falsePositives;
    total.lesions.insert(total.lesions.end(), d.lesions.begin(), d.lesions.end());
  }
  return total;
}

CaseEvaluation
EvaluateCase(const fs::path & truthDirectory, const fs::path & resultDirectory)
{
  const Truth        truth = ReadTruth(truthDirectory);
  const ResultReport report = ReadReport(resultDirectory, truth);

  CaseEvaluation evaluation;
  evaluation.truthDirectory = truthDirectory;
  evaluation.resultDirectory = resultDirectory;
  for (const auto & t : truth.timepoints)
  {
    evaluation.timepoints.push_back(EvaluateTimepoint(t, report.Find(t.label)));
  }
  if (truth.timepoints.size() > 1)
  {
    const auto cordPoints = ForegroundVoxelCentres(LoadLabelImage(truth.timepoints.front().maps.at("cord")));
    for (std::size_t i = 1; i < truth.timepoints.size(); ++i)
    {
      const TruthTimepoint &  t = truth.timepoints[i];
      const ResultTimepoint * r = report.Find(t.label);
      RegistrationEvaluation  registration;
      registration.timepoint = t.label;
      registration.reported = r != nullptr && r->registration.has_value();
      registration.error = ComputeTargetRegistrationError(cordPoints, *t.followupToBaseline,
                                                          r != nullptr ? r->registration : std::nullopt);
      evaluation.registration.push_back(registration);
    }
  }
  for (const auto & expected : truth.expected)
  {
    const ResultTimepoint * r = report.Find(expected.timepoint);
    evaluation.response.push_back(
      { expected.timepoint,
        Check(expected.ranoBm, r ? r->ranoBm : std::nullopt),
        Check(expected.volumetric, r ? r->volumetric : std::nullopt),
        { expected.enhancingVolumePercent, r ? r->enhancingVolumePercent : std::nullopt } });
  }
  return evaluation;
}

json
ToJson(const CaseEvaluation & e)
{
  json j;
  j["format"] = "cordresponse-evaluation";
  j["version"] = 1;
  j["truth"] = e.truthDirectory.string();
  j["result"] = e.resultDirectory.string();
  j["coordinates"] = "ITK physical space: LPS, millimetres";
  json timepoints = json::array();
  for (const auto & t : e.timepoints)
  {
    json structures;
    for (const auto & s : t.structures)
    {
      structures[s.name] = StructureJson(s);
    }
    timepoints.push_back(
      { { "label", t.label }, { "structures", structures }, { "detection", DetectionJson(t.detection, true) } });
  }
  j["timepoints"] = timepoints;
  j["detection_total"] = DetectionJson(e.TotalDetection(), false);
  json registration = json::array();
  for (const auto & r : e.registration)
  {
    registration.push_back({ { "timepoint", r.timepoint },
                             { "reported", r.reported },
                             { "points", r.error.points },
                             { "mean_tre_mm", Optional(r.error.mean) },
                             { "max_tre_mm", Optional(r.error.max) } });
  }
  j["registration"] = registration;
  json response = json::array();
  for (const auto & r : e.response)
  {
    response.push_back({ { "timepoint", r.timepoint },
                         { "rano_bm", CategoryJson(r.ranoBm) },
                         { "volumetric", CategoryJson(r.volumetric) },
                         { "enhancing_volume_pct",
                           { { "expected", Optional(r.enhancingVolumePercent.expected) },
                             { "reported", Optional(r.enhancingVolumePercent.reported) },
                             { "difference_points", Optional(r.enhancingVolumePercent.DifferencePoints()) } } } });
  }
  j["response"] = response;
  j["summary"] = SummaryJson(e);
  return j;
}

std::string
FormatTable(const CaseEvaluation & e)
{
  std::ostringstream os;
  os << "cordresponse evaluation\n  truth:  " << e.truthDirectory.string()
     << "\n  result: " << e.resultDirectory.string() << "\n";
  auto row = [&os](const std::string & a, const std::string & b, const std::string & c, const std::string & d,
                   const std::string & f, const std::string & g, const std::string & h, const std::string & note) {
    os << "  " << std::left << std::setw(14) << a << std::right << std::setw(6) << b << std::setw(10) << c
       << std::setw(12) << d << std::setw(12) << f << std::setw(12) << g << std::setw(9) << h << note << "\n";
  };
  for (const auto & t : e.timepoints)
  {
    os << "\n" << t.label << "\n";
    row("structure", "Dice", "HD95 mm", "truth mm3", "result mm3", "error mm3", "error %", "");
    for (const auto & s : t.structures)
    {
      const OverlapMetrics & m = s.metrics;
      const std::string      note =
        !s.produced ? "  (not produced)" : (s.resampled ? "  (resampled to the truth grid, nearest neighbour)" : "");
      row(s.name, Fixed(m.dice, 3), Fixed(m.hausdorff95, 2), Fixed(m.truthVolume, 1), Fixed(m.resultVolume, 1),
          Fixed(m.VolumeError(), 1), Fixed(m.VolumeErrorPercent(), 1), note);
    }
    os << "  " << std::left << std::setw(14) << "detection" << DetectionText(t.detection) << "\n";
    for (const auto & r : e.registration)
    {
      if (r.timepoint == t.label)
      {
        os << "  " << std::setw(14) << "registration"
           << (r.reported ? "TRE over " + std::to_string(r.error.points) + " baseline cord points: mean " +
                              Fixed(r.error.mean, 2) + " mm, max " + Fixed(r.error.max, 2) + " mm"
                          : std::string("not reported"))
           << "\n";
      }
    }
    for (const auto & r : e.response)
    {
      if (r.timepoint == t.label)
      {
        os << "  " << std::setw(14) << "response" << CategoryText("RANO-BM", r.ranoBm) << "; "
           << CategoryText("volumetric", r.volumetric) << "\n";
        if (const auto d = r.enhancingVolumePercent.DifferencePoints())
        {
          os << "  " << std::setw(14) << "volume change" << Fixed(r.enhancingVolumePercent.reported, 1)
             << "% vs baseline, truth " << Fixed(r.enhancingVolumePercent.expected, 1)
             << "%: " << (*d >= 0.0 ? "+" : "") << Fixed(d, 1) << " percentage points\n";
        }
      }
    }
  }
  const json summary = SummaryJson(e);
  os << "\ntotal\n  " << std::left << std::setw(14) << "detection" << DetectionText(e.TotalDetection()) << "\n";
  const json & registration = summary["registration"];
  os << "  " << std::setw(14) << "registration" << registration["reported"].get<std::size_t>() << " of "
     << registration["followups"].get<std::size_t>() << " follow-ups reported";
  if (!registration["mean_tre_mm"].is_null())
  {
    os << ", mean TRE " << Fixed(registration["mean_tre_mm"].get<double>(), 2) << " mm, max "
       << Fixed(registration["max_tre_mm"].get<double>(), 2) << " mm";
  }
  os << "\n  " << std::setw(14) << "response" << summary["response"]["correct"].get<std::size_t>() << " of "
     << summary["response"]["checked"].get<std::size_t>() << " categories correct\n";
  return os.str();
}

} // namespace cordresponse
