// The case pipeline after segmentation: matching, response and reports, fed with the phantom's truth maps
// (a perfect segmentation), so the response logic is checked against the truth on every preset.
#include "TestUtilities.h"

#include "cordresponse/Case.h"
#include "cordresponse/CasePipeline.h"
#include "cordresponse/Errors.h"
#include "cordresponse/Phantom.h"
#include "cordresponse/Transforms.h"

#include <nlohmann/json.hpp>

namespace cordresponse::test {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {
/** A CaseResult whose segmentation is the phantom truth and whose transforms are the true ones. */
CaseResult
FromTruth(const fs::path & caseDir, const RunOptions & options)
{
  const json truth = json::parse(ReadText(caseDir / "truth.json"));
  CaseResult result;
  result.inputs = LoadCaseFile(caseDir / "case.json");
  for (std::size_t i = 0; i < truth["timepoints"].size(); ++i)
  {
    const auto &    tp = truth["timepoints"][i];
    TimepointResult t;
    t.inputs = result.inputs.timepoints[i];
    t.t1post = LoadImage(t.inputs.t1post);
    auto map = [&](const char * name) { return LoadLabelImage(caseDir / tp["truth_maps"][name].get<std::string>()); };
    t.segmentation.cord = map("cord");
    t.segmentation.lesions = map("lesions");
    t.segmentation.edema = map("edema");
    t.segmentation.levels = map("levels");
    t.lesionMeasurements = MeasureLesions(t.segmentation.lesions, t.t1post, t.segmentation.cord, t.segmentation.levels,
                                          options.measurability);
    for (auto & m : t.lesionMeasurements) // the renderer's partial-volume volumes, as a segmentation gives
    {
      for (const auto & l : tp["enhancing"]["lesions"])
      {
        if (l["id"].get<unsigned int>() == m.id)
        {
          m.partialVolumeMm3 = l["partial_volume_mm3"].get<double>();
        }
      }
    }
    t.edemaMeasurement = MeasureRegion(t.segmentation.edema, t.segmentation.levels);
    t.cordVolumeMm3 = LabelVolume(t.segmentation.cord);
    if (i > 0)
    {
      t.toBaseline = ReadTransformFile(caseDir / tp["followup_to_baseline"]["file"].get<std::string>());
    }
    result.timepoints.push_back(t);
  }
  CompareTimepoints(result, options);
  return result;
}
} // namespace

TEST(CaseFile, LoadsRelativePathsAndRejectsBadCases)
{
  TemporaryDirectory dir;
  SaveImage(MakeTestImage(), dir / "a.nii.gz");
  WriteText(dir / "case.json", R"({"case_id": "x", "timepoints": [
      {"label": "baseline", "images": {"t1post": "a.nii.gz"}},
      {"label": "followup", "images": {"t1post": "a.nii.gz", "t2": "a.nii.gz"}}]})");
  const auto c = LoadCaseFile(dir / "case.json");
  EXPECT_EQ(c.id, "x");
  ASSERT_EQ(c.timepoints.size(), 2u);
  EXPECT_EQ(c.timepoints[1].t2->filename(), "a.nii.gz");
  EXPECT_TRUE(c.timepoints[0].t1post.is_absolute());

  auto expectError = [&](const std::string & text, const std::string & problem) {
    WriteText(dir / "bad.json", text);
    try
    {
      LoadCaseFile(dir / "bad.json");
      ADD_FAILURE() << "no error for " << text;
    }
    catch (const InputError & e)
    {
      EXPECT_NE(std::string(e.what()).find(problem), std::string::npos) << e.what();
    }
  };
  expectError("{not json", "not valid JSON");
  expectError(R"({"timepoints": []})", "non-empty 'timepoints'");
  expectError(R"({"timepoints": [{"label": "b", "images": {}}]})", "no images.t1post");
  expectError(R"({"timepoints": [{"label": "b", "images": {"t1post": "missing.nii.gz"}}]})", "does not exist");
  expectError(R"({"timepoints": [{"label": "b", "images": {"t1post": "a.nii.gz"}},
                                 {"label": "b", "images": {"t1post": "a.nii.gz"}}]})",
              "used twice");
}

class ResponseOnPresets : public ::testing::TestWithParam<std::string>
{};

TEST_P(ResponseOnPresets, PerfectSegmentationGivesTheTrueResponse)
{
  TemporaryDirectory dir;
  WritePhantomCase(MakePhantomCase(GetParam(), 1, PhantomGrid::Test), dir / "case");
  RunOptions options;
  options.outputDirectory = dir / "out";
  const CaseResult result = FromTruth(dir / "case", options);
  const json       truth = json::parse(ReadText(dir / "case" / "truth.json"));
  ASSERT_EQ(result.responses.size(), truth["expected_response"].size());
  for (std::size_t i = 0; i < result.responses.size(); ++i)
  {
    const auto & expected = truth["expected_response"][i];
    SCOPED_TRACE(expected["timepoint"].get<std::string>());
    EXPECT_EQ(result.responses[i].ranoBm, expected["rano_bm"].get<std::string>()) << result.responses[i].ranoBmBasis;
    EXPECT_EQ(result.responses[i].volumetric, expected["volumetric"].get<std::string>())
      << result.responses[i].volumetricBasis;
    // Volume change within 10 percentage points of the truth (partial-volume vs analytic volumes).
    EXPECT_NEAR(result.responses[i].volumePercentVsBaseline, expected["enhancing_volume_pct"].get<double>(), 10.0);
  }
  // Lesion statuses as the preset says.
  for (const auto & change : truth["expected_lesion_changes"])
  {
    const auto to = std::find_if(result.timepoints.begin(), result.timepoints.end(), [&](const TimepointResult & t) {
      return t.inputs.label == change["to"].get<std::string>();
    });
    ASSERT_NE(to, result.timepoints.end());
    const auto fromIds = change["from_ids"].get<std::vector<unsigned int>>();
    const auto toIds = change["to_ids"].get<std::vector<unsigned int>>();
    const auto found = std::find_if(to->changesFromPrevious.begin(), to->changesFromPrevious.end(),
                                    [&](const LesionChange & c) { return c.fromIds == fromIds && c.toIds == toIds; });
    ASSERT_NE(found, to->changesFromPrevious.end()) << change.dump();
    EXPECT_EQ(found->status, change["status"].get<std::string>()) << change.dump();
  }
  // Reports.
  const fs::path report = WriteCaseReports(result, options);
  const json     r = json::parse(ReadText(report));
  EXPECT_EQ(r["format"], "cordresponse-report");
  EXPECT_EQ(r["timepoints"].size(), result.timepoints.size());
  EXPECT_EQ(r["response"]["rano_bm"]["category"], result.responses.back().ranoBm);
  EXPECT_EQ(r["registration"]["followup_to_baseline"]["matrix_lps"].size(), 4u);
  for (const auto & input : r["inputs"])
  {
    EXPECT_EQ(input["sha256"].get<std::string>().size(), 64u);
  }
  for (const auto & tp : r["timepoints"])
  {
    for (const auto & output : tp["outputs"])
    {
      EXPECT_TRUE(fs::exists(options.outputDirectory / output.get<std::string>()));
    }
  }
  const std::string csv = ReadText(options.outputDirectory / "lesions.csv");
  std::size_t       rows = 0;
  for (const auto & t : result.timepoints)
  {
    rows += t.lesionMeasurements.size();
  }
  EXPECT_EQ(static_cast<std::size_t>(std::count(csv.begin(), csv.end(), '\n')), rows + 1);
}

INSTANTIATE_TEST_SUITE_P(Presets,
                         ResponseOnPresets,
                         ::testing::Values("seed", "partial-response", "progression", "stable", "merge", "nadir"),
                         [](const auto & p) {
                           std::string n = p.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

} // namespace cordresponse::test

namespace cordresponse::test {
TEST(CaseReports, HtmlReportRendersInAHeadlessBrowser)
{
  const std::string browser = "/usr/bin/chromium";
  if (!fs::exists(browser))
  {
    GTEST_SKIP() << "Debian's chromium is not installed (scripts/install-deps.sh installs it)";
  }
  TemporaryDirectory dir;
  WritePhantomCase(MakePhantomCase("partial-response", 1, PhantomGrid::Test), dir / "case");
  RunOptions options;
  options.outputDirectory = dir / "out";
  const CaseResult result = FromTruth(dir / "case", options);
  WriteCaseReports(result, options);
  const json report = json::parse(ReadText(options.outputDirectory / "report.json"));
  const auto images = report["outputs"]["qc_images"].size();
  ASSERT_GE(images, 5u); // two foci x (sagittal, axial), overview, timeline
  for (const auto & image : report["outputs"]["qc_images"])
  {
    EXPECT_TRUE(fs::exists(options.outputDirectory / image["file"].get<std::string>()));
  }
  const auto dom = RunCommand(Quote(browser) +
                              " --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run"
                              " --disable-background-networking --disable-component-update --disable-sync"
                              " --user-data-dir=" +
                              Quote(dir / "profile") + " --virtual-time-budget=10000 --dump-dom " +
                              Quote("file://" + (options.outputDirectory / "report.html").string()));
  ASSERT_EQ(dom.exitCode, 0) << dom.output.substr(0, 2000);
  EXPECT_NE(dom.output.find("id=\"summary\""), std::string::npos);
  EXPECT_NE(dom.output.find("id=\"lesions\""), std::string::npos);
  EXPECT_NE(dom.output.find(">PR<"), std::string::npos) << "the response category is on the page";
  EXPECT_NE(dom.output.find("data-images-decoded=\"" + std::to_string(images) + "\""), std::string::npos)
    << "every embedded image decoded in the browser";
}
} // namespace cordresponse::test

namespace cordresponse::test {
TEST(CaseReports, ReportJsonValidatesAgainstItsSchema)
{
  const std::string python = "/usr/bin/python3";
  if (RunCommand(python + " -c 'import jsonschema'").exitCode != 0)
  {
    GTEST_SKIP() << "Debian's python3-jsonschema is not installed (scripts/install-deps.sh installs it)";
  }
  TemporaryDirectory dir;
  WritePhantomCase(MakePhantomCase("progression", 1, PhantomGrid::Test), dir / "case");
  RunOptions options;
  options.outputDirectory = dir / "out";
  options.qcImages = false;
  WriteCaseReports(FromTruth(dir / "case", options), options);
  const fs::path schema = fs::path(CORDRESPONSE_SOURCE_DIR) / "docs" / "report.schema.json";
  auto           validate = [&](const fs::path & report) {
    return RunCommand(python +
                                " -c 'import json, sys, jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), "
                                          "json.load(open(sys.argv[2])), cls=jsonschema.Draft202012Validator)' " +
                                Quote(report) + " " + Quote(schema));
  };
  const auto valid = validate(options.outputDirectory / "report.json");
  EXPECT_EQ(valid.exitCode, 0) << valid.output;
  // The schema has teeth: a report with an unknown category is rejected.
  json broken = json::parse(ReadText(options.outputDirectory / "report.json"));
  broken["response"]["rano_bm"]["category"] = "MAYBE";
  WriteText(dir / "broken.json", broken.dump());
  EXPECT_NE(validate(dir / "broken.json").exitCode, 0);
}
} // namespace cordresponse::test

namespace cordresponse::test {
TEST(CaseSettings, ResultSettingsTextNamesEverySettingAndChangesWithThem)
{
  RunOptions        options;
  const std::string defaults = ResultSettingsText(options);
  EXPECT_EQ(defaults, ResultSettingsText(RunOptions{}));
  for (const auto & f : SegmentationParameterFields())
  {
    EXPECT_NE(defaults.find("segmentation." + f.name + " = " + f.Text(options.segmentation) + "\n"), std::string::npos)
      << f.name;
  }
  for (const char * key : { "bias_correction.enabled = true", "registration.seed = ", "matching.growingPercent = ",
                            "response.progressionPercent = 20", "measurability.minimumSlices = 2" })
  {
    EXPECT_NE(defaults.find(key), std::string::npos) << key;
  }
  options.segmentation.fociSeedEnhancement = 0.55;
  EXPECT_NE(ResultSettingsText(options), defaults);
  options = RunOptions{};
  options.biasCorrection.enabled = false;
  EXPECT_NE(ResultSettingsText(options), defaults);
  options = RunOptions{};
  options.registration.seed += 1;
  EXPECT_NE(ResultSettingsText(options), defaults);
}
} // namespace cordresponse::test
