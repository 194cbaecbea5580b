#include "cordresponse/CasePipeline.h"

#include "CaseStages.h"
#include "cordresponse/Errors.h"
#include "cordresponse/LevelCorrespondence.h"
#include "cordresponse/SegmentationMetrics.h"
#include "cordresponse/Text.h"
#include "cordresponse/Transforms.h"
#include "itkSpinalCordGrid.h"

#include <tbb/flow_graph.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <type_traits>
#include <utility>
#include <vector>

namespace cordresponse {
namespace fs = std::filesystem;

namespace {
using Clock = std::chrono::steady_clock;

double
SecondsSince(Clock::time_point start)
{
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::vector<MatchedLesion>
ForMatching(const TimepointResult & t)
{
  std::vector<MatchedLesion> out;
  for (const auto & m : t.lesionMeasurements)
  {
    out.push_back({ m.id, ResponseVolume(m), ToBaselineSpace(t, m.centroidLps), m.sagittalSlices });
  }
  return out;
}

/** The exam's lesion (or other label) map in baseline space. */
LabelImageType::Pointer
InBaselineSpace(const LabelImageType * labels, const TimepointResult & baseline, const TimepointResult & t)
{
  if (&t == &baseline)
  {
    return const_cast<LabelImageType *>(labels);
  }
  return ResampleLabelsToReference(labels, baseline.t1post, t.toBaseline);
}

/** Where the later exam shows an equivocal-new focus (`changes`; `laterInBaseline`: its lesion map in
 *  baseline space), re-examine `earlier` inside that focus (mapped onto earlier's grid, grown by one voxel)
 *  with the seed threshold relaxed to the growing one (ReexamineFoci). A focus found there is added to
 *  `earlier` under a new id, measured natively and flagged, so both exams measure the same lesion (on 3 mm
 *  slices a focus of a few mm^3 can fill no voxel at one exam and seed at the next). Returns whether a focus
 *  was added. */
bool
ReexamineEarlierExam(TimepointResult &                 earlier,
                     const TimepointResult &           baseline,
                     const LabelImageType *            laterInBaseline,
                     const std::vector<LesionChange> & changes,
                     const RunOptions &                options)
{
  std::set<unsigned int> ids;
  for (const auto & change : changes)
  {
    if (change.status == "equivocal-new")
    {
      ids.insert(change.toIds.begin(), change.toIds.end());
    }
  }
  SegmentationResult & s = earlier.segmentation;
  if (ids.empty() || !earlier.t1post || !s.cord || !s.lesions)
  {
    return false;
  }
  auto mask = LabelImageType::New();
  mask->CopyInformation(laterInBaseline);
  mask->SetRegions(laterInBaseline->GetLargestPossibleRegion());
  mask->Allocate();
  const std::size_t count = mask->GetPixelContainer()->Size();
  for (std::size_t k = 0; k < count; ++k)
  {
    mask->GetBufferPointer()[k] = ids.count(laterInBaseline->GetBufferPointer()[k]) ? 1 : 0;
  }
  LabelImageType::Pointer region = mask;
  if (&earlier != &baseline)
  {
    // earlier.toBaseline maps a baseline point to earlier's point; earlier's grid needs the inverse.
    TransformType::Pointer inverse;
    if (earlier.toBaseline)
    {
      inverse = earlier.toBaseline->GetInverseTransform();
    }
    region = ResampleLabelsToReference(mask, earlier.t1post, inverse);
  }
  {
    const itk::SpinalCordGrid grid(region);
    const auto                grown =
      grid.Dilate(itk::SpinalCordGrid::NonZero(region.GetPointer()), std::array<long, 3>{ { 1, 1, 1 } });
    std::copy(grown.begin(), grown.end(), region->GetBufferPointer());
  }
  const ReexaminedFoci found =
    ReexamineFoci(earlier.t1post, earlier.t1preAligned, s.cord, region, options.segmentation);
  unsigned int nextId = 0;
  for (const auto & m : earlier.lesionMeasurements)
  {
    nextId = std::max(nextId, m.id);
  }
  std::map<unsigned int, const LesionStatistics *> added; // new id -> statistics
  LabelImageType::PixelType *                      lesions = s.lesions->GetBufferPointer();
  const LabelImageType::PixelType *                candidates = found.lesions->GetBufferPointer();
  for (const auto & f : found.statistics)
  {
    const unsigned int id = ++nextId;
    bool               any = false;
    for (std::size_t k = 0; k < s.lesions->GetPixelContainer()->Size(); ++k)
    {
      if (candidates[k] == f.id && lesions[k] == 0)
      {
        lesions[k] = static_cast<LabelImageType::PixelType>(id);
        any = true;
      }
    }
    if (any)
    {
      added[id] = &f;
    }
  }
  if (added.empty())
  {
    return false;
  }
  for (auto m : MeasureLesions(s.lesions, earlier.t1post, s.cord, s.levels, options.measurability))
  {
    const auto a = added.find(m.id);
    if (a == added.end())
    {
      continue;
    }
    m.partialVolumeMm3 = a->second->partialVolume;
    m.foundOnReexamination = true;
    earlier.lesionMeasurements.push_back(m);
    LesionStatistics statistics = *a->second;
    statistics.id = m.id;
    statistics.levels = m.levels;
    s.lesionStatistics.push_back(statistics);
  }
  return true;
}
} // namespace

std::vector<std::pair<std::string, double>>
ExamStageSeconds::InOrder() const
{
  std::vector<std::pair<std::string, double>> stages;
  for (const auto & [name, seconds] :
       { std::pair{ "load", load }, std::pair{ "bias_correction", biasCorrection },
         std::pair{ "segmentation", segmentation }, std::pair{ "registration", registration },
         std::pair{ "measurement", measurement } })
  {
    if (seconds)
    {
      stages.emplace_back(name, *seconds);
    }
  }
  return stages;
}

double
EnhancingVolumeMm3(const TimepointResult & t)
{
  double v = 0.0;
  for (const auto & m : t.lesionMeasurements)
  {
    v += ResponseVolume(m);
  }
  return v;
}

std::array<double, 3>
ToBaselineSpace(const TimepointResult & t, const std::array<double, 3> & point)
{
  // toBaseline maps a baseline point to this exam's point; its inverse brings this exam's points back.
  if (!t.toBaseline)
  {
    return point;
  }
  const TransformType::InverseTransformBasePointer inverse = t.toBaseline->GetInverseTransform();
  if (!inverse)
  {
    return point;
  }
  itk::Point<double, 3> p;
  for (unsigned int d = 0; d < 3; ++d)
  {
    p[d] = point[d];
  }
  const auto q = inverse->TransformPoint(p);
  return { q[0], q[1], q[2] };
}

void
CompareTimepoints(CaseResult & result, const RunOptions & options)
{
  auto &       tps = result.timepoints;
  const auto & baseline = tps.front();
  // Each exam against the previous one; an equivocal-new focus sends the previous exam to re-examination
  // (and, when a focus is added there, the exams before it in turn).
  auto lesionsInBaseline = [&](std::size_t j) {
    return InBaselineSpace(tps[j].segmentation.lesions, baseline, tps[j]);
  };
  auto match = [&](std::size_t j, const LabelImageType * laterInBaseline) {
    tps[j].changesFromPrevious = MatchLesionsAcrossTime(lesionsInBaseline(j - 1), laterInBaseline,
                                                        ForMatching(tps[j - 1]), ForMatching(tps[j]), options.matching);
  };
  for (std::size_t i = 1; i < tps.size(); ++i)
  {
    auto later = lesionsInBaseline(i);
    match(i, later);
    for (std::size_t j = i;
         j >= 1 && ReexamineEarlierExam(tps[j - 1], baseline, later, tps[j].changesFromPrevious, options); --j)
    {
      match(j, later); // exam j - 1 gained a focus
      if (j >= 2)
      {
        later = lesionsInBaseline(j - 1);
        match(j - 1, later);
      }
    }
  }
  // Targets: the longest RANO-BM-measurable baseline lesions.
  std::map<unsigned int, double> measurable;
  for (const auto & m : baseline.lesionMeasurements)
  {
    if (m.ranoMeasurable)
    {
      measurable[m.id] = m.sagittalLongestDiameterMm;
    }
  }
  result.targetLesionIds = SelectTargets(measurable, options.response);

  auto responsePoint = [&](const TimepointResult & t) {
    ResponseTimepoint r;
    r.label = t.inputs.label;
    r.enhancingVolumeMm3 = EnhancingVolumeMm3(t);
    return r;
  };
  ResponseTimepoint                              baselinePoint = responsePoint(baseline);
  std::map<unsigned int, std::set<unsigned int>> lineage; // baseline id -> ids at the current exam
  for (const auto & m : baseline.lesionMeasurements)
  {
    lineage[m.id] = { m.id };
    if (std::count(result.targetLesionIds.begin(), result.targetLesionIds.end(), m.id))
    {
      baselinePoint.targetDiameters[m.id] = m.sagittalLongestDiameterMm;
    }
    else
    {
      baselinePoint.nonTargetLesionsPresent = true;
    }
  }
  std::vector<ResponseTimepoint> followupPoints;
  bool                           newSeen = false;
  for (std::size_t i = 1; i < tps.size(); ++i)
  {
    auto & current = tps[i];
    current.edemaChangeFromBaseline =
      CompareRegions(baseline.segmentation.edema, InBaselineSpace(current.segmentation.edema, baseline, current));

    // Follow each baseline lesion through the matches.
    for (auto & entry : lineage)
    {
      std::set<unsigned int> next;
      for (const auto & change : current.changesFromPrevious)
      {
        for (unsigned int from : change.fromIds)
        {
          if (entry.second.count(from))
          {
            next.insert(change.toIds.begin(), change.toIds.end());
          }
        }
      }
      entry.second = next;
    }
    ResponseTimepoint              point = responsePoint(current);
    std::map<unsigned int, double> diameterOf;
    for (const auto & m : current.lesionMeasurements)
    {
      diameterOf[m.id] = m.sagittalLongestDiameterMm;
    }
    std::set<unsigned int> counted; // a lesion two targets merged into counts once (RECIST convention)
    std::set<unsigned int> descendantsOfTargets;
    for (unsigned int target : result.targetLesionIds)
    {
      double sum = 0.0;
      for (unsigned int id : lineage[target])
      {
        descendantsOfTargets.insert(id);
        if (counted.insert(id).second)
        {
          sum += diameterOf[id];
        }
      }
      point.targetDiameters[target] = sum;
    }
    for (const auto & m : current.lesionMeasurements)
    {
      point.nonTargetLesionsPresent = point.nonTargetLesionsPresent || !descendantsOfTargets.count(m.id);
    }
    for (const auto & change : current.changesFromPrevious)
    {
      newSeen = newSeen || change.status == "new";
    }
    point.newLesion = newSeen;
    followupPoints.push_back(point);
  }
  result.responses = AssessResponse(baselinePoint, followupPoints, options.response);
}

CaseResult
RunCase(const CaseInputs & inputs, const RunOptions & options, const ProgressCallback & progress)
{
  ValidateCaseInputs(inputs);
  const std::size_t exams = inputs.timepoints.size();
  // Stages report from concurrent tasks: one at a time and never backwards, so callers need no lock.
  std::mutex progressMutex;
  double     reported = 0.0;
  auto       report = [&](const std::string & stage, double fraction) {
    const std::lock_guard<std::mutex> lock(progressMutex);
    reported = std::max(reported, fraction);
    if (progress)
    {
      progress(stage, reported);
    }
  };
  // Segmentation is the first half of the run and registration the next 30%, shared equally.
  std::atomic<std::size_t> examsSegmented{ 0 }, followupsRegistered{ 0 };
  CaseResult               result;
  result.inputs = inputs;
  result.timepoints.resize(exams);
  std::vector<ExamImages>                            images(exams);
  std::vector<std::map<unsigned int, LabelCentroid>> levelLabels(exams); // vertebral labels, when given
  for (std::size_t i = 0; i < exams; ++i)
  {
    result.timepoints[i].inputs = inputs.timepoints[i];
  }

  // The case as a oneTBB flow graph. Each exam runs load -> bias correction -> segmentation (within-exam
  // registration, cord, foci, edema, levels) -> measurement, concurrently with the other exams; a
  // follow-up's registration onto the baseline starts as soon as the baseline is segmented (its cord
  // is the metric region, its foci are excluded) and the follow-up is preprocessed, overlapping the
  // follow-up's own segmentation; the comparison (matching, response) waits for everything. An exception
  // in any node cancels the graph and comes out of wait_for_all().
  using Message = tbb::flow::continue_msg;
  using Node = tbb::flow::continue_node<Message>;
  tbb::flow::graph                   graph;
  std::vector<std::unique_ptr<Node>> load, preprocess, segment, measure, registration;
  Node                               compare(graph, [&](const Message &) {
    report("comparison", 0.8);
    CompareTimepoints(result, options);
  });
  for (std::size_t i = 0; i < exams; ++i)
  {
    TimepointResult & t = result.timepoints[i];
    load.push_back(std::make_unique<Node>(graph, [&, i](const Message &) {
      const auto start = Clock::now();
      images[i] = LoadExam(t.inputs);
      if (exams > 1) // only the registration onto the baseline uses them
      {
        levelLabels[i] = LabelCentroids(images[i].vertebralLabels);
      }
      t.stageSeconds.load = SecondsSince(start);
    }));
    preprocess.push_back(std::make_unique<Node>(graph, [&, i](const Message &) {
      if (options.biasCorrection.enabled)
      {
        const auto start = Clock::now();
        CorrectExamBias(t.inputs, images[i], options.biasCorrection);
        t.stageSeconds.biasCorrection = SecondsSince(start);
      }
      t.t1post = images[i].t1post;
    }));
    segment.push_back(std::make_unique<Node>(graph, [&, i](const Message &) {
      const auto start = Clock::now();
      SegmentExam(images[i], options, t);
      t.stageSeconds.segmentation = SecondsSince(start);
    }));
    measure.push_back(std::make_unique<Node>(graph, [&, i](const Message &) {
      const auto                 start = Clock::now();
      const SegmentationResult & s = t.segmentation;
      t.lesionMeasurements = MeasureLesions(s.lesions, t.t1post, s.cord, s.levels, options.measurability);
      for (auto & m : t.lesionMeasurements)
      {
        const auto statistics = std::find_if(s.lesionStatistics.begin(), s.lesionStatistics.end(),
                                             [&m](const LesionStatistics & l) { return l.id == m.id; });
        if (statistics != s.lesionStatistics.end())
        {
          m.partialVolumeMm3 = statistics->partialVolume;
        }
      }
      t.edemaMeasurement = MeasureRegion(s.edema, s.levels);
      t.cordVolumeMm3 = LabelVolume(s.cord);
      t.stageSeconds.measurement = SecondsSince(start);
      images[i] = ExamImages{}; // the segmented exam's other sequences are no longer needed, nor its T2-grid maps
      t.segmentation.cordT2 = nullptr;
      t.segmentation.edemaT2 = nullptr;
      report("segmentation", 0.5 * static_cast<double>(++examsSegmented) / static_cast<double>(exams));
    }));
    tbb::flow::make_edge(*load[i], *preprocess[i]);
    tbb::flow::make_edge(*preprocess[i], *segment[i]);
    tbb::flow::make_edge(*segment[i], *measure[i]);
    tbb::flow::make_edge(*measure[i], compare);
  }

  // Each follow-up onto the baseline, with the baseline foci excluded. The baseline cord (dilated by 20 mm
  // into the spine region) is the metric region of the finer levels; the initialisation and the coarsest
  // level use the body foreground, which tells the vertebral levels apart (see docs/benchmarks.md: on the
  // phantoms 0.03-0.17 mm through this pipeline, against 0.1-0.4 mm with the body alone). Without a cord
  // segmentation, the body foreground throughout. The baseline's masks are made once, for all follow-ups.
  LabelImageType::Pointer baselineFoci;
  const LabelImageType *  baselineCord = nullptr;
  Node                    baselineRegion(graph, [&](const Message &) {
    const TimepointResult & baseline = result.timepoints.front();
    const auto &            cord = baseline.segmentation.cord;
    baselineFoci = BinaryMask(baseline.segmentation.lesions);
    baselineCord = cord && LabelVolume(cord) > 0.0 ? cord.GetPointer() : nullptr;
  });
  if (exams > 1)
  {
    tbb::flow::make_edge(*segment.front(), baselineRegion);
  }
  for (std::size_t i = 1; i < exams; ++i)
  {
    registration.push_back(std::make_unique<Node>(graph, [&, i](const Message &) {
      const TimepointResult & baseline = result.timepoints.front();
      TimepointResult &       t = result.timepoints[i];
      const auto              start = Clock::now();
      if (t.inputs.transformToBaseline)
      {
        t.toBaseline = ReadTransformFile(*t.inputs.transformToBaseline);
      }
      else
      {
        try
        {
          // With vertebral labels in both exams, they fix the level of the start.
          t.registration =
            RegisterLongitudinal(baseline.t1post, t.t1post, baselineCord, options.registration, baselineFoci,
                                 LevelCorrespondenceTranslation(levelLabels[0], levelLabels[i]));
        }
        catch (const NoOverlapError & e)
        {
          throw InputError(t.inputs.t1post, std::string("does not overlap the baseline ") +
                                              baseline.inputs.t1post.string() + ": " + e.what());
        }
        t.toBaseline = t.registration->transform;
      }
      t.stageSeconds.registration = SecondsSince(start);
      report("registration", 0.5 + 0.3 * static_cast<double>(++followupsRegistered) / static_cast<double>(exams - 1));
    }));
    tbb::flow::make_edge(baselineRegion, *registration.back());
    tbb::flow::make_edge(*preprocess[i], *registration.back());
    tbb::flow::make_edge(*registration.back(), compare);
  }

  report("segmentation", 0.0);
  for (auto & node : load)
  {
    node->try_put(Message());
  }
  graph.wait_for_all();
  report("done", 1.0);
  return result;
}

namespace {
/** `group.name = value` lines; doubles in their shortest round-trip form, vectors comma-separated. */
class SettingsWriter
{
public:
  explicit SettingsWriter(std::string group)
    : m_Group(std::move(group))
  {}
  template <typename T>
  void
  Add(const char * name, const T & value)
  {
    m_Text << m_Group << '.' << name << " = " << Format(value) << '\n';
  }
  std::string
  Text() const
  {
    return m_Text.str();
  }

private:
  static std::string
  Format(double v)
  {
    return ShortestText(v);
  }
  static std::string
  Format(bool v)
  {
    return v ? "true" : "false";
  }
  static std::string
  Format(const std::string & v)
  {
    return v;
  }
  template <typename T>
  static std::enable_if_t<std::is_integral_v<T>, std::string>
  Format(T v)
  {
    return std::to_string(v);
  }
  template <typename T>
  static std::string
  Format(const std::vector<T> & values)
  {
    std::string out;
    for (const auto & v : values)
    {
      out += (out.empty() ? "" : ",") + Format(v);
    }
    return out;
  }

  std::string        m_Group;
  std::ostringstream m_Text;
};
} // namespace

std::string
ResultSettingsText(const RunOptions & options)
{
  std::string    text;
  SettingsWriter segmentation("segmentation");
  for (const auto & f : SegmentationParameterFields())
  {
    segmentation.Add(f.name.c_str(), f.Text(options.segmentation));
  }
  text += segmentation.Text();
#define CORDRESPONSE_SETTING(writer, object, name) writer.Add(#name, object.name)
  const auto &   b = options.biasCorrection;
  SettingsWriter bias("bias_correction");
  CORDRESPONSE_SETTING(bias, b, enabled), CORDRESPONSE_SETTING(bias, b, workingSpacing);
  CORDRESPONSE_SETTING(bias, b, fittingLevels), CORDRESPONSE_SETTING(bias, b, iterations);
  CORDRESPONSE_SETTING(bias, b, controlPoints), CORDRESPONSE_SETTING(bias, b, convergenceThreshold);
  CORDRESPONSE_SETTING(bias, b, foregroundFraction), CORDRESPONSE_SETTING(bias, b, maximumFittedVoxels);
  const auto &   r = options.registration;
  SettingsWriter registration("registration");
  CORDRESPONSE_SETTING(registration, r, histogramBins), CORDRESPONSE_SETTING(registration, r, numberOfLevels);
  CORDRESPONSE_SETTING(registration, r, smoothingFraction), CORDRESPONSE_SETTING(registration, r, samplesPerLevel);
  CORDRESPONSE_SETTING(registration, r, seed), CORDRESPONSE_SETTING(registration, r, iterationsPerLevel);
  CORDRESPONSE_SETTING(registration, r, initialStepPerLevel);
  CORDRESPONSE_SETTING(registration, r, minimumStepPerLevel), CORDRESPONSE_SETTING(registration, r, relaxationFactor);
  CORDRESPONSE_SETTING(registration, r, growthFactor), CORDRESPONSE_SETTING(registration, r, travelWindow);
  CORDRESPONSE_SETTING(registration, r, travellingSteps), CORDRESPONSE_SETTING(registration, r, maximumIterationFactor);
  CORDRESPONSE_SETTING(registration, r, multiStart);
  CORDRESPONSE_SETTING(registration, r, startRotationsDegrees), CORDRESPONSE_SETTING(registration, r, startOffsetsMm);
  CORDRESPONSE_SETTING(registration, r, scannerStart), CORDRESPONSE_SETTING(registration, r, searchRadiusMm);
  CORDRESPONSE_SETTING(registration, r, searchStepMm), CORDRESPONSE_SETTING(registration, r, searchExtentFraction);
  CORDRESPONSE_SETTING(registration, r, searchSamples), CORDRESPONSE_SETTING(registration, r, searchKeep);
  CORDRESPONSE_SETTING(registration, r, refinedStarts), CORDRESPONSE_SETTING(registration, r, maskDilationMm);
  CORDRESPONSE_SETTING(registration, r, wideRegionLevels), CORDRESPONSE_SETTING(registration, r, autoMaskDilationMm);
  CORDRESPONSE_SETTING(registration, r, maskWorkingSpacingMm), CORDRESPONSE_SETTING(registration, r, affine);
  CORDRESPONSE_SETTING(registration, r, bspline), CORDRESPONSE_SETTING(registration, r, bsplineMeshSpacingMm);
  CORDRESPONSE_SETTING(registration, r, bsplineIterations), CORDRESPONSE_SETTING(registration, r, alreadyAlignedMm);
  CORDRESPONSE_SETTING(registration, r, alreadyAlignedDegrees);
  const auto &   m = options.matching;
  SettingsWriter matching("matching");
  CORDRESPONSE_SETTING(matching, m, centroidMarginMm), CORDRESPONSE_SETTING(matching, m, shrinkingPercent);
  CORDRESPONSE_SETTING(matching, m, growingPercent), CORDRESPONSE_SETTING(matching, m, minimumNewVolumeMm3);
  CORDRESPONSE_SETTING(matching, m, minimumNewSlices);
  const auto &   c = options.response;
  SettingsWriter response("response");
  CORDRESPONSE_SETTING(response, c, maximumTargets), CORDRESPONSE_SETTING(response, c, partialResponsePercent);
  CORDRESPONSE_SETTING(response, c, progressionPercent), CORDRESPONSE_SETTING(response, c, progressionLesionGrowthMm);
  CORDRESPONSE_SETTING(response, c, volumetricPartialResponsePercent);
  CORDRESPONSE_SETTING(response, c, volumetricProgressionPercent);
  const auto &   q = options.measurability;
  SettingsWriter measurability("measurability");
  CORDRESPONSE_SETTING(measurability, q, minimumLongestDiameterMm);
  CORDRESPONSE_SETTING(measurability, q, minimumPerpendicularMm), CORDRESPONSE_SETTING(measurability, q, minimumSlices);
#undef CORDRESPONSE_SETTING
  return text + bias.Text() + registration.Text() + matching.Text() + response.Text() + measurability.Text();
}

} // namespace cordresponse
