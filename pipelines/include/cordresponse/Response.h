#ifndef cordresponse_Response_h
#define cordresponse_Response_h

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cordresponse {

/** Thresholds of the response criteria (defaults: RANO-BM, Lin et al. Lancet Oncol 2015, and the
 *  volumetric equivalents of its diameter thresholds for a sphere: 0.7^3 -> -65%, 1.2^3 -> +73%). */
struct ResponseCriteria
{
  int    maximumTargets{ 5 };
  double partialResponsePercent{ -30.0 };  // sum of longest diameters vs baseline
  double progressionPercent{ 20.0 };       // sum of longest diameters vs nadir
  double progressionLesionGrowthMm{ 5.0 }; // and at least one target grew this much (vs its nadir)
  double volumetricPartialResponsePercent{ -65.0 };
  double volumetricProgressionPercent{ 73.0 };
};

/** What one assessment contributes: the longest diameter (sagittal, mm) of each baseline target lesion
 *  (0 when it has resolved), the total enhancing volume, whether a new lesion or an unequivocal
 *  progression of non-target disease was seen, whether non-target lesions remain, and the clinical inputs
 *  the tool cannot measure (left empty when not given). */
struct ResponseTimepoint
{
  std::string                    label;
  std::map<unsigned int, double> targetDiameters;
  double                         enhancingVolumeMm3{ 0 };
  bool                           newLesion{ false };
  bool                           nonTargetLesionsPresent{ false };
  bool                           nonTargetProgression{ false };
  std::optional<double>          corticosteroidDoseMg; // dexamethasone-equivalent daily dose
  std::optional<bool>            clinicallyWorse;
};

/** The response at one follow-up, with the numbers behind it. */
struct ResponseAssessment
{
  std::string              label;
  std::string              ranoBm;     // CR, PR, SD or PD
  std::string              volumetric; // CR, PR, SD or PD
  double                   sumLongestDiameterMm{ 0 };
  double                   baselineSumMm{ 0 };
  double                   nadirSumMm{ 0 };
  double                   sumPercentVsBaseline{ 0 };
  double                   sumPercentVsNadir{ 0 };
  double                   volumeMm3{ 0 };
  double                   volumePercentVsBaseline{ 0 };
  double                   volumePercentVsNadir{ 0 };
  std::string              ranoBmBasis; // one sentence: which rule decided
  std::string              volumetricBasis;
  std::vector<std::string> notJudged; // criteria the tool could not evaluate (missing clinical inputs)
};

/** Relative change from `from` to `to` in percent; from 0 it is +100% when something appeared, else 0. */
double
PercentChange(double from, double to);

/** Pick up to `maximumTargets` target lesions: the measurable ones with the longest diameters.
 *  `measurable` maps lesion id -> longest diameter (mm) of the RANO-BM-measurable baseline lesions. */
std::vector<unsigned int>
SelectTargets(const std::map<unsigned int, double> & measurable, const ResponseCriteria & criteria = {});

/** Assess every follow-up (chronological) against the baseline and the nadir (the smallest sum, or
 *  volume, on study before that follow-up, baseline included). */
std::vector<ResponseAssessment>
AssessResponse(const ResponseTimepoint &              baseline,
               const std::vector<ResponseTimepoint> & followups,
               const ResponseCriteria &               criteria = {});

} // namespace cordresponse

#endif
