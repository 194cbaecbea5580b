#include "cordresponse/Response.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace cordresponse {
namespace {
/** Comparisons at the thresholds are inclusive ("at least 30%"): allow for rounding in the percentages. */
constexpr double Tolerance = 1e-9;

double
Sum(const std::map<unsigned int, double> & diameters)
{
  double s = 0.0;
  for (const auto & d : diameters)
  {
    s += d.second;
  }
  return s;
}

std::string
Format(double v)
{
  std::ostringstream os;
  os.precision(1);
  os << std::fixed << v;
  return os.str();
}
} // namespace

double
PercentChange(double from, double to)
{
  if (from <= 0.0)
  {
    return to > 0.0 ? 100.0 : 0.0;
  }
  return 100.0 * (to - from) / from;
}

std::vector<unsigned int>
SelectTargets(const std::map<unsigned int, double> & measurable, const ResponseCriteria & criteria)
{
  std::vector<std::pair<double, unsigned int>> bySize;
  for (const auto & m : measurable)
  {
    bySize.emplace_back(m.second, m.first);
  }
  // Longest first; ties by id for determinism.
  std::sort(bySize.begin(), bySize.end(), [](const auto & a, const auto & b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::vector<unsigned int> targets;
  for (std::size_t i = 0; i < bySize.size() && static_cast<int>(i) < criteria.maximumTargets; ++i)
  {
    targets.push_back(bySize[i].second);
  }
  std::sort(targets.begin(), targets.end());
  return targets;
}

std::vector<ResponseAssessment>
AssessResponse(const ResponseTimepoint &              baseline,
               const std::vector<ResponseTimepoint> & followups,
               const ResponseCriteria &               criteria)
{
  std::vector<ResponseAssessment> out;
  const double                    baseSum = Sum(baseline.targetDiameters);
  const bool                      hasTargets = !baseline.targetDiameters.empty();
  double                          nadirSum = baseSum;
  double                          nadirVolume = baseline.enhancingVolumeMm3;
  std::map<unsigned int, double>  nadirDiameters = baseline.targetDiameters; // at the nadir assessment
  for (const auto & f : followups)
  {
    ResponseAssessment a;
    a.label = f.label;
    a.baselineSumMm = baseSum;
    a.nadirSumMm = nadirSum;
    a.sumLongestDiameterMm = Sum(f.targetDiameters);
    a.sumPercentVsBaseline = PercentChange(baseSum, a.sumLongestDiameterMm);
    a.sumPercentVsNadir = PercentChange(nadirSum, a.sumLongestDiameterMm);
    a.volumeMm3 = f.enhancingVolumeMm3;
    a.volumePercentVsBaseline = PercentChange(baseline.enhancingVolumeMm3, f.enhancingVolumeMm3);
    a.volumePercentVsNadir = PercentChange(nadirVolume, f.enhancingVolumeMm3);

    // Growth of single targets relative to their size at the nadir.
    double largestGrowth = 0.0;
    for (const auto & d : f.targetDiameters)
    {
      const auto n = nadirDiameters.find(d.first);
      largestGrowth = std::max(largestGrowth, d.second - (n == nadirDiameters.end() ? 0.0 : n->second));
    }
    const bool sumProgression = hasTargets && nadirSum > 0.0 &&
                                a.sumPercentVsNadir >= criteria.progressionPercent - Tolerance &&
                                largestGrowth >= criteria.progressionLesionGrowthMm - Tolerance;
    const bool regrowthFromZero =
      hasTargets && nadirSum == 0.0 && largestGrowth >= criteria.progressionLesionGrowthMm - Tolerance;
    const bool allGone = a.sumLongestDiameterMm == 0.0 && !f.nonTargetLesionsPresent && f.enhancingVolumeMm3 == 0.0;

    // RANO-BM. PD needs any one criterion; CR, PR and SD need all of theirs.
    if (f.newLesion)
    {
      a.ranoBm = "PD";
      a.ranoBmBasis = "a new lesion";
    }
    else if (sumProgression || regrowthFromZero)
    {
      a.ranoBm = "PD";
      a.ranoBmBasis = "sum of target diameters " + Format(a.sumPercentVsNadir) + "% vs nadir (>= +" +
                      Format(criteria.progressionPercent) + "%) with a target " + Format(largestGrowth) +
                      " mm larger (>= " + Format(criteria.progressionLesionGrowthMm) + " mm)";
    }
    else if (f.nonTargetProgression)
    {
      a.ranoBm = "PD";
      a.ranoBmBasis = "unequivocal progression of non-target disease";
    }
    else if (f.clinicallyWorse.value_or(false))
    {
      a.ranoBm = "PD";
      a.ranoBmBasis = "clinical deterioration (user input)";
    }
    else if (!hasTargets && !baseline.nonTargetLesionsPresent && baseline.enhancingVolumeMm3 == 0.0)
    {
      a.ranoBm = "NE";
      a.ranoBmBasis = "no enhancing lesion at baseline: response not evaluable (a new lesion would be PD)";
    }
    else if (allGone)
    {
      a.ranoBm = "CR";
      a.ranoBmBasis = "all enhancing lesions resolved, no new lesion";
    }
    else if (hasTargets && a.sumPercentVsBaseline <= criteria.partialResponsePercent + Tolerance)
    {
      a.ranoBm = "PR";
      a.ranoBmBasis = "sum of target diameters " + Format(a.sumPercentVsBaseline) +
                      "% vs baseline (<= " + Format(criteria.partialResponsePercent) + "%), no new lesion";
    }
    else
    {
      a.ranoBm = "SD";
      a.ranoBmBasis = hasTargets ? "sum of target diameters " + Format(a.sumPercentVsBaseline) + "% vs baseline, " +
                                     Format(a.sumPercentVsNadir) + "% vs nadir: neither PR nor PD"
                                 : "no measurable target lesion at baseline: non-CR/non-PD (reported as SD)";
    }
    // Steroids: CR requires none; PR and SD require a stable or lower dose than at baseline.
    if (f.corticosteroidDoseMg)
    {
      const double dose = *f.corticosteroidDoseMg;
      if (a.ranoBm == "CR" && dose > 0.0)
      {
        a.ranoBm = "PR";
        a.ranoBmBasis += "; downgraded from CR: still on corticosteroids";
      }
      if ((a.ranoBm == "PR" || a.ranoBm == "SD") && baseline.corticosteroidDoseMg &&
          dose > *baseline.corticosteroidDoseMg)
      {
        a.ranoBmBasis += "; corticosteroid dose increased (alone not progression; confirm clinically)";
      }
    }
    else
    {
      a.notJudged.push_back(
        "corticosteroid dose (not provided): RANO-BM CR requires none, PR/SD a stable or lower dose");
    }
    if (!f.clinicallyWorse)
    {
      a.notJudged.push_back(
        "clinical status (not provided): RANO-BM requires clinically stable or improved for CR/PR/SD");
    }
    a.notJudged.push_back("confirmation of CR/PR at >= 4 weeks needs a later scan");

    // Volumetric (all enhancing lesions).
    if (f.newLesion)
    {
      a.volumetric = "PD";
      a.volumetricBasis = "a new lesion";
    }
    else if (baseline.enhancingVolumeMm3 == 0.0)
    {
      a.volumetric = "NE";
      a.volumetricBasis = "no enhancing volume at baseline: not evaluable";
    }
    else if (f.enhancingVolumeMm3 == 0.0)
    {
      a.volumetric = "CR";
      a.volumetricBasis = "no enhancing volume left";
    }
    else if (nadirVolume > 0.0 && a.volumePercentVsNadir >= criteria.volumetricProgressionPercent - Tolerance)
    {
      a.volumetric = "PD";
      a.volumetricBasis = "enhancing volume " + Format(a.volumePercentVsNadir) + "% vs nadir (>= +" +
                          Format(criteria.volumetricProgressionPercent) + "%)";
    }
    else if (a.volumePercentVsBaseline <= criteria.volumetricPartialResponsePercent + Tolerance)
    {
      a.volumetric = "PR";
      a.volumetricBasis = "enhancing volume " + Format(a.volumePercentVsBaseline) +
                          "% vs baseline (<= " + Format(criteria.volumetricPartialResponsePercent) + "%)";
    }
    else
    {
      a.volumetric = "SD";
      a.volumetricBasis = "enhancing volume " + Format(a.volumePercentVsBaseline) + "% vs baseline, " +
                          Format(a.volumePercentVsNadir) + "% vs nadir";
    }
    out.push_back(a);

    if (a.sumLongestDiameterMm < nadirSum)
    {
      nadirSum = a.sumLongestDiameterMm;
      nadirDiameters = f.targetDiameters;
    }
    nadirVolume = std::min(nadirVolume, f.enhancingVolumeMm3);
  }
  return out;
}

} // namespace cordresponse
