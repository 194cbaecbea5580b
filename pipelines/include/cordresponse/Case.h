#ifndef cordresponse_Case_h
#define cordresponse_Case_h

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cordresponse {

/** The input files of one exam (timepoint). Paths are absolute once loaded. */
struct TimepointInputs
{
  std::string                          label;               // "baseline", "followup", "ses-02", ...
  std::filesystem::path                t1post;              // required: T1 post-contrast
  std::optional<std::filesystem::path> t1pre;               // T1 pre-contrast
  std::optional<std::filesystem::path> t2;                  // T2
  std::optional<std::filesystem::path> cordMask;            // user cord mask (e.g. SCT _seg), any grid
  std::optional<std::filesystem::path> vertebralLabels;     // SCT disc labels or a cord mask labelled by level
  std::optional<std::filesystem::path> transformToBaseline; // existing ITK transform: baseline point -> this exam
};

/** A longitudinal case: the first timepoint is the baseline. */
struct CaseInputs
{
  std::string                  id;
  std::vector<TimepointInputs> timepoints;
};

/** Read a case file (JSON):
 *  { "case_id": "...", "timepoints": [ { "label": "baseline",
 *      "images": { "t1post": "...", "t1pre": "...", "t2": "..." },
 *      "cord_mask": "...", "vertebral_labels": "...", "transform_to_baseline": "..." }, ... ] }
 *  Relative paths are relative to the case file. Throws InputError naming the file and the problem
 *  (unreadable JSON, no timepoints, missing t1post, duplicate labels, a listed file that does not exist). */
CaseInputs
LoadCaseFile(const std::filesystem::path & caseFile);

/** Check that a case is complete: at least one timepoint, unique labels, every listed file exists.
 *  Throws InputError naming the offending file. */
void
ValidateCaseInputs(const CaseInputs & inputs);

} // namespace cordresponse

#endif
