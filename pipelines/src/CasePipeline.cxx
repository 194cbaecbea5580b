#include "cordresponse/CasePipeline.h"

#include "CaseStages.h"
#include "cordresponse/Errors.h"
#include "cordresponse/SegmentationMetrics.h"
#include "cordresponse/Transforms.h"

#include <tbb/parallel_for.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

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
} // namespace

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
    auto &       current = tps[i];
    const auto & previous = tps[i - 1];
    const auto   previousInBaseline = InBaselineSpace(previous.lesions, baseline, previous);
    const auto   currentInBaseline = InBaselineSpace(current.lesions, baseline, current);
    current.changesFromPrevious = MatchLesionsAcrossTime(previousInBaseline, currentInBaseline, ForMatching(previous),
                                                         ForMatching(current), options.matching);
    current.edemaChangeFromBaseline = CompareRegions(baseline.edema, InBaselineSpace(current.edema, baseline, current));

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
  // Stages report from concurrent tasks: one at a time, so callers need no lock of their own.
  std::mutex progressMutex;
  auto       report = [&](const std::string & stage, double fraction) {
    if (progress)
    {
      const std::lock_guard<std::mutex> lock(progressMutex);
      progress(stage, fraction);
    }
  };
  // Segmentation is the first half of the run, shared equally by the exams.
  std::atomic<std::size_t> examsSegmented{ 0 };
  const double             examShare = 0.5 / static_cast<double>(inputs.timepoints.size());
  CaseResult result;
  result.inputs = inputs;
  result.timepoints.resize(inputs.timepoints.size());

  // Exams are independent until registration: load, segment and measure them concurrently.
  report("segmentation", 0.0);
  tbb::parallel_for(std::size_t(0), inputs.timepoints.size(), [&](std::size_t i) {
    TimepointResult & t = result.timepoints[i];
    t.inputs = inputs.timepoints[i];
    auto       start = Clock::now();
    ExamImages images = LoadExam(t.inputs);
    t.t1post = images.t1post;
    t.stageSeconds["load"] = SecondsSince(start);
    start = Clock::now();
    const ExamSegmentation s = SegmentExam(t.inputs, images, options, t.alignment);
    t.cordSource = s.cordSource;
    t.levelSource = s.levelSource;
    t.levelsAreGuess = s.levelsAreGuess;
    t.cord = s.cord;
    t.lesions = s.lesions;
    t.edema = s.edema;
    t.levels = s.levels;
    t.stageSeconds["segmentation"] = SecondsSince(start);
    start = Clock::now();
    t.lesionMeasurements = MeasureLesions(t.lesions, t.t1post, t.cord, t.levels, options.measurability);
    for (auto & m : t.lesionMeasurements)
    {
      const auto pv = s.partialVolumesMm3.find(m.id);
      if (pv != s.partialVolumesMm3.end())
      {
        m.partialVolumeMm3 = pv->second;
      }
    }
    t.edemaMeasurement = MeasureRegion(t.edema, t.levels);
    t.cordVolumeMm3 = LabelVolume(t.cord);
    t.stageSeconds["measurement"] = SecondsSince(start);
    report("segmentation", examShare * static_cast<double>(++examsSegmented));
  });
  report("registration", 0.5);

  // Each follow-up onto the baseline, concurrently. The metric covers the body foreground with the baseline
  // foci excluded: restricted to a band around the cord, the multi-start can lock onto the wrong vertebra
  // (the spine is periodic; measured 85 mm off on the clinical seed phantom, 0.1 mm with the whole body).
  const TimepointResult & baseline = result.timepoints.front();
  auto                    exclusion = BinaryMask(baseline.lesions);
  tbb::parallel_for(std::size_t(1), result.timepoints.size(), [&](std::size_t i) {
    TimepointResult & t = result.timepoints[i];
    const auto        start = Clock::now();
    if (t.inputs.transformToBaseline)
    {
      t.toBaseline = ReadTransformFile(*t.inputs.transformToBaseline);
    }
    else
    {
      try
      {
        t.registration = RegisterLongitudinal(baseline.t1post, t.t1post, nullptr, options.registration, exclusion);
      }
      catch (const NoOverlapError & e)
      {
        throw InputError(t.inputs.t1post, std::string("does not overlap the baseline ") +
                                            baseline.inputs.t1post.string() + ": " + e.what());
      }
      t.toBaseline = t.registration->transform;
    }
    t.stageSeconds["registration"] = SecondsSince(start);
  });
  report("comparison", 0.8);
  CompareTimepoints(result, options);
  report("done", 1.0);
  return result;
}

} // namespace cordresponse
