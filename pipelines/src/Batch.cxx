#include "cordresponse/Batch.h"

#include "cordresponse/AtomicFile.h"
#include "cordresponse/Checksum.h"
#include "cordresponse/Errors.h"
#include "cordresponse/ImageIO.h"
#include "cordresponse/Version.h"

#include "itkImageIOFactory.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace cordresponse {
namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {
constexpr const char * DoneMarker = ".cordresponse-done.json";
/** Peak bytes per voxel of the T1 post grid during a case (images, label maps, registration pyramids). */
constexpr double BytesPerVoxel = 60.0;

std::vector<std::string>
SplitCsvLine(const std::string & line)
{
  std::vector<std::string> fields;
  std::string              field;
  bool                     quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i)
  {
    const char c = line[i];
    if (quoted)
    {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"')
      {
        field += '"', ++i;
      }
      else if (c == '"')
      {
        quoted = false;
      }
      else
      {
        field += c;
      }
    }
    else if (c == '"')
    {
      quoted = true;
    }
    else if (c == ',')
    {
      fields.push_back(field), field.clear();
    }
    else if (c != '\r')
    {
      field += c;
    }
  }
  fields.push_back(field);
  for (auto & f : fields)
  {
    const auto b = f.find_first_not_of(" \t");
    const auto e = f.find_last_not_of(" \t");
    f = b == std::string::npos ? std::string() : f.substr(b, e - b + 1);
  }
  return fields;
}

/** Assign a file to its role in an exam. Returns false for an unknown role. */
bool
Assign(TimepointInputs & t, const std::string & role, const fs::path & path)
{
  if (role == "t1post")
    t.t1post = path;
  else if (role == "t1pre")
    t.t1pre = path;
  else if (role == "t2")
    t.t2 = path;
  else if (role == "cord_mask")
    t.cordMask = path;
  else if (role == "vertebral_labels")
    t.vertebralLabels = path;
  else if (role == "transform_to_baseline")
    t.transformToBaseline = path;
  else
    return false;
  return true;
}

/** Why a case cannot run (missing T1 post, missing file), or "" if it can. */
std::string
ProblemOf(const CaseInputs & c)
{
  for (const auto & t : c.timepoints)
  {
    if (t.t1post.empty())
    {
      return "timepoint '" + t.label + "' has no T1 post-contrast image";
    }
  }
  try
  {
    ValidateCaseInputs(c);
  }
  catch (const InputError & e)
  {
    return e.what();
  }
  return {};
}

std::string
Slug(const std::string & s)
{
  std::string out;
  for (char c : s)
  {
    out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') ? c : '_';
  }
  return out.empty() ? "case" : out;
}

std::string
ReadFileText(const fs::path & p)
{
  std::ifstream      in(p, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}
} // namespace

std::vector<CohortCase>
LoadManifest(const fs::path & manifest)
{
  std::ifstream in(manifest);
  if (!in)
  {
    throw InputError(manifest, "cannot open the manifest");
  }
  std::string line;
  if (!std::getline(in, line))
  {
    throw InputError(manifest, "is empty: expected a header row case_id,timepoint,sequence,path");
  }
  const auto                 header = SplitCsvLine(line);
  std::map<std::string, int> column;
  for (std::size_t i = 0; i < header.size(); ++i)
  {
    column[header[i]] = static_cast<int>(i);
  }
  for (const char * required : { "case_id", "timepoint", "sequence", "path" })
  {
    if (!column.count(required))
    {
      throw InputError(manifest, std::string("the header has no '") + required + "' column");
    }
  }
  const fs::path                    base = fs::absolute(manifest).parent_path();
  std::vector<std::string>          caseOrder;
  std::map<std::string, CaseInputs> cases;
  int                               lineNumber = 1;
  while (std::getline(in, line))
  {
    ++lineNumber;
    if (line.find_first_not_of(" \t\r") == std::string::npos)
    {
      continue;
    }
    const auto fields = SplitCsvLine(line);
    auto       get = [&](const char * name) {
      const auto i = static_cast<std::size_t>(column[name]);
      return i < fields.size() ? fields[i] : std::string();
    };
    const std::string id = get("case_id"), label = get("timepoint"), role = get("sequence"), path = get("path");
    if (id.empty() || label.empty() || role.empty() || path.empty())
    {
      throw InputError(manifest,
                       "line " + std::to_string(lineNumber) + " has an empty case_id, timepoint, sequence or path");
    }
    if (!cases.count(id))
    {
      caseOrder.push_back(id);
      cases[id].id = id;
    }
    auto & c = cases[id];
    auto   t = std::find_if(c.timepoints.begin(), c.timepoints.end(), [&](const auto & x) { return x.label == label; });
    if (t == c.timepoints.end())
    {
      c.timepoints.push_back({});
      t = c.timepoints.end() - 1;
      t->label = label;
    }
    const fs::path p = fs::path(path).is_absolute() ? fs::path(path) : base / path;
    if (!Assign(*t, role, p))
    {
      throw InputError(manifest, "line " + std::to_string(lineNumber) + ": unknown sequence '" + role +
                                   "' (use t1post, t1pre, t2, cord_mask, vertebral_labels, transform_to_baseline)");
    }
  }
  std::vector<CohortCase> cohort;
  for (const auto & id : caseOrder)
  {
    cohort.push_back({ id, cases[id], ProblemOf(cases[id]) });
  }
  return cohort;
}

std::vector<CohortCase>
DiscoverBids(const fs::path & root, const std::vector<std::string> & participants)
{
  std::error_code ec;
  if (!fs::is_directory(root, ec))
  {
    throw InputError(root, "is not a directory (expected a BIDS dataset)");
  }
  std::vector<fs::path> subjects;
  for (const auto & e : fs::directory_iterator(root))
  {
    const std::string name = e.path().filename().string();
    if (e.is_directory() && name.rfind("sub-", 0) == 0)
    {
      const std::string label = name.substr(4);
      if (participants.empty() || std::find(participants.begin(), participants.end(), label) != participants.end())
      {
        subjects.push_back(e.path());
      }
    }
  }
  if (subjects.empty())
  {
    throw InputError(root, participants.empty() ? "holds no sub-* directory: not a BIDS dataset"
                                                : "holds none of the requested participants");
  }
  std::sort(subjects.begin(), subjects.end());
  std::vector<CohortCase> cohort;
  for (const auto & subject : subjects)
  {
    std::vector<fs::path> sessions;
    for (const auto & e : fs::directory_iterator(subject))
    {
      if (e.is_directory() && e.path().filename().string().rfind("ses-", 0) == 0)
      {
        sessions.push_back(e.path());
      }
    }
    std::sort(sessions.begin(), sessions.end());
    if (sessions.empty())
    {
      sessions.push_back(subject); // no session level: a single exam
    }
    CaseInputs c;
    c.id = subject.filename().string();
    for (const auto & session : sessions)
    {
      TimepointInputs t;
      t.label = session == subject ? "baseline" : session.filename().string();
      std::vector<fs::path> files;
      if (fs::is_directory(session / "anat"))
      {
        for (const auto & e : fs::directory_iterator(session / "anat"))
        {
          files.push_back(e.path());
        }
      }
      std::sort(files.begin(), files.end());
      for (const auto & f : files)
      {
        const std::string name = f.filename().string();
        const bool        nifti =
          name.size() > 7 && (name.rfind(".nii.gz") == name.size() - 7 || name.rfind(".nii") == name.size() - 4);
        if (!nifti)
        {
          continue;
        }
        const bool contrast = name.find("_ce-") != std::string::npos;
        if (name.find("_T1w.nii") != std::string::npos)
        {
          if (contrast && t.t1post.empty())
            t.t1post = f;
          else if (!contrast && !t.t1pre)
            t.t1pre = f;
        }
        else if (name.find("_T2w.nii") != std::string::npos && !t.t2)
        {
          t.t2 = f;
        }
      }
      c.timepoints.push_back(t);
    }
    cohort.push_back({ c.id, c, ProblemOf(c) });
  }
  return cohort;
}

std::string
CaseFingerprint(const CaseInputs & inputs, const std::string & parametersFingerprint)
{
  std::ostringstream key;
  key << "cordresponse " << CORDRESPONSE_VERSION_STRING << "\n" << parametersFingerprint << "\n";
  for (const auto & t : inputs.timepoints)
  {
    const std::pair<const char *, std::optional<fs::path>> files[] = { { "t1post", t.t1post },
                                                                       { "t1pre", t.t1pre },
                                                                       { "t2", t.t2 },
                                                                       { "cord_mask", t.cordMask },
                                                                       { "vertebral_labels", t.vertebralLabels },
                                                                       { "transform_to_baseline",
                                                                         t.transformToBaseline } };
    for (const auto & f : files)
    {
      if (f.second)
      {
        key << t.label << ":" << f.first << ":" << Sha256OfPath(*f.second) << "\n";
      }
    }
  }
  return Sha256(key.str());
}

double
EstimateCaseMemoryGb(const CaseInputs & inputs)
{
  RegisterIOFactories();
  double voxels = 0.0;
  for (const auto & t : inputs.timepoints)
  {
    auto io =
      itk::ImageIOFactory::CreateImageIO(t.t1post.string().c_str(), itk::ImageIOFactory::IOFileModeEnum::ReadMode);
    if (!io)
    {
      continue;
    }
    io->SetFileName(t.t1post.string());
    try
    {
      io->ReadImageInformation();
    }
    catch (const itk::ExceptionObject &)
    {
      continue; // the case itself will report the unreadable file
    }
    double n = 1.0;
    for (unsigned int d = 0; d < io->GetNumberOfDimensions(); ++d)
    {
      n *= io->GetDimensions(d);
    }
    voxels += n;
  }
  return voxels * BytesPerVoxel / 1e9;
}

std::vector<CaseOutcome>
RunBatch(const std::vector<CohortCase> &                    cohort,
         const BatchOptions &                               options,
         const CaseRunner &                                 runner,
         const std::function<void(const BatchProgress &)> & progress)
{
  const fs::path & out = options.outputDirectory;
  fs::create_directories(out);
  // Leftovers of interrupted runs are never outputs: remove them.
  for (const auto & e : fs::directory_iterator(out))
  {
    if (e.is_directory() && e.path().filename().string().rfind(".partial-", 0) == 0)
    {
      fs::remove_all(e.path());
    }
  }
  unsigned int concurrent = std::max(1u, options.jobs);
  if (options.memoryBudgetGb > 0.0)
  {
    double largest = 0.0;
    for (const auto & c : cohort)
    {
      largest = std::max(largest, c.problem.empty() ? EstimateCaseMemoryGb(c.inputs) : 0.0);
    }
    if (largest > 0.0)
    {
      concurrent = std::min(concurrent, std::max(1u, static_cast<unsigned int>(options.memoryBudgetGb / largest)));
    }
  }

  using Clock = std::chrono::steady_clock;
  const auto               start = Clock::now();
  std::vector<CaseOutcome> outcomes(cohort.size());
  std::mutex               mutex;
  BatchProgress            state;
  state.total = cohort.size();
  auto publish = [&](const std::string & caseId, const std::string & stage) {
    std::lock_guard<std::mutex> lock(mutex);
    state.currentCase = caseId;
    state.currentStage = stage;
    state.elapsedSeconds = std::chrono::duration<double>(Clock::now() - start).count();
    state.estimatedRemainingSeconds =
      state.finished > 0 ? state.elapsedSeconds / state.finished * (state.total - state.finished) : -1.0;
    if (progress)
    {
      progress(state);
    }
  };

  auto runOne = [&](std::size_t index) {
    const CohortCase & c = cohort[index];
    CaseOutcome &      outcome = outcomes[index];
    outcome.id = c.id;
    const auto     caseStart = Clock::now();
    const fs::path finalDir = out / Slug(c.id);
    const fs::path partial = out / (".partial-" + Slug(c.id) + "-" + std::to_string(::getpid()));
    try
    {
      if (!c.problem.empty())
      {
        throw std::runtime_error(c.problem);
      }
      const std::string fingerprint = CaseFingerprint(c.inputs, options.parametersFingerprint);
      if (fs::exists(finalDir / DoneMarker))
      {
        const auto previous = json::parse(ReadFileText(finalDir / DoneMarker), nullptr, false);
        if (!previous.is_discarded() && previous.value("fingerprint", "") == fingerprint)
        {
          outcome.status = "skipped";
        }
      }
      if (outcome.status != "skipped")
      {
        publish(c.id, "starting");
        fs::remove_all(partial);
        fs::create_directories(partial);
        runner(c.inputs, partial, [&](const std::string & stage) { publish(c.id, stage); });
        outcome.seconds = std::chrono::duration<double>(Clock::now() - caseStart).count();
        WriteFileAtomically(partial / DoneMarker,
                            json{ { "fingerprint", fingerprint }, { "version", CORDRESPONSE_VERSION_STRING } }.dump(2));
        fs::remove_all(finalDir);
        fs::rename(partial, finalDir);
        outcome.status = "done";
      }
    }
    catch (const std::exception & e)
    {
      std::error_code ec;
      fs::remove_all(partial, ec);
      outcome.status = "failed";
      outcome.error = e.what();
    }
    {
      std::lock_guard<std::mutex> lock(mutex);
      ++state.finished;
      state.failed += outcome.status == "failed" ? 1 : 0;
    }
    publish(c.id, outcome.status);
  };

  // A fixed pool of case workers; each case uses the shared oneTBB scheduler inside.
  std::atomic<std::size_t> next{ 0 };
  std::vector<std::thread> workers;
  for (unsigned int w = 0; w < std::min<std::size_t>(concurrent, cohort.size()); ++w)
  {
    workers.emplace_back([&] {
      for (std::size_t i = next++; i < cohort.size(); i = next++)
      {
        runOne(i);
      }
    });
  }
  for (auto & w : workers)
  {
    w.join();
  }

  json        summary = { { "format", "cordresponse-batch-summary" },
                          { "version", CORDRESPONSE_VERSION_STRING },
                          { "cases", cohort.size() },
                          { "concurrent_cases", concurrent } };
  std::size_t done = 0, skipped = 0, failed = 0;
  json        list = json::array();
  for (const auto & o : outcomes)
  {
    done += o.status == "done";
    skipped += o.status == "skipped";
    failed += o.status == "failed";
    list.push_back({ { "id", o.id }, { "status", o.status }, { "error", o.error }, { "seconds", o.seconds } });
  }
  summary["done"] = done;
  summary["skipped"] = skipped;
  summary["failed"] = failed;
  summary["outcomes"] = list;
  WriteFileAtomically(out / "batch_summary.json", summary.dump(2) + "\n");
  return outcomes;
}

} // namespace cordresponse
