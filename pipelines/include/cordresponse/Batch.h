#ifndef cordresponse_Batch_h
#define cordresponse_Batch_h

#include "cordresponse/Case.h"

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace cordresponse {

/** One case of a cohort, or the reason it cannot be assembled (e.g. a missing T1 post-contrast). */
struct CohortCase
{
  std::string id;
  CaseInputs  inputs;
  std::string problem; // non-empty: the case is recorded as failed without running
};

/** Cohort from a manifest CSV with a header row and the columns case_id, timepoint, sequence, path
 *  (sequence: t1post, t1pre, t2, cord_mask, vertebral_labels or transform_to_baseline; relative paths are
 *  relative to the manifest). Exams keep the order in which their timepoint first appears; the first is the
 *  baseline. Throws InputError for an unreadable manifest or a malformed row (naming the line). */
std::vector<CohortCase>
LoadManifest(const std::filesystem::path & manifest);

/** Cohort from a BIDS dataset: sub-<label>/[ses-<label>/]anat/ with the post-contrast T1 as
 *  *_ce-<agent>_T1w.nii[.gz], the pre-contrast T1 as *_T1w.nii[.gz] without a ce- entity, and *_T2w.nii[.gz].
 *  Sessions in name order; the first is the baseline. `participants` (labels without "sub-") restricts the
 *  subjects; empty means all. Throws InputError if the directory is not a BIDS dataset. */
std::vector<CohortCase>
DiscoverBids(const std::filesystem::path & root, const std::vector<std::string> & participants = {});

/** How a batch runs. */
struct BatchOptions
{
  std::filesystem::path outputDirectory;
  unsigned int          jobs{ 1 };             // cases at once
  double                memoryBudgetGb{ 0 };   // 0: no limit; else cases at once <= budget / estimate
  std::string           parametersFingerprint; // settings that change results (part of the resume key)
};

/** Runs one case, writing its outputs into the given (temporary) directory; reports its stage names. */
using CaseRunner = std::function<void(const CaseInputs &,
                                      const std::filesystem::path &                          outputDirectory,
                                      const std::function<void(const std::string & stage)> & stage)>;

/** What happened to one case. */
struct CaseOutcome
{
  std::string id;
  std::string status; // done, skipped (unchanged since a finished run), failed
  std::string error;
  double      seconds{ 0 };
};

/** Progress of a batch (for the terminal bar or log lines). */
struct BatchProgress
{
  std::size_t total{ 0 };
  std::size_t finished{ 0 };
  std::size_t failed{ 0 };
  std::string currentCase;
  std::string currentStage;
  double      elapsedSeconds{ 0 };
  double      estimatedRemainingSeconds{ -1 }; // negative: unknown
};

/** Run every case: at most `jobs` at once (and within the memory budget), each in a hidden temporary
 *  directory renamed to OUTPUT/<case id> only when it finished (so an interrupted or killed run never leaves
 *  a half-written case); a failing case is recorded with its error and the others go on; a case whose
 *  inputs (SHA-256) and parameters match a finished earlier run is skipped. Writes OUTPUT/batch_summary.json
 *  atomically. */
std::vector<CaseOutcome>
RunBatch(const std::vector<CohortCase> &                    cohort,
         const BatchOptions &                               options,
         const CaseRunner &                                 runner,
         const std::function<void(const BatchProgress &)> & progress = {});

/** The resume key of a case: SHA-256 over its inputs' contents, the parameters and the tool version. */
std::string
CaseFingerprint(const CaseInputs & inputs, const std::string & parametersFingerprint);

/** Peak memory estimate of one case (GB) from its images' headers. */
double
EstimateCaseMemoryGb(const CaseInputs & inputs);

} // namespace cordresponse

#endif
