// End to end through the `cordresponse` executable on phantom cases: run, batch (manifest and BIDS) with
// failures, and a batch killed mid-run then rerun.
#include "TestUtilities.h"

#include "cordresponse/Phantom.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <set>
#include <csignal>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace cordresponse::test {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {
std::string
Exe()
{
  return Quote(CORDRESPONSE_EXE);
}

/** Phantom cases on the test grid, written once for the suite. */
class EndToEnd : public ::testing::Test
{
protected:
  static void
  SetUpTestSuite()
  {
    s_Dir = new TemporaryDirectory();
    WritePhantomCase(MakePhantomCase("seed", 1, PhantomGrid::Test), s_Dir->Path() / "seed");
    WritePhantomCase(MakePhantomCase("partial-response", 2, PhantomGrid::Test), s_Dir->Path() / "pr");
  }
  static void
  TearDownTestSuite()
  {
    delete s_Dir;
  }
  static fs::path
  Case(const std::string & name)
  {
    return s_Dir->Path() / name;
  }
  static TemporaryDirectory * s_Dir;
};
TemporaryDirectory * EndToEnd::s_Dir = nullptr;

/** Manifest rows of a phantom case under a given case id. */
std::string
ManifestRows(const std::string & id, const fs::path & caseDir, bool withT1post = true)
{
  std::string rows;
  for (const char * tp : { "baseline", "followup" })
  {
    if (withT1post)
    {
      rows += id + "," + tp + ",t1post," + (caseDir / tp / "t1post.nii.gz").string() + "\n";
    }
    rows += id + "," + tp + ",t2," + (caseDir / tp / "t2.nii.gz").string() + "\n";
  }
  return rows;
}

/** The path of the first difference between two reports ("" when equal): every value must be identical,
 *  registration outputs included (registration is bit-for-bit reproducible at any thread count). */
std::string
ReportDifference(const json & a, const json & b, const std::string & path = "")
{
  if (a.type() != b.type())
  {
    return path;
  }
  if (a.is_object())
  {
    if (a.size() != b.size())
    {
      return path;
    }
    for (auto it = a.begin(); it != a.end(); ++it)
    {
      const auto d =
        b.contains(it.key()) ? ReportDifference(it.value(), b[it.key()], path + "/" + it.key()) : path + "/" + it.key();
      if (!d.empty())
      {
        return d;
      }
    }
    return "";
  }
  if (a.is_array())
  {
    if (a.size() != b.size())
    {
      return path;
    }
    for (std::size_t i = 0; i < a.size(); ++i)
    {
      const auto d = ReportDifference(a[i], b[i], path + "/" + std::to_string(i));
      if (!d.empty())
      {
        return d;
      }
    }
    return "";
  }
  return a == b ? "" : path;
}

/** report.json without wall times, for comparing runs. */
json
ReportWithoutTimes(const fs::path & path)
{
  json r = json::parse(ReadText(path));
  for (auto & t : r["timepoints"])
  {
    t.erase("stage_seconds");
  }
  return r;
}
} // namespace

TEST_F(EndToEnd, RunWritesTheReportsAndGetsTheResponse)
{
  TemporaryDirectory out;
  const auto         r =
    RunCommand(Exe() + " run --case " + Quote(Case("pr") / "case.json") + " --output-dir " + Quote(out.Path()));
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("response at followup: RANO-BM"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(" seconds: load "), std::string::npos) << r.output; // the time per stage
  const json report = json::parse(ReadText(out / "report.json"));
  // The phantom's exams carry SCT disc labels: they fix the level of the registration's start.
  EXPECT_EQ(report["timepoints"][1]["registration_to_baseline"]["start"], "vertebral labels");
  const json truth = json::parse(ReadText(Case("pr") / "truth.json"));
  EXPECT_EQ(report["response"]["rano_bm"]["category"], truth["expected_response"][0]["rano_bm"]) << r.output;
  EXPECT_EQ(report["timepoints"][0]["enhancing"]["lesion_count"], 2);
  for (const char * file : { "report.html", "lesions.csv", "followup_to_baseline.tfm", "baseline_lesions.nii.gz" })
  {
    EXPECT_TRUE(fs::exists(out / file)) << file;
  }
  // Label maps carry colour tables that name cord, each focus (with its levels) and edema.
  const std::string lesionTable = ReadText(out / "baseline_lesions.ctbl");
  EXPECT_NE(lesionTable.find("\n1 focus_1"), std::string::npos) << lesionTable;
  EXPECT_NE(lesionTable.find("\n2 focus_2"), std::string::npos) << lesionTable;
  EXPECT_NE(ReadText(out / "baseline_cord.ctbl").find("1 cord "), std::string::npos);
  EXPECT_NE(ReadText(out / "followup_edema.ctbl").find("1 edema "), std::string::npos);
  // The evaluator scores it.
  const auto e = RunCommand(Exe() + " evaluate --truth " + Quote(Case("pr")) + " --result " + Quote(out.Path()));
  ASSERT_EQ(e.exitCode, 0) << e.output;
  const json evaluation = json::parse(ReadText(out / "evaluation.json"));
  EXPECT_LT(evaluation["registration"][0]["mean_tre_mm"].get<double>(), 0.5);
}

TEST_F(EndToEnd, OneAndTwoThreadsGiveIdenticalReportsAndLabelMaps)
{
  // The pipeline's target: the same lesions and the same numbers at any --threads (registration included).
  TemporaryDirectory out;
  for (const char * threads : { "1", "2" })
  {
    const auto r = RunCommand(Exe() + " run --case " + Quote(Case("pr") / "case.json") + " --threads " + threads +
                              " --output-dir " + Quote(out / threads));
    ASSERT_EQ(r.exitCode, 0) << r.output;
  }
  EXPECT_EQ(
    ReportDifference(ReportWithoutTimes(out / "1" / "report.json"), ReportWithoutTimes(out / "2" / "report.json")), "")
    << "reports differ there";
  std::size_t compared = 0;
  for (const auto & e : fs::directory_iterator(out / "1"))
  {
    const std::string name = e.path().filename().string();
    if (name != "report.json" && name != "report.html" && e.is_regular_file())
    {
      EXPECT_EQ(ReadText(e.path()), ReadText(out / "2" / name)) << name << " differs between 1 and 2 threads";
      ++compared;
    }
  }
  EXPECT_GT(compared, 10u); // label maps of both exams, the transform, the tables
}

TEST(EndToEndThinSlices, PartialResponseOnThinSlicesIsRegisteredAndClassified)
{
  // The accuracy sweep's 1.5 mm partial-response case: on the bias-corrected images the multi-start ranked
  // starts one vertebral segment away above the centroid start and the registration ended 30.6 mm off (the
  // foci were then called new: PD). The base starts are now always refined.
  TemporaryDirectory dir;
  PhantomCase        c = MakePhantomCase("partial-response", 1, PhantomGrid::Test);
  c.sliceThickness = 1.5;
  WritePhantomCase(c, dir / "case");
  const auto r =
    RunCommand(Exe() + " run --case " + Quote(dir / "case" / "case.json") + " --output-dir " + Quote(dir / "out"));
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const auto e = RunCommand(Exe() + " evaluate --truth " + Quote(dir / "case") + " --result " + Quote(dir / "out"));
  ASSERT_EQ(e.exitCode, 0) << e.output;
  const json evaluation = json::parse(ReadText(dir / "out" / "evaluation.json"));
  EXPECT_LT(evaluation["registration"][0]["mean_tre_mm"].get<double>(), 0.5) << e.output;
  EXPECT_NE(e.output.find("2 of 2 categories correct"), std::string::npos) << e.output;
  // The same case without its vertebral labels: the start then comes from the multi-start alone.
  json caseFile = json::parse(ReadText(dir / "case" / "case.json"));
  for (auto & t : caseFile["timepoints"])
  {
    t.erase("vertebral_labels");
  }
  WriteText(dir / "case" / "case-without-labels.json", caseFile.dump(2));
  const auto unlabelled = RunCommand(Exe() + " run --case " + Quote(dir / "case" / "case-without-labels.json") +
                                     " --output-dir " + Quote(dir / "unlabelled"));
  ASSERT_EQ(unlabelled.exitCode, 0) << unlabelled.output;
  EXPECT_EQ(
    json::parse(ReadText(dir / "unlabelled" / "report.json"))["timepoints"][1]["registration_to_baseline"]["start"],
    "multi-start");
  const auto e2 =
    RunCommand(Exe() + " evaluate --truth " + Quote(dir / "case") + " --result " + Quote(dir / "unlabelled"));
  ASSERT_EQ(e2.exitCode, 0) << e2.output;
  EXPECT_LT(
    json::parse(ReadText(dir / "unlabelled" / "evaluation.json"))["registration"][0]["mean_tre_mm"].get<double>(), 0.5)
    << e2.output;
}

/** `cordresponse run` on DIR/case/case.json into DIR/out (expected to succeed); the report it writes. */
json
RunAndReadReport(const fs::path & dir)
{
  const auto r =
    RunCommand(Exe() + " run --case " + Quote(dir / "case" / "case.json") + " --output-dir " + Quote(dir / "out"));
  EXPECT_EQ(r.exitCode, 0) << r.output;
  return r.exitCode == 0 ? json::parse(ReadText(dir / "out" / "report.json")) : json::object();
}

TEST(EndToEndReexamination, AFocusFoundOnlyAtFollowupIsLookedForAtBaseline)
{
  // small-foci, phantom seed 2: the 2.2 mm (5 mm^3) focus fills no voxel at baseline and does not seed there,
  // but seeds at follow-up, where it was called equivocal-new and moved the volume change by 17 points. The
  // baseline is re-examined inside it (relaxed seeds): the focus is found, flagged, and matched.
  TemporaryDirectory dir;
  WritePhantomCase(MakePhantomCase("small-foci", 2, PhantomGrid::Test), dir / "case");
  const json report = RunAndReadReport(dir.Path());
  ASSERT_TRUE(report.contains("timepoints"));
  int reexamined = 0;
  for (const auto & l : report["timepoints"][0]["enhancing"]["lesions"])
  {
    reexamined += l["found_on_reexamination"].get<bool>() ? 1 : 0;
  }
  EXPECT_EQ(reexamined, 1);
  for (const auto & l : report["timepoints"][1]["enhancing"]["lesions"])
  {
    EXPECT_FALSE(l["found_on_reexamination"].get<bool>());
  }
  for (const auto & change : report["change"]["lesions"])
  {
    EXPECT_NE(change["status"], "equivocal-new") << change.dump();
  }
  const auto e = RunCommand(Exe() + " evaluate --truth " + Quote(dir / "case") + " --result " + Quote(dir / "out"));
  ASSERT_EQ(e.exitCode, 0) << e.output;
  EXPECT_NE(e.output.find("2 of 2 categories correct"), std::string::npos) << e.output;
  const json evaluation = json::parse(ReadText(dir / "out" / "evaluation.json"));
  EXPECT_LE(std::abs(evaluation["response"][0]["enhancing_volume_pct"]["difference_points"].get<double>()), 10.0)
    << e.output;
}

TEST(EndToEndReexamination, ReexaminationWalksBackThroughEarlierExams)
{
  // Three exams: the small-foci seed 2 baseline twice (the second as "followup", with its own noise and the
  // 5 mm^3 focus a little smaller), then its follow-up as "followup2", where that focus seeds. The middle exam
  // is re-examined (through its registration onto the baseline), then the baseline in turn, so the focus is
  // followed through all three and nothing is left equivocal-new.
  TemporaryDirectory dir;
  PhantomCase        c = MakePhantomCase("small-foci", 2, PhantomGrid::Test);
  PhantomTimepoint   middle = c.timepoints[0];
  middle.label = "followup";
  middle.motion = c.timepoints[1].motion;
  middle.expectedRanoBm = "SD";
  middle.expectedVolumetric = "SD";
  for (auto & lesion : middle.lesions)
  {
    if (lesion.id == 3) // the 5 mm^3 focus, a little smaller in the middle exam: it does not seed there
    {
      for (auto & a : lesion.semiAxes)
      {
        a *= 0.85;
      }
    }
  }
  c.timepoints[1].label = "followup2";
  c.timepoints.insert(c.timepoints.begin() + 1, middle);
  c.changes.clear();
  WritePhantomCase(c, dir / "case");
  const json report = RunAndReadReport(dir.Path());
  ASSERT_TRUE(report.contains("timepoints"));
  ASSERT_EQ(report["timepoints"].size(), 3u);
  std::vector<int> reexamined;
  for (const auto & t : report["timepoints"])
  {
    int n = 0;
    for (const auto & l : t["enhancing"]["lesions"])
    {
      n += l["found_on_reexamination"].get<bool>() ? 1 : 0;
    }
    reexamined.push_back(n);
  }
  EXPECT_EQ(reexamined, (std::vector<int>{ 1, 1, 0 })) << report["timepoints"].dump(1).substr(0, 4000);
  for (std::size_t i = 1; i < 3; ++i)
  {
    for (const auto & change : report["timepoints"][i]["change"]["lesions"])
    {
      EXPECT_NE(change["status"], "equivocal-new") << i << " " << change.dump();
    }
  }
}

TEST(EndToEndThreeExams, TheNadirCaseIsTrackedAndScored)
{
  TemporaryDirectory dir;
  WritePhantomCase(MakePhantomCase("nadir", 1, PhantomGrid::Test), dir / "case");
  const auto r =
    RunCommand(Exe() + " run --case " + Quote(dir / "case" / "case.json") + " --output-dir " + Quote(dir / "out"));
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const json report = json::parse(ReadText(dir / "out" / "report.json"));
  ASSERT_EQ(report["timepoints"].size(), 3u);
  EXPECT_EQ(report["timepoints"][1]["response"]["rano_bm"]["category"], "PR");
  // Regrowth measured against the nadir (second exam), not the baseline.
  EXPECT_GT(report["timepoints"][2]["response"]["rano_bm"]["sum_pct_vs_nadir"].get<double>(), 20.0);
  EXPECT_LT(report["timepoints"][2]["response"]["rano_bm"]["sum_pct_vs_baseline"].get<double>(), 0.0);
  const auto e = RunCommand(Exe() + " evaluate --truth " + Quote(dir / "case") + " --result " + Quote(dir / "out"));
  ASSERT_EQ(e.exitCode, 0) << e.output;
  EXPECT_NE(e.output.find("4 of 4 categories correct"), std::string::npos) << e.output;
}

TEST_F(EndToEnd, RunWithFlagsAndABadInputFailsCleanly)
{
  TemporaryDirectory out;
  const auto ok = RunCommand(Exe() + " run --baseline-t1post " + Quote(Case("seed") / "baseline/t1post.nii.gz") +
                             " --baseline-t2 " + Quote(Case("seed") / "baseline/t2.nii.gz") + " --followup-t1post " +
                             Quote(Case("seed") / "followup/t1post.nii.gz") + " --followup-t2 " +
                             Quote(Case("seed") / "followup/t2.nii.gz") + " --output-dir " + Quote(out / "ok"));
  ASSERT_EQ(ok.exitCode, 0) << ok.output;
  EXPECT_EQ(json::parse(ReadText(out / "ok" / "report.json"))["response"]["rano_bm"]["category"], "CR");
  WriteText(out / "broken.nii.gz", "not an image");
  const auto bad =
    RunCommand(Exe() + " run --baseline-t1post " + Quote(Case("seed") / "baseline/t1post.nii.gz") +
               " --followup-t1post " + Quote(out / "broken.nii.gz") + " --output-dir " + Quote(out / "bad"));
  EXPECT_NE(bad.exitCode, 0);
  EXPECT_NE(bad.output.find("broken.nii.gz"), std::string::npos) << bad.output;
  EXPECT_FALSE(fs::exists(out / "bad" / "report.json"));
}

TEST_F(EndToEnd, BatchFromAManifestRecordsFailuresAndCompletesTheRest)
{
  TemporaryDirectory dir;
  // A corrupt file (a truncated copy of a real image) and a missing sequence (no T1 post).
  fs::create_directories(dir / "corrupt");
  TruncateCopy(Case("seed") / "baseline/t1post.nii.gz", dir / "corrupt" / "t1post.nii.gz", 0.4);
  std::string manifest = "case_id,timepoint,sequence,path\n" + ManifestRows("good1", Case("seed")) +
                         ManifestRows("good2", Case("pr")) + ManifestRows("nopost", Case("pr"), false) +
                         "corrupt,baseline,t1post," + (dir / "corrupt" / "t1post.nii.gz").string() + "\n" +
                         "corrupt,followup,t1post," + (Case("seed") / "followup/t1post.nii.gz").string() + "\n";
  WriteText(dir / "cohort.csv", manifest);
  const auto r = RunCommand(Exe() + " batch --manifest " + Quote(dir / "cohort.csv") + " --output-dir " +
                            Quote(dir / "out") + " --jobs 2");
  EXPECT_NE(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("2 done, 0 skipped (unchanged), 2 failed"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("failed: nopost"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("failed: corrupt"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("truncated"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(dir / "out" / "good1" / "report.json"));
  EXPECT_TRUE(fs::exists(dir / "out" / "good2" / "report.json"));
  EXPECT_FALSE(fs::exists(dir / "out" / "corrupt"));
  const std::string cohort = ReadText(dir / "out" / "cohort.csv");
  EXPECT_NE(cohort.find("good1,followup,CR"), std::string::npos) << cohort;
}

TEST_F(EndToEnd, BidsAppParticipantAndGroupLevels)
{
  TemporaryDirectory dir;
  const fs::path     bids = dir / "bids";
  WriteText(bids / "dataset_description.json", R"({"Name": "phantoms", "BIDSVersion": "1.9.0"})");
  for (const auto & [subject, source] : { std::pair{ "01", "seed" }, std::pair{ "02", "pr" } })
  {
    for (const auto & [ses, tp] : { std::pair{ "ses-1", "baseline" }, std::pair{ "ses-2", "followup" } })
    {
      const fs::path    anat = bids / ("sub-" + std::string(subject)) / ses / "anat";
      const std::string prefix = "sub-" + std::string(subject) + "_" + ses;
      fs::create_directories(anat);
      fs::copy_file(Case(source) / tp / "t1post.nii.gz", anat / (prefix + "_ce-gadolinium_T1w.nii.gz"));
      fs::copy_file(Case(source) / tp / "t2.nii.gz", anat / (prefix + "_T2w.nii.gz"));
    }
  }
  const auto participant =
    RunCommand(Exe() + " " + Quote(bids) + " " + Quote(dir / "derivatives") + " participant --participant-label 01");
  ASSERT_EQ(participant.exitCode, 0) << participant.output;
  const json description = json::parse(ReadText(dir / "derivatives" / "dataset_description.json"));
  EXPECT_EQ(description["DatasetType"], "derivative");
  EXPECT_EQ(description["GeneratedBy"][0]["Name"], "cordresponse");
  const fs::path lesions = dir / "derivatives" / "sub-01" / "ses-1" / "anat" / "sub-01_ses-1_desc-lesions_dseg.nii.gz";
  EXPECT_TRUE(fs::exists(lesions));
  EXPECT_TRUE(fs::exists(dir / "derivatives" / "sub-01" / "ses-1" / "anat" / "sub-01_ses-1_desc-lesions_dseg.json"));
  EXPECT_NE(ReadText(dir / "derivatives" / "sub-01" / "ses-1" / "anat" / "sub-01_ses-1_desc-lesions_dseg.tsv")
              .find("index\tname"),
            std::string::npos);
  EXPECT_TRUE(fs::exists(dir / "derivatives" / "sub-01" / "ses-2" / "anat" / "sub-01_ses-2_label-cord_mask.nii.gz"));
  EXPECT_FALSE(fs::exists(dir / "derivatives" / "sub-02"));
  const auto group = RunCommand(Exe() + " " + Quote(bids) + " " + Quote(dir / "derivatives") + " group");
  ASSERT_EQ(group.exitCode, 0) << group.output;
  EXPECT_NE(ReadText(dir / "derivatives" / "cohort.csv").find("sub-01,ses-2,"), std::string::npos);
}

TEST_F(EndToEnd, KilledBatchResumesAndMatchesAnUninterruptedRun)
{
  TemporaryDirectory dir;
  WriteText(dir / "cohort.csv", "case_id,timepoint,sequence,path\n" + ManifestRows("a", Case("seed")) +
                                  ManifestRows("b", Case("pr")) + ManifestRows("c", Case("seed")));
  // Reference: an uninterrupted run.
  ASSERT_EQ(RunCommand(Exe() + " batch --manifest " + Quote(dir / "cohort.csv") + " --output-dir " + Quote(dir / "ref"))
              .exitCode,
            0);
  // Start the same batch, kill it as soon as the first case has finished.
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0)
  {
    const std::string out = (dir / "killed").string();
    const std::string manifest = (dir / "cohort.csv").string();
    std::freopen("/dev/null", "w", stdout);
    execl(CORDRESPONSE_EXE, CORDRESPONSE_EXE, "batch", "--manifest", manifest.c_str(), "--output-dir", out.c_str(),
          nullptr);
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
  while (!fs::exists(dir / "killed" / "a" / ".cordresponse-done.json") && std::chrono::steady_clock::now() < deadline)
  {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(fs::exists(dir / "killed" / "a" / ".cordresponse-done.json"));
  // Nothing half-written under a final name: only finished cases have a directory.
  for (const auto & e : fs::directory_iterator(dir / "killed"))
  {
    const std::string name = e.path().filename().string();
    if (e.is_directory() && name.rfind(".partial-", 0) != 0)
    {
      EXPECT_TRUE(fs::exists(e.path() / ".cordresponse-done.json")) << name << " is incomplete";
    }
  }
  const auto rerun =
    RunCommand(Exe() + " batch --manifest " + Quote(dir / "cohort.csv") + " --output-dir " + Quote(dir / "killed"));
  ASSERT_EQ(rerun.exitCode, 0) << rerun.output;
  EXPECT_NE(rerun.output.find("skipped (unchanged)"), std::string::npos);
  const json summary = json::parse(ReadText(dir / "killed" / "batch_summary.json"));
  EXPECT_EQ(summary["outcomes"][0]["status"], "skipped");
  for (const char * c : { "a", "b", "c" })
  {
    EXPECT_EQ(ReportDifference(ReportWithoutTimes(dir / "killed" / c / "report.json"),
                               ReportWithoutTimes(dir / "ref" / c / "report.json")),
              "")
      << c << ": reports differ there";
    EXPECT_EQ(ReadText(dir / "killed" / c / "lesions.csv"), ReadText(dir / "ref" / c / "lesions.csv")) << c;
    EXPECT_EQ(ReadText(dir / "killed" / c / "baseline_lesions.nii.gz"),
              ReadText(dir / "ref" / c / "baseline_lesions.nii.gz"))
      << c;
  }
  for (const auto & e : fs::directory_iterator(dir / "killed"))
  {
    EXPECT_NE(e.path().filename().string().rfind(".partial-", 0), 0u);
  }
}

} // namespace cordresponse::test
