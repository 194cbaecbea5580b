// `cordresponse run`: one case, from flags (two exams) or a case file (any number of exams).
#include "Commands.h"
#include "ParameterOptions.h"

#include "cordresponse/Case.h"
#include "cordresponse/CasePipeline.h"
#include "cordresponse/Phantom.h"

#include "itkMultiThreaderBase.h"

#include <tbb/global_control.h>

#include <chrono>
#include <iomanip>
#include <iostream>
#include <memory>
#include <thread>

namespace cordresponse::cli {
namespace fs = std::filesystem;

namespace {
struct RunArgs
{
  std::string            caseFile;
  bool                   demo{ false };
  std::string            outputDir;
  int                    threads{ 0 };
  bool                   noBiasCorrection{ false };
  SegmentationParameters segmentation;
  std::string            caseId{ "case" };
  // Two-exam flags.
  std::string baselineT1post, baselineT1pre, baselineT2, baselineCordMask, baselineLevels;
  std::string followupT1post, followupT1pre, followupT2, followupCordMask, followupLevels, followupTransform;
};

std::optional<fs::path>
Optional(const std::string & s)
{
  return s.empty() ? std::nullopt : std::optional<fs::path>(fs::absolute(s));
}

CaseInputs
FromFlags(const RunArgs & a)
{
  CaseInputs c;
  c.id = a.caseId;
  TimepointInputs baseline{ "baseline",
                            fs::absolute(a.baselineT1post),
                            Optional(a.baselineT1pre),
                            Optional(a.baselineT2),
                            Optional(a.baselineCordMask),
                            Optional(a.baselineLevels),
                            std::nullopt };
  c.timepoints.push_back(baseline);
  if (!a.followupT1post.empty())
  {
    c.timepoints.push_back({ "followup", fs::absolute(a.followupT1post), Optional(a.followupT1pre),
                             Optional(a.followupT2), Optional(a.followupCordMask), Optional(a.followupLevels),
                             Optional(a.followupTransform) });
  }
  return c;
}
} // namespace

void
AddRunCommand(CLI::App & app)
{
  auto   a = std::make_shared<RunArgs>();
  auto * cmd =
    app.add_subcommand("run", "Analyse one case: register the follow-up exams to the baseline, segment cord, "
                              "enhancing foci and edema, measure, match lesions, classify the response "
                              "(RANO-BM and volumetric) and write report.json, lesions.csv and label maps");
  cmd->footer("Examples:\n"
              "  cordresponse run --demo --output-dir demo-output\n"
              "  cordresponse run --case case.json --output-dir out\n"
              "  cordresponse run --baseline-t1post b_T1c.nii.gz --baseline-t2 b_T2.nii.gz \\\n"
              "                   --followup-t1post f_T1c.nii.gz --followup-t2 f_T2.nii.gz --output-dir out\n"
              "Coordinates are ITK physical space (LPS, mm). The follow-up transform maps a baseline point to the\n"
              "follow-up point (ITK convention; Slicer loads the .tfm as a linear transform).");
  auto * source = cmd->add_option_group("input", "Where the case comes from (one of)");
  source->add_option("--case", a->caseFile, "Case file (JSON) listing any number of exams; see docs/case-file.md");
  source->add_flag("--demo", a->demo,
                   "Generate the built-in seed phantom case into OUTPUT_DIR/demo-input and run on it");
  source->add_option("--baseline-t1post", a->baselineT1post, "Baseline T1 post-contrast image");
  source->require_option(1);
  cmd->add_option("--baseline-t1pre", a->baselineT1pre, "Baseline T1 pre-contrast image (optional)");
  cmd->add_option("--baseline-t2", a->baselineT2, "Baseline T2 image (optional; needed for edema)");
  cmd->add_option("--baseline-cord-mask", a->baselineCordMask,
                  "Baseline cord mask (e.g. an SCT _seg file); replaces the automatic one");
  cmd->add_option("--baseline-vertebral-labels", a->baselineLevels, "Baseline SCT disc labels or labelled cord mask");
  cmd->add_option("--followup-t1post", a->followupT1post, "Follow-up T1 post-contrast image");
  cmd->add_option("--followup-t1pre", a->followupT1pre, "Follow-up T1 pre-contrast image (optional)");
  cmd->add_option("--followup-t2", a->followupT2, "Follow-up T2 image (optional)");
  cmd->add_option("--followup-cord-mask", a->followupCordMask, "Follow-up cord mask (optional)");
  cmd->add_option("--followup-vertebral-labels", a->followupLevels, "Follow-up SCT disc labels or labelled cord mask");
  cmd->add_option("--followup-transform", a->followupTransform,
                  "Existing ITK transform (baseline point -> follow-up point): skips the registration");
  cmd->add_option("--case-id", a->caseId, "Case identifier for the reports (flags mode)")->capture_default_str();
  cmd->add_option("--output-dir", a->outputDir, "Output directory (created)")->required();
  cmd->add_flag("--no-bias-correction", a->noBiasCorrection,
                "Use the images as read: skip the N4 bias-field correction (on by default; docs/preprocessing.md)");
  cmd->add_option("--threads", a->threads, "Worker threads (0: all cores)")
    ->capture_default_str()
    ->check(CLI::NonNegativeNumber);
  AddSegmentationOptions(*cmd, a->segmentation);
  cmd->callback([a] {
    const int threads =
      a->threads > 0 ? a->threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    tbb::global_control parallelism(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads(threads);
    RunOptions options;
    options.outputDirectory = fs::absolute(a->outputDir);
    options.biasCorrection.enabled = !a->noBiasCorrection;
    options.segmentation = a->segmentation;
    CaseInputs inputs;
    if (a->demo)
    {
      const fs::path demo = options.outputDirectory / "demo-input";
      if (!fs::exists(demo / "case.json"))
      {
        std::cout << "generating the demo case (seed phantom, clinical grid) in " << demo.string() << std::endl;
        WritePhantomCase(MakePhantomCase("seed", 1, PhantomGrid::Clinical), demo);
      }
      inputs = LoadCaseFile(demo / "case.json");
    }
    else if (!a->caseFile.empty())
    {
      inputs = LoadCaseFile(a->caseFile);
    }
    else
    {
      inputs = FromFlags(*a);
    }
    const auto       start = std::chrono::steady_clock::now();
    const CaseResult result = RunCase(inputs, options, [](const std::string & stage, double fraction) {
      std::cout << "[" << static_cast<int>(100 * fraction) << "%] " << stage << std::endl;
    });
    const fs::path   report = WriteCaseReports(result, options);
    const double     wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << SummariseCase(result, report) << "wall time " << std::fixed << std::setprecision(2) << wall
              << " s (images read to reports written)\n";
  });
}
} // namespace cordresponse::cli
