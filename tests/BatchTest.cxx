// Cohort batches: manifests, BIDS discovery, failure isolation, bounded concurrency, resume, no half-written
// output. The case runner is a stand-in here; end-to-end batches through the CLI are in the CLI tests.
#include "TestUtilities.h"

#include "cordresponse/Batch.h"
#include "cordresponse/Errors.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <thread>

namespace cordresponse::test {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {
/** A manifest of three cases (two exams each) with real image files; case "c" lacks a T1 post. */
fs::path
WriteCohort(const TemporaryDirectory & dir)
{
  SaveImage(MakeTestImage(), dir / "img.nii.gz");
  WriteText(dir / "manifest.csv", "case_id,timepoint,sequence,path\n"
                                  "a,baseline,t1post,img.nii.gz\n"
                                  "a,baseline,t2,img.nii.gz\n"
                                  "a,followup,t1post,img.nii.gz\n"
                                  "b,baseline,t1post,img.nii.gz\n"
                                  "b,week12,t1post,img.nii.gz\n"
                                  "c,baseline,t2,img.nii.gz\n"
                                  "d,baseline,t1post,missing.nii.gz\n");
  return dir / "manifest.csv";
}

CaseRunner
WritingRunner(std::atomic<int> * calls = nullptr)
{
  return
    [calls](const CaseInputs & inputs, const fs::path & out, const std::function<void(const std::string &)> & stage) {
      stage("working");
      if (calls)
      {
        ++*calls;
      }
      if (inputs.id == "b" && fs::exists(out.parent_path() / "fail-b"))
      {
        throw std::runtime_error("registration failed: images do not overlap");
      }
      WriteText(out / "report.json", "{\"case\": \"" + inputs.id + "\"}");
    };
}
} // namespace

TEST(Manifest, GroupsRowsIntoCasesAndExams)
{
  TemporaryDirectory dir;
  const auto         cohort = LoadManifest(WriteCohort(dir));
  ASSERT_EQ(cohort.size(), 4u);
  EXPECT_EQ(cohort[0].id, "a");
  ASSERT_EQ(cohort[0].inputs.timepoints.size(), 2u);
  EXPECT_EQ(cohort[0].inputs.timepoints[0].label, "baseline");
  EXPECT_TRUE(cohort[0].inputs.timepoints[0].t2.has_value());
  EXPECT_TRUE(cohort[0].problem.empty());
  EXPECT_EQ(cohort[1].inputs.timepoints[1].label, "week12");
  EXPECT_NE(cohort[2].problem.find("no T1 post-contrast"), std::string::npos) << cohort[2].problem;
  EXPECT_NE(cohort[3].problem.find("missing.nii.gz"), std::string::npos) << cohort[3].problem;

  WriteText(dir / "bad.csv", "case_id,timepoint,sequence,path\na,baseline,flair,img.nii.gz\n");
  try
  {
    LoadManifest(dir / "bad.csv");
    ADD_FAILURE();
  }
  catch (const InputError & e)
  {
    EXPECT_NE(std::string(e.what()).find("line 2: unknown sequence 'flair'"), std::string::npos) << e.what();
  }
  WriteText(dir / "noheader.csv", "a,baseline,t1post,img.nii.gz\n");
  EXPECT_THROW(LoadManifest(dir / "noheader.csv"), InputError);
}

TEST(Batch, FailuresAreRecordedAndTheOthersComplete)
{
  TemporaryDirectory dir;
  const auto         cohort = LoadManifest(WriteCohort(dir));
  BatchOptions       options;
  options.outputDirectory = dir / "out";
  options.jobs = 2;
  fs::create_directories(options.outputDirectory);
  WriteText(options.outputDirectory / "fail-b", "");
  const auto outcomes = RunBatch(cohort, options, WritingRunner());
  ASSERT_EQ(outcomes.size(), 4u);
  EXPECT_EQ(outcomes[0].status, "done");
  EXPECT_EQ(outcomes[1].status, "failed");
  EXPECT_NE(outcomes[1].error.find("do not overlap"), std::string::npos);
  EXPECT_EQ(outcomes[2].status, "failed");
  EXPECT_EQ(outcomes[3].status, "failed");
  EXPECT_TRUE(fs::exists(options.outputDirectory / "a" / "report.json"));
  EXPECT_FALSE(fs::exists(options.outputDirectory / "b")); // nothing half-written for the failed case
  const auto summary = json::parse(ReadText(options.outputDirectory / "batch_summary.json"));
  EXPECT_EQ(summary["done"], 1);
  EXPECT_EQ(summary["failed"], 3);
  for (const auto & e : fs::directory_iterator(options.outputDirectory))
  {
    EXPECT_NE(e.path().filename().string().rfind(".partial-", 0), 0u) << "temporary left behind";
  }
}

TEST(Batch, RerunSkipsUnchangedCasesAndRedoesChangedOnes)
{
  TemporaryDirectory dir;
  const auto         manifest = WriteCohort(dir);
  BatchOptions       options;
  options.outputDirectory = dir / "out";
  options.parametersFingerprint = "defaults";
  std::atomic<int> calls{ 0 };
  RunBatch(LoadManifest(manifest), options, WritingRunner(&calls));
  EXPECT_EQ(calls.load(), 2); // a and b
  // An interrupted earlier run left a temporary directory: it is cleaned, never taken for output.
  fs::create_directories(options.outputDirectory / ".partial-a-999");
  calls = 0;
  auto outcomes = RunBatch(LoadManifest(manifest), options, WritingRunner(&calls));
  EXPECT_EQ(calls.load(), 0);
  EXPECT_EQ(outcomes[0].status, "skipped");
  EXPECT_EQ(outcomes[1].status, "skipped");
  EXPECT_FALSE(fs::exists(options.outputDirectory / ".partial-a-999"));
  // Other parameters: everything runs again.
  options.parametersFingerprint = "other";
  calls = 0;
  RunBatch(LoadManifest(manifest), options, WritingRunner(&calls));
  EXPECT_EQ(calls.load(), 2);
  // A changed input file: the cases using it run again.
  SaveImage(MakeTestImage(7, 5, 4), dir / "img.nii.gz");
  calls = 0;
  outcomes = RunBatch(LoadManifest(manifest), options, WritingRunner(&calls));
  EXPECT_EQ(calls.load(), 2);
  EXPECT_EQ(outcomes[0].status, "done");
}

TEST(Batch, RunsUpToJobsCasesAtOnce)
{
  TemporaryDirectory dir;
  SaveImage(MakeTestImage(), dir / "img.nii.gz");
  std::vector<CohortCase> cohort;
  for (int i = 0; i < 6; ++i)
  {
    CaseInputs c;
    c.id = "case" + std::to_string(i);
    c.timepoints.push_back({ "baseline", dir / "img.nii.gz", {}, {}, {}, {}, {} });
    cohort.push_back({ c.id, c, "" });
  }
  std::atomic<int> running{ 0 }, peak{ 0 };
  auto runner = [&](const CaseInputs &, const fs::path &, const std::function<void(const std::string &)> &) {
    const int now = ++running;
    int       seen = peak.load();
    while (now > seen && !peak.compare_exchange_weak(seen, now))
    {}
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    --running;
  };
  BatchOptions options;
  options.outputDirectory = dir / "out";
  options.jobs = 2;
  std::vector<BatchProgress> reports;
  std::mutex                 m;
  RunBatch(cohort, options, runner, [&](const BatchProgress & p) {
    std::lock_guard<std::mutex> lock(m);
    reports.push_back(p);
  });
  EXPECT_EQ(peak.load(), 2);
  ASSERT_FALSE(reports.empty());
  EXPECT_EQ(reports.back().finished, 6u);
  EXPECT_GE(reports.back().estimatedRemainingSeconds, 0.0);
  // A memory budget below two cases' estimate keeps it to one at a time.
  peak = 0;
  options.memoryBudgetGb = 1.5 * EstimateCaseMemoryGb(cohort[0].inputs);
  options.outputDirectory = dir / "out2";
  RunBatch(cohort, options, runner);
  EXPECT_EQ(peak.load(), 1);
}

TEST(Bids, FindsSessionsAndContrasts)
{
  TemporaryDirectory dir;
  const fs::path     root = dir / "bids";
  for (const char * ses : { "ses-01", "ses-02" })
  {
    const fs::path anat = root / "sub-001" / ses / "anat";
    fs::create_directories(anat);
    const std::string prefix = std::string("sub-001_") + ses;
    SaveImage(MakeTestImage(), anat / (prefix + "_ce-gadolinium_T1w.nii.gz"));
    SaveImage(MakeTestImage(), anat / (prefix + "_T1w.nii.gz"));
    SaveImage(MakeTestImage(), anat / (prefix + "_T2w.nii.gz"));
  }
  fs::create_directories(root / "sub-002" / "ses-01" / "anat");
  SaveImage(MakeTestImage(), root / "sub-002" / "ses-01" / "anat" / "sub-002_ses-01_T2w.nii.gz");
  WriteText(root / "dataset_description.json", R"({"Name": "test", "BIDSVersion": "1.9.0"})");

  auto cohort = DiscoverBids(root);
  ASSERT_EQ(cohort.size(), 2u);
  EXPECT_EQ(cohort[0].id, "sub-001");
  ASSERT_EQ(cohort[0].inputs.timepoints.size(), 2u);
  EXPECT_EQ(cohort[0].inputs.timepoints[0].label, "ses-01");
  EXPECT_NE(cohort[0].inputs.timepoints[0].t1post.filename().string().find("_ce-gadolinium_T1w"), std::string::npos);
  EXPECT_EQ(cohort[0].inputs.timepoints[1].t1pre->filename().string(), "sub-001_ses-02_T1w.nii.gz");
  EXPECT_TRUE(cohort[0].problem.empty());
  EXPECT_NE(cohort[1].problem.find("no T1 post-contrast"), std::string::npos);
  cohort = DiscoverBids(root, { "001" });
  EXPECT_EQ(cohort.size(), 1u);
  EXPECT_THROW(DiscoverBids(dir.Path()), InputError);
}

} // namespace cordresponse::test
