// `cordresponse batch`: a cohort from a manifest or a BIDS dataset, cases run concurrently; and the
// BIDS-App form `cordresponse BIDS_DIR OUTPUT_DIR participant|group [--participant-label ...]`.
#include "Commands.h"
#include "ParameterOptions.h"

#include "cordresponse/AtomicFile.h"
#include "cordresponse/Batch.h"
#include "cordresponse/CasePipeline.h"
#include "cordresponse/Version.h"

#include "itkMultiThreaderBase.h"

#include <nlohmann/json.hpp>
#include <tbb/global_control.h>

#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace cordresponse::cli {
namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {
struct BatchArgs
{
  std::string              manifest;
  std::string              bids;
  std::string              outputDir;
  std::string              level{ "participant" };
  std::vector<std::string> participants;
  unsigned int             jobs{ 1 };
  double                   memoryGb{ 0 };
  int                      threads{ 0 };
  bool                     noBiasCorrection{ false };
  SegmentationParameters   segmentation;
};

std::string
Clock(double seconds)
{
  if (seconds < 0)
  {
    return "--:--";
  }
  const auto         s = static_cast<long>(seconds + 0.5);
  std::ostringstream os;
  os << std::setfill('0') << std::setw(2) << s / 60 << ":" << std::setw(2) << s % 60;
  return os.str();
}

/** A progress bar on a terminal; plain log lines otherwise (one per case event). */
class ProgressDisplay
{
public:
  ProgressDisplay()
    : m_Terminal(::isatty(STDOUT_FILENO) != 0)
  {}
  void
  operator()(const BatchProgress & p)
  {
    std::lock_guard<std::mutex> lock(m_Mutex);
    if (m_Terminal)
    {
      const int width = 30;
      const int filled = p.total ? static_cast<int>(width * p.finished / p.total) : width;
      std::cout << "\r[" << std::string(filled, '#') << std::string(width - filled, '.') << "] " << p.finished << "/"
                << p.total << " cases (" << p.failed << " failed) | " << p.currentCase << ": " << p.currentStage
                << " | elapsed " << Clock(p.elapsedSeconds) << " | left " << Clock(p.estimatedRemainingSeconds)
                << "\033[K" << std::flush;
      return;
    }
    const std::string line = p.currentCase + ": " + p.currentStage;
    if (line != m_Last)
    {
      std::cout << "[" << Clock(p.elapsedSeconds) << "] " << p.finished << "/" << p.total << " " << line << std::endl;
      m_Last = line;
    }
  }
  void
  Finish()
  {
    if (m_Terminal)
    {
      std::cout << std::endl;
    }
  }

private:
  bool        m_Terminal;
  std::mutex  m_Mutex;
  std::string m_Last;
};

/** Group level: one row per case and follow-up, from every finished case's report.json. */
fs::path
WriteCohortTable(const fs::path & out)
{
  std::ostringstream csv;
  csv << "case_id,timepoint,rano_bm,volumetric,enhancing_volume_mm3,enhancing_volume_pct_vs_baseline,"
         "sum_longest_diameter_pct_vs_baseline,edema_volume_mm3,edema_volume_pct_vs_baseline,lesion_count\n";
  std::vector<fs::path> reports;
  for (const auto & e : fs::directory_iterator(out))
  {
    if (e.is_directory() && fs::exists(e.path() / "report.json"))
    {
      reports.push_back(e.path() / "report.json");
    }
  }
  std::sort(reports.begin(), reports.end());
  for (const auto & path : reports)
  {
    std::ifstream in(path);
    const auto    r = json::parse(in, nullptr, false);
    if (r.is_discarded())
    {
      continue;
    }
    for (const auto & t : r["timepoints"])
    {
      const bool followup = t.contains("response");
      csv << r.value("case_id", "") << "," << t.value("label", "") << ","
          << (followup ? t["response"]["rano_bm"]["category"].get<std::string>() : "baseline") << ","
          << (followup ? t["response"]["volumetric"]["category"].get<std::string>() : "baseline") << ","
          << t["enhancing"]["total_partial_volume_mm3"].get<double>() << ","
          << (followup ? t["change"]["enhancing_volume_pct_vs_baseline"].dump() : "") << ","
          << (followup ? t["response"]["rano_bm"]["sum_pct_vs_baseline"].dump() : "") << ","
          << t["edema"]["volume_mm3"].get<double>() << ","
          << (followup ? t["change"]["edema_volume_pct_vs_baseline"].dump() : "") << ","
          << t["enhancing"]["lesion_count"].get<int>() << "\n";
    }
  }
  WriteFileAtomically(out / "cohort.csv", csv.str());
  return out / "cohort.csv";
}

void
WriteDatasetDescription(const fs::path & out, const std::string & source)
{
  json d = { { "Name", "CordResponse derivatives" },
             { "BIDSVersion", "1.9.0" },
             { "DatasetType", "derivative" },
             { "GeneratedBy",
               json::array({ { { "Name", "cordresponse" },
                               { "Version", CORDRESPONSE_VERSION_STRING },
                               { "Description", "Spinal cord lesion response: cord, enhancing foci and edema, "
                                                "measurements, RANO-BM and volumetric response" } } }) },
             { "SourceDatasets", json::array({ { { "URL", "file://" + fs::absolute(source).string() } } }) } };
  WriteFileAtomically(out / "dataset_description.json", d.dump(2) + "\n");
}
} // namespace

void
AddBatchCommand(CLI::App & app)
{
  auto   a = std::make_shared<BatchArgs>();
  auto * cmd = app.add_subcommand("batch", "Analyse a cohort: cases from a manifest CSV or a BIDS dataset run "
                                           "concurrently; failures are recorded and the others go on; a rerun skips "
                                           "finished cases whose inputs and parameters are unchanged");
  cmd->footer("Manifest columns: case_id,timepoint,sequence,path (sequence: t1post, t1pre, t2, cord_mask,\n"
              "vertebral_labels, transform_to_baseline). BIDS: sub-*/ses-*/anat/*_ce-<agent>_T1w.nii.gz (T1 post),\n"
              "*_T1w.nii.gz (T1 pre), *_T2w.nii.gz. BIDS-App form:\n"
              "  cordresponse BIDS_DIR OUTPUT_DIR participant [--participant-label 001 002]\n"
              "  cordresponse BIDS_DIR OUTPUT_DIR group");
  auto * source = cmd->add_option_group("cohort", "Where the cohort comes from (one of)");
  source->add_option("--manifest", a->manifest, "Manifest CSV");
  source->add_option("--bids", a->bids, "BIDS dataset root");
  source->require_option(1);
  cmd->add_option("--output-dir", a->outputDir, "Output directory (BIDS derivatives layout for --bids)")->required();
  cmd->add_option("--level", a->level, "participant: run the cases; group: write cohort.csv from finished cases")
    ->check(CLI::IsMember({ "participant", "group" }))
    ->capture_default_str();
  cmd->add_option("--participant-label", a->participants, "BIDS subjects to run (without sub-)");
  cmd->add_option("--jobs", a->jobs, "Cases at once")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--memory-gb", a->memoryGb, "Memory budget for concurrent cases (0: no limit)")
    ->capture_default_str();
  cmd->add_option("--threads", a->threads, "Worker threads in all (0: all cores)")->capture_default_str();
  cmd->add_flag("--no-bias-correction", a->noBiasCorrection,
                "Use the images as read: skip the N4 bias-field correction (on by default; docs/preprocessing.md)");
  AddSegmentationOptions(*cmd, a->segmentation);
  cmd->callback([a] {
    const fs::path out = fs::absolute(a->outputDir);
    if (a->level == "group")
    {
      std::cout << "wrote " << WriteCohortTable(out).string() << "\n";
      return;
    }
    const int threads =
      a->threads > 0 ? a->threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    tbb::global_control parallelism(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads(threads);
    const bool bids = !a->bids.empty();
    const auto cohort = bids ? DiscoverBids(a->bids, a->participants) : LoadManifest(a->manifest);
    RunOptions run;
    run.bidsNames = bids;
    run.biasCorrection.enabled = !a->noBiasCorrection;
    run.segmentation = a->segmentation;
    BatchOptions options;
    options.outputDirectory = out;
    options.jobs = a->jobs;
    options.memoryBudgetGb = a->memoryGb;
    // Every setting that changes a case's results: a rerun with other settings recomputes the cases.
    options.parametersFingerprint = ResultSettingsText(run);
    fs::create_directories(out);
    if (bids)
    {
      WriteDatasetDescription(out, a->bids);
    }
    ProgressDisplay display;
    const auto      outcomes = RunBatch(
           cohort, options,
           [run](const CaseInputs & inputs, const fs::path & dir, const std::function<void(const std::string &)> & stage) {
        RunOptions caseOptions = run;
        caseOptions.outputDirectory = dir;
        const CaseResult result = RunCase(inputs, caseOptions, [&](const std::string & s, double) { stage(s); });
        stage("reports");
        WriteCaseReports(result, caseOptions);
      },
           [&](const BatchProgress & p) { display(p); });
    display.Finish();
    WriteCohortTable(out);
    std::size_t failed = 0, skipped = 0;
    for (const auto & o : outcomes)
    {
      failed += o.status == "failed";
      skipped += o.status == "skipped";
    }
    std::cout << outcomes.size() - failed - skipped << " done, " << skipped << " skipped (unchanged), " << failed
              << " failed; summary: " << (out / "batch_summary.json").string() << "\n";
    for (const auto & o : outcomes)
    {
      if (o.status == "failed")
      {
        std::cout << "  failed: " << o.id << ": " << o.error << "\n";
      }
    }
    if (failed > 0)
    {
      throw std::runtime_error(std::to_string(failed) + " of " + std::to_string(outcomes.size()) + " cases failed");
    }
  });
}

std::vector<std::string>
BidsAppArguments(int argc, char ** argv)
{
  std::vector<std::string> args(argv, argv + argc);
  if (args.size() >= 4 && (args[3] == "participant" || args[3] == "group") && args[1].rfind("-", 0) != 0 &&
      fs::is_directory(args[1]))
  {
    std::vector<std::string> rewritten = { args[0],        "batch", "--bids",  args[1],
                                           "--output-dir", args[2], "--level", args[3] };
    rewritten.insert(rewritten.end(), args.begin() + 4, args.end());
    return rewritten;
  }
  return args;
}
} // namespace cordresponse::cli
