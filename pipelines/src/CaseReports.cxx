// report.json, lesions.csv, label maps and transforms of a finished case.
#include "cordresponse/AtomicFile.h"
#include "cordresponse/CasePipeline.h"
#include "cordresponse/CaseQc.h"
#include "cordresponse/Checksum.h"
#include "cordresponse/Transforms.h"
#include "cordresponse/Version.h"

#include "itkSpinalLevels.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <iomanip>
#include <map>
#include <sstream>

namespace cordresponse {
namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {
constexpr int ReportSchemaVersion = 1;

json
MatrixJson(const Matrix4 & m)
{
  json rows = json::array();
  for (const auto & row : m)
  {
    rows.push_back(json::array({ row[0], row[1], row[2], row[3] }));
  }
  return rows;
}

json
StageSecondsJson(const ExamStageSeconds & stages)
{
  json j = json::object();
  for (const auto & [stage, seconds] : stages.InOrder())
  {
    j[stage] = seconds;
  }
  return j;
}

json
LesionJson(const LesionMeasurement & m, bool target)
{
  json j = { { "id", m.id },
             { "volume_mm3", m.volumeMm3 },
             { "partial_volume_mm3", m.partialVolumeMm3 ? json(*m.partialVolumeMm3) : json(nullptr) },
             { "voxel_count", m.voxelCount },
             { "centroid_lps_mm", { m.centroidLps[0], m.centroidLps[1], m.centroidLps[2] } },
             { "longest_diameter_3d_mm", m.longestDiameter3dMm },
             { "sagittal_longest_diameter_mm", m.sagittalLongestDiameterMm },
             { "sagittal_perpendicular_diameter_mm", m.sagittalPerpendicularMm },
             { "sagittal_slices", m.sagittalSlices },
             { "craniocaudal_extent_mm", m.craniocaudalExtentMm },
             { "levels", m.levels },
             { "mean_enhancement_ratio", m.meanEnhancementRatio },
             { "peak_enhancement_ratio", m.peakEnhancementRatio },
             { "rano_bm_measurable", m.ranoMeasurable },
             { "rano_bm_target", target },
             { "found_on_reexamination", m.foundOnReexamination } };
  return j;
}

double
TotalVolume(const TimepointResult & t)
{
  double v = 0.0;
  for (const auto & m : t.lesionMeasurements)
  {
    v += m.volumeMm3;
  }
  return v;
}

json
ChangesJson(const std::vector<LesionChange> & changes)
{
  json out = json::array();
  for (const auto & c : changes)
  {
    out.push_back({ { "from_ids", c.fromIds },
                    { "to_ids", c.toIds },
                    { "status", c.status },
                    { "from_volume_mm3", c.fromVolumeMm3 },
                    { "to_volume_mm3", c.toVolumeMm3 },
                    { "volume_pct", c.volumePercent } });
  }
  return out;
}

json
ResponseJson(const ResponseAssessment & r)
{
  return { { "rano_bm",
             { { "category", r.ranoBm },
               { "basis", r.ranoBmBasis },
               { "sum_longest_diameter_mm", r.sumLongestDiameterMm },
               { "baseline_sum_mm", r.baselineSumMm },
               { "nadir_sum_mm", r.nadirSumMm },
               { "sum_pct_vs_baseline", r.sumPercentVsBaseline },
               { "sum_pct_vs_nadir", r.sumPercentVsNadir } } },
           { "volumetric",
             { { "category", r.volumetric },
               { "basis", r.volumetricBasis },
               { "enhancing_volume_mm3", r.volumeMm3 },
               { "volume_pct_vs_baseline", r.volumePercentVsBaseline },
               { "volume_pct_vs_nadir", r.volumePercentVsNadir } } },
           { "not_judged", r.notJudged } };
}

/** File name of a label map in the output directory (relative). */
std::string
LabelMapName(const RunOptions & options, const std::string & caseId, const std::string & exam, const std::string & kind)
{
  if (!options.bidsNames)
  {
    return exam + "_" + kind + ".nii.gz";
  }
  const std::map<std::string, std::string> entity = { { "cord", "label-cord_mask" },
                                                      { "lesions", "desc-lesions_dseg" },
                                                      { "edema", "label-edema_mask" },
                                                      { "levels", "desc-levels_dseg" } };
  return exam + "/anat/" + caseId + "_" + exam + "_" + entity.at(kind) + ".nii.gz";
}

/** BIDS derivative sidecar of a label map: what it is derived from and what its values mean. */
std::string
Sidecar(const std::string & kind, const fs::path & source)
{
  const std::map<std::string, std::string> description = {
    { "cord", "Spinal cord mask (1 = cord, foci included)" },
    { "lesions", "Enhancing intramedullary foci: one integer id per focus, 0 = background" },
    { "edema", "T2-hyperintense cord edema (1 = edema, foci included)" },
    { "levels",
      "Cord voxels labelled with their vertebral level (Spinal Cord Toolbox numbering: 1 = C1, 8 = T1, 20 = L1)" }
  };
  json j = { { "Description", description.at(kind) },
             { "Sources", json::array({ "bids:raw:" + source.filename().string() }) },
             { "SpatialReference", "orig" } };
  return j.dump(2) + "\n";
}

/** Names (and colours) of a label map's values: a 3D Slicer colour table ("index name R G B A" lines), or
 *  for BIDS dseg maps the look-up table "index<TAB>name". */
struct LabelEntry
{
  unsigned int index;
  std::string  name;
  int          r, g, b;
};

std::vector<LabelEntry>
LabelEntries(const std::string & kind, const TimepointResult & t)
{
  if (kind == "cord")
  {
    return { { 1, "cord", 80, 200, 255 } };
  }
  if (kind == "edema")
  {
    return { { 1, "edema", 255, 220, 0 } };
  }
  std::vector<LabelEntry> entries;
  if (kind == "lesions")
  {
    static const int palette[][3] = {
      { 230, 25, 75 }, { 245, 130, 48 }, { 240, 50, 230 }, { 145, 30, 180 }, { 128, 0, 0 }
    };
    for (const auto & m : t.lesionMeasurements)
    {
      const auto & c = palette[(m.id - 1) % 5];
      entries.push_back(
        { m.id, "focus_" + std::to_string(m.id) + (m.levels.empty() ? "" : "_" + m.levels), c[0], c[1], c[2] });
    }
    return entries;
  }
  for (unsigned int level = itk::SpinalLevels::FirstCervical; level <= itk::SpinalLevels::Last; ++level)
  {
    entries.push_back({ level, itk::SpinalLevels::Name(level), static_cast<int>(40 + 7 * level),
                        static_cast<int>(250 - 7 * level), 160 });
  }
  return entries;
}

std::string
ColourTable(const std::vector<LabelEntry> & entries)
{
  std::ostringstream os;
  os << "# 3D Slicer colour table written by cordresponse: index name R G B A\n0 background 0 0 0 0\n";
  for (const auto & e : entries)
  {
    os << e.index << ' ' << e.name << ' ' << e.r << ' ' << e.g << ' ' << e.b << " 255\n";
  }
  return os.str();
}

std::string
BidsLookupTable(const std::vector<LabelEntry> & entries)
{
  std::ostringstream os;
  os << "index\tname\n";
  for (const auto & e : entries)
  {
    os << e.index << '\t' << e.name << '\n';
  }
  return os.str();
}

/** A CSV/TSV field, quoted (RFC 4180) when it holds the separator, a quote or a line break. */
std::string
QuotedField(const std::string & s, char separator)
{
  if (s.find_first_of(std::string("\"\n") + separator) == std::string::npos)
  {
    return s;
  }
  std::string out = "\"";
  for (char c : s)
  {
    out += (c == '"') ? std::string("\"\"") : std::string(1, c);
  }
  return out + "\"";
}
} // namespace

std::string
LesionTable(const CaseResult & result, char separator)
{
  const auto & tps = result.timepoints;
  const auto & targets = result.targetLesionIds;
  auto       isTarget = [&](unsigned int id) { return std::find(targets.begin(), targets.end(), id) != targets.end(); };
  const auto Field = [separator](const std::string & text) { return QuotedField(text, separator); };
  std::ostringstream csv;
  csv << std::setprecision(10);
  const char * columns[] = { "case_id",
                             "timepoint",
                             "lesion_id",
                             "volume_mm3",
                             "partial_volume_mm3",
                             "centroid_l_mm",
                             "centroid_p_mm",
                             "centroid_s_mm",
                             "longest_diameter_3d_mm",
                             "sagittal_longest_diameter_mm",
                             "sagittal_perpendicular_diameter_mm",
                             "sagittal_slices",
                             "craniocaudal_extent_mm",
                             "levels",
                             "mean_enhancement_ratio",
                             "peak_enhancement_ratio",
                             "rano_bm_measurable",
                             "rano_bm_target",
                             "found_on_reexamination" };
  for (std::size_t c = 0; c < std::size(columns); ++c)
  {
    csv << (c ? std::string(1, separator) : std::string()) << columns[c];
  }
  csv << '\n';
  for (std::size_t i = 0; i < tps.size(); ++i)
  {
    for (const auto & m : tps[i].lesionMeasurements)
    {
      csv << Field(result.inputs.id) << separator << Field(tps[i].inputs.label) << separator << m.id << separator
          << m.volumeMm3 << separator << (m.partialVolumeMm3 ? std::to_string(*m.partialVolumeMm3) : std::string())
          << separator << m.centroidLps[0] << separator << m.centroidLps[1] << separator << m.centroidLps[2]
          << separator << m.longestDiameter3dMm << separator << m.sagittalLongestDiameterMm << separator
          << m.sagittalPerpendicularMm << separator << m.sagittalSlices << separator << m.craniocaudalExtentMm
          << separator << Field(m.levels) << separator << m.meanEnhancementRatio << separator << m.peakEnhancementRatio
          << separator << (m.ranoMeasurable ? "true" : "false") << separator
          << ((i == 0 && isTarget(m.id)) ? "true" : "false") << separator << (m.foundOnReexamination ? "true" : "false")
          << '\n';
    }
  }
  return csv.str();
}

std::string
LesionColourTable(const CaseResult & result)
{
  std::vector<LabelEntry> entries;
  for (const auto & t : result.timepoints)
  {
    for (const auto & e : LabelEntries("lesions", t))
    {
      const bool named =
        std::any_of(entries.begin(), entries.end(), [&e](const auto & x) { return x.index == e.index; });
      if (!named)
      {
        entries.push_back(e);
      }
    }
  }
  std::sort(entries.begin(), entries.end(), [](const auto & a, const auto & b) { return a.index < b.index; });
  return ColourTable(entries);
}

fs::path
WriteCaseReports(const CaseResult & result, const RunOptions & options)
{
  const fs::path & out = options.outputDirectory;
  const auto &     tps = result.timepoints;
  const auto &     targets = result.targetLesionIds;
  auto isTarget = [&](unsigned int id) { return std::find(targets.begin(), targets.end(), id) != targets.end(); };

  json report;
  report["format"] = "cordresponse-report";
  report["schema_version"] = ReportSchemaVersion;
  report["tool"] = { { "name", "cordresponse" }, { "version", CORDRESPONSE_VERSION_STRING } };
  report["case_id"] = result.inputs.id;
  report["coordinates"] = "ITK physical space: LPS, millimetres; volumes on each exam's own grid";

  json inputs = json::array();
  for (const auto & t : tps)
  {
    const std::pair<const char *, std::optional<fs::path>> files[] = { { "t1post", t.inputs.t1post },
                                                                       { "t1pre", t.inputs.t1pre },
                                                                       { "t2", t.inputs.t2 },
                                                                       { "cord_mask", t.inputs.cordMask },
                                                                       { "vertebral_labels", t.inputs.vertebralLabels },
                                                                       { "transform_to_baseline",
                                                                         t.inputs.transformToBaseline } };
    for (const auto & f : files)
    {
      if (f.second)
      {
        inputs.push_back({ { "timepoint", t.inputs.label },
                           { "role", f.first },
                           { "path", f.second->string() },
                           { "sha256", Sha256OfPath(*f.second) } });
      }
    }
  }
  report["inputs"] = inputs;
  report["parameters"] = { { "registration",
                             { { "histogram_bins", options.registration.histogramBins },
                               { "levels", options.registration.numberOfLevels },
                               { "seed", options.registration.seed },
                               { "affine", options.registration.affine },
                               { "bspline", options.registration.bspline } } },
                           { "matching",
                             { { "centroid_margin_mm", options.matching.centroidMarginMm },
                               { "shrinking_pct", options.matching.shrinkingPercent },
                               { "growing_pct", options.matching.growingPercent },
                               { "minimum_new_volume_mm3", options.matching.minimumNewVolumeMm3 } } },
                           { "response",
                             { { "maximum_targets", options.response.maximumTargets },
                               { "partial_response_pct", options.response.partialResponsePercent },
                               { "progression_pct", options.response.progressionPercent },
                               { "progression_lesion_growth_mm", options.response.progressionLesionGrowthMm },
                               { "volumetric_partial_response_pct", options.response.volumetricPartialResponsePercent },
                               { "volumetric_progression_pct", options.response.volumetricProgressionPercent } } },
                           { "measurability",
                             { { "minimum_longest_diameter_mm", options.measurability.minimumLongestDiameterMm },
                               { "minimum_perpendicular_mm", options.measurability.minimumPerpendicularMm },
                               { "minimum_slices", options.measurability.minimumSlices } } } };
  {
    const auto & b = options.biasCorrection;
    report["parameters"]["bias_correction"] = { { "enabled", b.enabled },
                                                { "working_spacing_mm", b.workingSpacing },
                                                { "fitting_levels", b.fittingLevels },
                                                { "iterations_per_level", b.iterations },
                                                { "control_points", b.controlPoints },
                                                { "convergence_threshold", b.convergenceThreshold },
                                                { "foreground_fraction", b.foregroundFraction },
                                                { "maximum_fitted_voxels", b.maximumFittedVoxels } };
  }

  json timepoints = json::array();
  for (std::size_t i = 0; i < tps.size(); ++i)
  {
    const auto &                                           t = tps[i];
    const std::string                                      label = t.inputs.label;
    json                                                   outputs;
    const std::pair<const char *, LabelImageType::Pointer> maps[] = { { "cord", t.segmentation.cord },
                                                                      { "lesions", t.segmentation.lesions },
                                                                      { "edema", t.segmentation.edema },
                                                                      { "levels", t.segmentation.levels } };
    for (const auto & m : maps)
    {
      if (m.second)
      {
        const std::string name = LabelMapName(options, result.inputs.id, label, m.first);
        SaveLabelImage(m.second, out / name);
        const std::string base = name.substr(0, name.size() - std::string(".nii.gz").size());
        const auto        entries = LabelEntries(m.first, t);
        if (options.bidsNames)
        {
          WriteFileAtomically(out / (base + ".json"), Sidecar(m.first, t.inputs.t1post));
          if (base.size() > 5 && base.compare(base.size() - 5, 5, "_dseg") == 0)
          {
            WriteFileAtomically(out / (base + ".tsv"), BidsLookupTable(entries));
          }
        }
        else
        {
          WriteFileAtomically(out / (base + ".ctbl"), ColourTable(entries));
          outputs[std::string(m.first) + "_colour_table"] = base + ".ctbl";
        }
        outputs[m.first] = name;
      }
    }
    json lesions = json::array();
    for (const auto & m : t.lesionMeasurements)
    {
      lesions.push_back(LesionJson(m, isTarget(m.id) && i == 0));
    }
    json tp = {
      { "label", label },
      { "enhancing",
        { { "total_volume_mm3", TotalVolume(t) },
          { "total_partial_volume_mm3", EnhancingVolumeMm3(t) },
          { "lesion_count", t.lesionMeasurements.size() },
          { "lesions", lesions } } },
      { "edema",
        { { "volume_mm3", t.edemaMeasurement.volumeMm3 },
          { "craniocaudal_extent_mm", t.edemaMeasurement.craniocaudalExtentMm },
          { "segments", t.edemaMeasurement.segments },
          { "levels", t.edemaMeasurement.levels } } },
      { "cord", { { "volume_mm3", t.cordVolumeMm3 }, { "source", t.segmentation.cordSource } } },
      { "levels", { { "source", t.segmentation.levelSource }, { "is_guess", t.segmentation.levelsAreGuess } } },
      { "within_exam_alignment",
        { { "t1pre_residual_mm", t.alignment.t1preResidualMm ? json(*t.alignment.t1preResidualMm) : json(nullptr) },
          { "t1pre_already_aligned", t.alignment.t1preAligned },
          { "t2_residual_mm", t.alignment.t2ResidualMm ? json(*t.alignment.t2ResidualMm) : json(nullptr) },
          { "t2_already_aligned", t.alignment.t2Aligned } } },
      { "outputs", outputs },
      { "stage_seconds", StageSecondsJson(t.stageSeconds) }
    };
    if (i > 0)
    {
      const std::string tfm = label + "_to_baseline.tfm";
      WriteTransformFile(t.toBaseline, out / tfm);
      json registration = { { "transform_file", tfm },
                            { "matrix_lps", MatrixJson(TransformMatrix(t.toBaseline)) },
                            { "maps", "a baseline point (LPS mm) to the same anatomical point in this exam" },
                            { "source", t.registration ? "registered" : "given" } };
      if (t.registration)
      {
        registration["metric"] = t.registration->metricValue;
        registration["rotation_degrees"] = t.registration->rotationDegrees;
        registration["translation_mm"] = t.registration->translationMm;
        registration["start"] = t.registration->startFromLevels ? "vertebral labels" : "multi-start";
      }
      tp["registration_to_baseline"] = registration;
      const auto & base = tps.front();
      tp["change"] = { { "from", tps[i - 1].inputs.label },
                       { "lesions", ChangesJson(t.changesFromPrevious) },
                       { "enhancing_volume_pct_vs_baseline",
                         PercentChange(EnhancingVolumeMm3(base), EnhancingVolumeMm3(t)) },
                       { "edema_volume_pct_vs_baseline",
                         PercentChange(base.edemaMeasurement.volumeMm3, t.edemaMeasurement.volumeMm3) },
                       { "edema_grown_mm3", t.edemaChangeFromBaseline ? t.edemaChangeFromBaseline->grownMm3 : 0.0 },
                       { "edema_shrunk_mm3", t.edemaChangeFromBaseline ? t.edemaChangeFromBaseline->shrunkMm3 : 0.0 } };
      tp["response"] = ResponseJson(result.responses.at(i - 1));
    }
    timepoints.push_back(tp);
  }
  report["rano_bm_target_ids"] = targets;
  report["timepoints"] = timepoints;

  // The two-timepoint view (first follow-up; response of the last follow-up).
  if (tps.size() > 1)
  {
    report["registration"] = { { "followup_to_baseline", timepoints[1]["registration_to_baseline"] } };
    const auto & first = timepoints[1]["change"];
    report["change"] = { { "followup", tps[1].inputs.label },
                         { "enhancing_volume_pct", first["enhancing_volume_pct_vs_baseline"] },
                         { "edema_volume_pct", first["edema_volume_pct_vs_baseline"] },
                         { "edema_grown_mm3", first["edema_grown_mm3"] },
                         { "edema_shrunk_mm3", first["edema_shrunk_mm3"] },
                         { "sum_longest_diameter_pct", result.responses.front().sumPercentVsBaseline },
                         { "lesions", first["lesions"] } };
    report["response"] = timepoints.back()["response"];
    report["response"]["timepoint"] = tps.back().inputs.label;
  }

  WriteFileAtomically(out / "lesions.csv", LesionTable(result, ','));
  report["outputs"] = { { "report_json", "report.json" }, { "lesions_csv", "lesions.csv" } };
  if (options.qcImages)
  {
    const auto images = WriteQcImages(result, out);
    json       qc = json::array();
    for (const auto & image : images)
    {
      qc.push_back({ { "file", image.file }, { "caption", image.caption } });
    }
    WriteHtmlReport(result, images, out);
    report["outputs"]["report_html"] = "report.html";
    report["outputs"]["qc_images"] = qc;
  }
  WriteFileAtomically(out / "report.json", report.dump(2) + "\n");
  return out / "report.json";
}

std::string
SummariseCase(const CaseResult & result, const fs::path & reportPath)
{
  std::ostringstream os;
  os << std::fixed << std::setprecision(1);
  os << "case " << result.inputs.id << ": " << result.timepoints.size() << " exams\n";
  for (const auto & t : result.timepoints)
  {
    os << "  " << std::left << std::setw(12) << t.inputs.label << std::right << " enhancing foci "
       << t.lesionMeasurements.size() << ", " << TotalVolume(t) << " mm^3; edema " << t.edemaMeasurement.volumeMm3
       << " mm^3 (" << (t.edemaMeasurement.levels.empty() ? "levels unknown" : t.edemaMeasurement.levels) << ")\n";
  }
  // Wall time per stage and exam (the exams run concurrently, so these overlap).
  os << std::setprecision(2);
  for (const auto & t : result.timepoints)
  {
    os << "  " << std::left << std::setw(12) << t.inputs.label << std::right << " seconds:";
    for (const auto & [stage, seconds] : t.stageSeconds.InOrder())
    {
      os << " " << stage << " " << seconds;
    }
    os << "\n";
  }
  os << std::setprecision(1);
  for (const auto & r : result.responses)
  {
    os << "  response at " << r.label << ": RANO-BM " << r.ranoBm << " (" << r.ranoBmBasis << "); volumetric "
       << r.volumetric << " (" << r.volumetricBasis << ")\n";
  }
  os << "report: " << reportPath.string() << "\n";
  return os.str();
}

} // namespace cordresponse
