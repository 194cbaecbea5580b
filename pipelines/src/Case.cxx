#include "cordresponse/Case.h"

#include "cordresponse/AtomicFile.h"
#include "cordresponse/Errors.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <set>
#include <sstream>

namespace cordresponse {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {
std::optional<fs::path>
OptionalPath(const json & object, const char * key, const fs::path & base, const fs::path & caseFile)
{
  if (!object.contains(key) || object[key].is_null())
  {
    return std::nullopt;
  }
  if (!object[key].is_string() || object[key].get<std::string>().empty())
  {
    throw InputError(caseFile, std::string("'") + key + "' must be a file path");
  }
  const fs::path p = object[key].get<std::string>();
  return p.is_absolute() ? p : base / p;
}

void
RequireFile(const fs::path & path, const std::string & what, const std::string & label)
{
  std::error_code ec;
  if (!fs::exists(path, ec))
  {
    throw InputError(path, what + " of timepoint '" + label + "' does not exist");
  }
}
} // namespace

CaseInputs
LoadCaseFile(const fs::path & caseFile)
{
  std::ifstream in(caseFile);
  if (!in)
  {
    throw InputError(caseFile, "cannot open the case file");
  }
  json doc;
  try
  {
    in >> doc;
  }
  catch (const json::exception & e)
  {
    throw InputError(caseFile, std::string("not valid JSON: ") + e.what());
  }
  if (!doc.is_object() || !doc.contains("timepoints") || !doc["timepoints"].is_array() || doc["timepoints"].empty())
  {
    throw InputError(caseFile, "needs a non-empty 'timepoints' array");
  }
  const fs::path base = fs::absolute(caseFile).parent_path();
  CaseInputs     inputs;
  inputs.id = doc.value("case_id", caseFile.parent_path().filename().string());
  for (const auto & t : doc["timepoints"])
  {
    TimepointInputs tp;
    if (!t.is_object() || !t.contains("label") || !t["label"].is_string())
    {
      throw InputError(caseFile, "every timepoint needs a 'label'");
    }
    tp.label = t["label"].get<std::string>();
    const json images = t.value("images", json::object());
    const auto t1post = OptionalPath(images, "t1post", base, caseFile);
    if (!t1post)
    {
      throw InputError(caseFile, "timepoint '" + tp.label + "' has no images.t1post (T1 post-contrast is required)");
    }
    tp.t1post = *t1post;
    tp.t1pre = OptionalPath(images, "t1pre", base, caseFile);
    tp.t2 = OptionalPath(images, "t2", base, caseFile);
    tp.cordMask = OptionalPath(t, "cord_mask", base, caseFile);
    tp.vertebralLabels = OptionalPath(t, "vertebral_labels", base, caseFile);
    tp.transformToBaseline = OptionalPath(t, "transform_to_baseline", base, caseFile);
    inputs.timepoints.push_back(tp);
  }
  ValidateCaseInputs(inputs);
  return inputs;
}

void
ValidateCaseInputs(const CaseInputs & inputs)
{
  if (inputs.timepoints.empty())
  {
    throw InputError(inputs.id, "the case has no timepoint");
  }
  std::set<std::string> labels;
  for (const auto & t : inputs.timepoints)
  {
    if (!labels.insert(t.label).second)
    {
      throw InputError(t.t1post, "timepoint label '" + t.label + "' is used twice");
    }
    RequireFile(t.t1post, "the T1 post-contrast image", t.label);
    for (const auto & [path, what] :
         { std::pair{ t.t1pre, "the T1 pre-contrast image" }, std::pair{ t.t2, "the T2 image" },
           std::pair{ t.cordMask, "the cord mask" }, std::pair{ t.vertebralLabels, "the vertebral labels" },
           std::pair{ t.transformToBaseline, "the transform to baseline" } })
    {
      if (path)
      {
        RequireFile(*path, what, t.label);
      }
    }
  }
}

} // namespace cordresponse
