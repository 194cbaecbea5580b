// The 3D Slicer CLI modules: the description -> XML / command-line framework, and each module executable run
// as Slicer runs it (--xml for discovery; temporary file paths, --returnparameterfile and progress on stdout).
#include "ModuleCommandLine.h"
#include "ModuleDescription.h"
#include "ModuleRun.h"

#include "TestUtilities.h"

#include "cordresponse/ImageIO.h"
#include "cordresponse/Phantom.h"

#include <expat.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace fs = std::filesystem;
using namespace cordresponse;
using namespace cordresponse::slicer;
using test::Quote;
using test::RunCommand;

namespace {

const std::vector<std::string> ModuleNames = { "CordLesionResponse", "CordLesionSegmentation",
                                               "CordFollowupRegistration" };

fs::path
ModuleExecutable(const std::string & name)
{
  return fs::path(CORDRESPONSE_CLI_MODULES_DIR) / name;
}

/** What a module XML declares, read with expat (a real XML parser: malformed XML fails the parse). */
struct DeclaredParameter
{
  std::string              element, name, longflag, channel, type, defaultValue;
  int                      index{ -1 };
  std::vector<std::string> elements;
};
struct ParsedXml
{
  bool                           wellFormed{ false };
  std::string                    error, root;
  std::vector<DeclaredParameter> parameters;
};

ParsedXml
ParseModuleXml(const std::string & xml)
{
  struct State
  {
    ParsedXml                result;
    std::vector<std::string> path;
    std::string              text;
  } state;
  static const std::set<std::string> parameterElements = {
    "integer", "double", "boolean", "string", "string-enumeration", "image", "transform", "table", "file", "directory"
  };
  XML_Parser parser = XML_ParserCreate(nullptr);
  XML_SetUserData(parser, &state);
  XML_SetElementHandler(
    parser,
    [](void * data, const XML_Char * tag, const XML_Char ** attributes) {
      auto & s = *static_cast<State *>(data);
      if (s.path.empty())
      {
        s.result.root = tag;
      }
      if (s.path.size() == 2 && s.path[1] == "parameters" && parameterElements.count(tag))
      {
        DeclaredParameter p;
        p.element = tag;
        for (int i = 0; attributes[i] != nullptr; i += 2)
        {
          if (std::string(attributes[i]) == "type")
          {
            p.type = attributes[i + 1];
          }
        }
        s.result.parameters.push_back(p);
      }
      s.path.emplace_back(tag);
      s.text.clear();
    },
    [](void * data, const XML_Char * tag) {
      auto & s = *static_cast<State *>(data);
      if (s.path.size() == 4 && !s.result.parameters.empty())
      {
        auto &            p = s.result.parameters.back();
        const std::string t = tag;
        if (t == "name")
          p.name = s.text;
        else if (t == "longflag")
          p.longflag = s.text;
        else if (t == "channel")
          p.channel = s.text;
        else if (t == "default")
          p.defaultValue = s.text;
        else if (t == "index")
          p.index = std::stoi(s.text);
        else if (t == "element")
          p.elements.push_back(s.text);
      }
      s.path.pop_back();
      s.text.clear();
    });
  XML_SetCharacterDataHandler(parser, [](void * data, const XML_Char * text, int length) {
    static_cast<State *>(data)->text.append(text, static_cast<std::size_t>(length));
  });
  state.result.wellFormed = XML_Parse(parser, xml.data(), static_cast<int>(xml.size()), 1) == XML_STATUS_OK;
  if (!state.result.wellFormed)
  {
    state.result.error = XML_ErrorString(XML_GetErrorCode(parser));
  }
  XML_ParserFree(parser);
  return state.result;
}

/** A valid value for a declared parameter (files need not exist: the command line is only parsed). */
std::string
SampleValue(const DeclaredParameter & p)
{
  if (p.element == "integer")
    return p.defaultValue.empty() ? "3" : p.defaultValue;
  if (p.element == "double")
    return p.defaultValue.empty() ? "0.5" : p.defaultValue;
  if (p.element == "string-enumeration")
    return p.elements.front();
  return "/tmp/cordresponse-sample-" + p.name + ".nii.gz";
}

/** The <filter-progress> values and the stage names in a module's stdout. */
struct ProgressLog
{
  std::vector<double>      progress;
  std::vector<std::string> stages;
  int                      starts{ 0 }, ends{ 0 };
};
ProgressLog
ParseProgress(const std::string & out)
{
  ProgressLog             log;
  static const std::regex progress("<filter-progress>([^<]*)</filter-progress>");
  static const std::regex name("<filter-start>\n<filter-name>([^<]*)</filter-name>");
  for (std::sregex_iterator it(out.begin(), out.end(), progress), end; it != end; ++it)
  {
    log.progress.push_back(std::stod((*it)[1]));
  }
  for (std::sregex_iterator it(out.begin(), out.end(), name), end; it != end; ++it)
  {
    log.stages.push_back((*it)[1]);
  }
  for (std::size_t at = out.find("<filter-start>"); at != std::string::npos; at = out.find("<filter-start>", at + 1))
  {
    ++log.starts;
  }
  for (std::size_t at = out.find("</filter-end>"); at != std::string::npos; at = out.find("</filter-end>", at + 1))
  {
    ++log.ends;
  }
  return log;
}

std::map<std::string, std::string>
ReadReturnParameters(const fs::path & file)
{
  std::map<std::string, std::string> values;
  std::istringstream                 in(test::ReadText(file));
  for (std::string line; std::getline(in, line);)
  {
    const auto eq = line.find(" = ");
    EXPECT_NE(eq, std::string::npos) << line;
    if (eq != std::string::npos)
    {
      values[line.substr(0, eq)] = line.substr(eq + 3);
    }
  }
  return values;
}

ModuleDescription
SmallModule()
{
  ModuleDescription m;
  m.name = "Small";
  m.category = "Test";
  m.title = "Small module";
  m.description = "A module for the tests: <angle brackets> & ampersands are escaped.";
  Parameter mode = Setting(ParameterType::StringEnumeration, "mode", "Mode", "what to do", "fast");
  mode.elements = { "fast", "slow" };
  m.groups = {
    { "IO",
      "inputs and outputs",
      false,
      { InputImage("input", "Input", "input image", 0), OutputImage("output", "Output", "labels", "input"),
        ReturnValue(ParameterType::Double, "volume", "Volume", "a number") } },
    { "Settings",
      "settings",
      true,
      { Setting(ParameterType::Double, "threshold", "Threshold", "a threshold", "0.5", Constraints{ 0, 1, 0.1 }),
        Setting(ParameterType::Integer, "count", "Count", "a count", "3"),
        Setting(ParameterType::Boolean, "verbose", "Verbose", "say more", "false"), mode } }
  };
  return m;
}
} // namespace

// --- The framework ---

TEST(SlicerModuleDescription, XmlIsWellFormedAndDeclaresEveryParameter)
{
  const ParsedXml xml = ParseModuleXml(ToXml(SmallModule()));
  ASSERT_TRUE(xml.wellFormed) << xml.error;
  EXPECT_EQ(xml.root, "executable");
  ASSERT_EQ(xml.parameters.size(), 7u);
  EXPECT_EQ(xml.parameters[0].name, "input");
  EXPECT_EQ(xml.parameters[0].index, 0);
  EXPECT_TRUE(xml.parameters[0].longflag.empty());
  EXPECT_EQ(xml.parameters[1].longflag, "--output");
  EXPECT_EQ(xml.parameters[1].type, "label");
  EXPECT_EQ(xml.parameters[1].channel, "output");
  EXPECT_TRUE(xml.parameters[2].longflag.empty()); // return parameter: output channel, no flag, no index
  EXPECT_EQ(xml.parameters[2].channel, "output");
  EXPECT_EQ(xml.parameters[6].elements, (std::vector<std::string>{ "fast", "slow" }));
}

TEST(SlicerModuleDescription, RulesOfTheExecutionModelAreEnforced)
{
  ModuleDescription m = SmallModule();
  m.groups[1].parameters[2].defaultValue = "true"; // Slicer can never pass a true boolean's "false"
  EXPECT_THROW(ToXml(m), std::logic_error);
  m = SmallModule();
  m.groups[0].parameters[0].index = 1; // indexes must start at 0
  EXPECT_THROW(ToXml(m), std::logic_error);
  m = SmallModule();
  m.groups[1].parameters.push_back(m.groups[1].parameters[0]); // duplicate name
  EXPECT_THROW(ToXml(m), std::logic_error);
  m = SmallModule();
  m.groups[1].parameters[3].defaultValue = "medium"; // not an element
  EXPECT_THROW(ToXml(m), std::logic_error);
}

TEST(SlicerModuleCommandLine, ParsesFlagsSwitchesAndPositionalsAsTheXmlDeclares)
{
  const ModuleDescription m = SmallModule();
  const CommandLine       line =
    ParseCommandLine(m, { "--threshold", "0.25", "in.nrrd", "--count=7", "--verbose", "--returnparameterfile", "r.txt",
                          "--processinformationaddress", "0x1234", "--mode", "slow", "--output", "out.nrrd" });
  EXPECT_EQ(line.values.Text("input"), "in.nrrd");
  EXPECT_DOUBLE_EQ(line.values.Double("threshold"), 0.25);
  EXPECT_EQ(line.values.Integer("count"), 7);
  EXPECT_TRUE(line.values.Boolean("verbose"));
  EXPECT_EQ(line.values.Text("mode"), "slow");
  EXPECT_EQ(*line.values.Path("output"), fs::path("out.nrrd"));
  EXPECT_EQ(line.returnParameterFile, "r.txt");
  EXPECT_EQ(line.processInformationAddress, "0x1234");

  const CommandLine defaults = ParseCommandLine(m, { "in.nrrd" });
  EXPECT_DOUBLE_EQ(defaults.values.Double("threshold"), 0.5);
  EXPECT_FALSE(defaults.values.Boolean("verbose"));
  EXPECT_FALSE(defaults.values.Path("output").has_value());
}

TEST(SlicerModuleCommandLine, RejectsWhatTheXmlDoesNotDeclare)
{
  const ModuleDescription                     m = SmallModule();
  const std::vector<std::vector<std::string>> bad = {
    {},                                            // missing positional input
    { "in.nrrd", "extra.nrrd" },                   // one positional too many
    { "in.nrrd", "--bogus", "1" },                 // unknown flag
    { "in.nrrd", "--threshold", "abc" },           // not a number
    { "in.nrrd", "--threshold", "0.5x" },          // trailing characters
    { "in.nrrd", "--count", "2.5" },               // not an integer
    { "in.nrrd", "--mode", "medium" },             // not an element
    { "in.nrrd", "--threshold" },                  // missing value
    { "in.nrrd", "--count", "1", "--count", "2" }, // repeated
    { "in.nrrd", "--verbose=true" },               // switches take no value
    { "in.nrrd", "--volume", "3" },                // return parameters have no flag
    { "in.nrrd", "--input", "x.nrrd" },            // positional parameters have no flag
  };
  for (const auto & arguments : bad)
  {
    std::string joined;
    for (const auto & a : arguments)
    {
      joined += a + ' ';
    }
    EXPECT_THROW(ParseCommandLine(m, arguments), ArgumentError) << joined;
  }
}

TEST(SlicerModuleRun, ProgressIsOneBlockPerStageAndNeverDecreases)
{
  std::ostringstream out;
  StageProgress      progress(out);
  progress.Report("loading", 0.0);
  progress.Report("segmentation", 0.3);
  progress.Report("segmentation", 0.2); // a late report from another task does not move it back
  progress.Report("registration", 0.7);
  progress.Finish();
  const ProgressLog log = ParseProgress(out.str());
  EXPECT_EQ(log.stages, (std::vector<std::string>{ "loading", "segmentation", "registration" }));
  EXPECT_EQ(log.starts, 3);
  EXPECT_EQ(log.ends, 3);
  EXPECT_EQ(log.progress, (std::vector<double>{ 0.0, 0.3, 0.3, 0.7, 1.0 }));
}

TEST(SlicerModuleRun, ReturnParametersMustAllBeSetAndDeclared)
{
  const ModuleDescription m = SmallModule();
  std::ostringstream      out;
  StageProgress           progress(out);
  ModuleRun               run(m, ParseCommandLine(m, { "in.nrrd" }).values, progress);
  EXPECT_THROW(run.ReturnParameterText(), std::logic_error);
  EXPECT_THROW(run.Return("threshold", 1.0), std::logic_error);
  run.Return("volume", 12.5);
  EXPECT_EQ(run.ReturnParameterText(), "volume = 12.5\n");
}

// --- The module executables ---

class SlicerModuleExecutable : public ::testing::TestWithParam<std::string>
{};

TEST_P(SlicerModuleExecutable, XmlAloneOnStdoutMatchesTheXmlFileInTheTree)
{
  const fs::path exe = ModuleExecutable(GetParam());
  const auto     r = RunCommand(Quote(exe) + " --xml 2>/dev/null");
  ASSERT_EQ(r.exitCode, 0);
  EXPECT_EQ(r.output.rfind("<?xml", 0), 0u) << "nothing may precede the XML";
  const ParsedXml xml = ParseModuleXml(r.output);
  ASSERT_TRUE(xml.wellFormed) << xml.error;
  EXPECT_EQ(xml.root, "executable");
  const fs::path file = fs::path(CORDRESPONSE_SOURCE_DIR) / "modules" / "slicer" / GetParam() / (GetParam() + ".xml");
  EXPECT_EQ(r.output, test::ReadText(file))
    << file << " is out of date: rebuild the target cordresponse_update_slicer_xml and commit the XML";
}

TEST_P(SlicerModuleExecutable, AcceptsEveryDeclaredParameterAndNothingElse)
{
  const fs::path  exe = ModuleExecutable(GetParam());
  const ParsedXml xml = ParseModuleXml(RunCommand(Quote(exe) + " --xml 2>/dev/null").output);
  ASSERT_TRUE(xml.wellFormed);
  // The positional arguments and every flag with a valid value: parsing succeeds (--help stops before running).
  std::string arguments;
  int         flags = 0;
  for (const auto & p : xml.parameters)
  {
    if (p.index >= 0)
    {
      arguments += " " + Quote(SampleValue(p));
    }
    else if (!p.longflag.empty())
    {
      ++flags;
      arguments += " " + p.longflag + (p.element == "boolean" ? "" : " " + Quote(SampleValue(p)));
    }
  }
  EXPECT_GT(flags, 5);
  const auto accepted = RunCommand(Quote(exe) + arguments + " --help");
  EXPECT_EQ(accepted.exitCode, 0) << accepted.output;
  const std::string positional = arguments.substr(0, arguments.find(" --"));
  for (const char * unknown : { "--noSuchParameter 1", "-x", "--xml2" })
  {
    const auto r = RunCommand(Quote(exe) + positional + " " + unknown + " --help");
    EXPECT_EQ(r.exitCode, 2) << unknown;
    EXPECT_NE(r.output.find("unknown argument"), std::string::npos) << r.output;
  }
  const auto help = RunCommand(Quote(exe) + " --help");
  EXPECT_EQ(help.exitCode, 0);
  for (const auto & p : xml.parameters)
  {
    EXPECT_NE(help.output.find(p.longflag.empty() ? p.name : p.longflag), std::string::npos) << p.name;
  }
}

INSTANTIATE_TEST_SUITE_P(Modules, SlicerModuleExecutable, ::testing::ValuesIn(ModuleNames));

class SlicerModulesOnPhantom : public ::testing::Test
{
protected:
  static void
  SetUpTestSuite()
  {
    s_Directory = new test::TemporaryDirectory;
    WritePhantomCase(MakePhantomCase("partial-response", 1, PhantomGrid::Test), s_Directory->Path() / "case");
  }
  static void
  TearDownTestSuite()
  {
    delete s_Directory;
    s_Directory = nullptr;
  }
  static fs::path
  Input(const std::string & exam, const std::string & file)
  {
    return s_Directory->Path() / "case" / exam / file;
  }
  static test::TemporaryDirectory * s_Directory;
};
test::TemporaryDirectory * SlicerModulesOnPhantom::s_Directory = nullptr;

TEST_F(SlicerModulesOnPhantom, LongitudinalModuleRunsAsSlicerRunsIt)
{
  test::TemporaryDirectory out; // Slicer passes paths in its temporary directory
  const std::string        command =
    Quote(ModuleExecutable("CordLesionResponse")) + " --baselineT2 " + Quote(Input("baseline", "t2.nii.gz")) +
    " --followupT2 " + Quote(Input("followup", "t2.nii.gz")) + " --baselineLesions " + Quote(out / "bl.nrrd") +
    " --followupLesions " + Quote(out / "fl.nrrd") + " --baselineEdema " + Quote(out / "be.nrrd") +
    " --followupEdema " + Quote(out / "fe.nrrd") + " --outputTransform " + Quote(out / "t.tfm") + " --lesionTable " +
    Quote(out / "lesions.tsv") + " --lesionColorTable " + Quote(out / "lesions.ctbl") + " --reportDirectory " +
    Quote(out / "report") + " --returnparameterfile " + Quote(out / "returned.txt") + " " +
    Quote(Input("baseline", "t1post.nii.gz")) + " " + Quote(Input("followup", "t1post.nii.gz")) + " 2>&1";
  const auto r = RunCommand(command);
  ASSERT_EQ(r.exitCode, 0) << r.output;

  const ProgressLog log = ParseProgress(r.output);
  ASSERT_GE(log.stages.size(), 3u);
  EXPECT_EQ(log.starts, log.ends);
  EXPECT_TRUE(std::is_sorted(log.progress.begin(), log.progress.end()));
  EXPECT_DOUBLE_EQ(log.progress.back(), 1.0);

  for (const char * file : { "bl.nrrd", "fl.nrrd", "be.nrrd", "fe.nrrd" })
  {
    EXPECT_NO_THROW(LoadLabelImage(out / file)) << file;
  }
  const auto baselineT1 = LoadImage(Input("baseline", "t1post.nii.gz"));
  EXPECT_TRUE(test::SameGeometry(LoadLabelImage(out / "bl.nrrd"), baselineT1));

  const auto report = nlohmann::json::parse(test::ReadText(out / "report" / "report.json"));
  const auto returned = ReadReturnParameters(out / "returned.txt");
  ASSERT_EQ(returned.size(), 10u);
  const auto & tps = report["timepoints"];
  const auto   near = [&](const std::string & name, double expected) {
    EXPECT_NEAR(std::stod(returned.at(name)), expected, 1e-6 * std::max(1.0, std::abs(expected))) << name;
  };
  near("baselineEnhancingVolume", tps[0]["enhancing"]["total_partial_volume_mm3"]);
  near("followupEnhancingVolume", tps[1]["enhancing"]["total_partial_volume_mm3"]);
  near("enhancingVolumeChange", report["change"]["enhancing_volume_pct"]);
  near("baselineEdemaVolume", tps[0]["edema"]["volume_mm3"]);
  near("followupEdemaVolume", tps[1]["edema"]["volume_mm3"]);
  near("edemaVolumeChange", report["change"]["edema_volume_pct"]);
  EXPECT_EQ(std::stoi(returned.at("baselineLesionCount")), tps[0]["enhancing"]["lesion_count"].get<int>());
  EXPECT_EQ(std::stoi(returned.at("followupLesionCount")), tps[1]["enhancing"]["lesion_count"].get<int>());
  EXPECT_EQ(returned.at("ranoBmResponse"), report["response"]["rano_bm"]["category"].get<std::string>());
  EXPECT_EQ(returned.at("volumetricResponse"), report["response"]["volumetric"]["category"].get<std::string>());
  EXPECT_GT(std::stod(returned.at("baselineEnhancingVolume")), 0.0);

  // The table has a header and one row per focus of either exam; the colour table names the foci.
  const std::string table = test::ReadText(out / "lesions.tsv");
  EXPECT_EQ(table.rfind("case_id\ttimepoint\tlesion_id\t", 0), 0u);
  const auto rows = std::count(table.begin(), table.end(), '\n') - 1;
  EXPECT_EQ(rows, tps[0]["enhancing"]["lesion_count"].get<int>() + tps[1]["enhancing"]["lesion_count"].get<int>());
  EXPECT_NE(test::ReadText(out / "lesions.ctbl").find("1 focus_1"), std::string::npos);
}

TEST_F(SlicerModulesOnPhantom, SegmentationAndRegistrationModulesRun)
{
  test::TemporaryDirectory out;
  auto                     r = RunCommand(Quote(ModuleExecutable("CordLesionSegmentation")) + " --t2 " +
                                          Quote(Input("baseline", "t2.nii.gz")) + " --lesions " + Quote(out / "l.nii.gz") + " --cord " +
                                          Quote(out / "c.nii.gz") + " --returnparameterfile " + Quote(out / "s.txt") +
                                          " --fociSeedEnhancement 0.5 " + Quote(Input("baseline", "t1post.nii.gz")) + " 2>&1");
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const auto segmentation = ReadReturnParameters(out / "s.txt");
  EXPECT_GE(std::stoi(segmentation.at("lesionCount")), 1);
  EXPECT_GT(std::stod(segmentation.at("cordVolume")), 0.0);
  EXPECT_EQ(segmentation.at("cordSource"), "automatic (T2)");
  EXPECT_DOUBLE_EQ(ParseProgress(r.output).progress.back(), 1.0);

  r = RunCommand(Quote(ModuleExecutable("CordFollowupRegistration")) + " --outputTransform " + Quote(out / "f.tfm") +
                 " --resampledVolume " + Quote(out / "resampled.nrrd") + " --returnparameterfile " +
                 Quote(out / "r.txt") + " " + Quote(Input("baseline", "t1post.nii.gz")) + " " +
                 Quote(Input("followup", "t1post.nii.gz")) + " 2>&1");
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_TRUE(fs::exists(out / "f.tfm"));
  EXPECT_TRUE(test::SameGeometry(LoadImage(out / "resampled.nrrd"), LoadImage(Input("baseline", "t1post.nii.gz"))));
  EXPECT_LT(std::stod(ReadReturnParameters(out / "r.txt").at("metricValue")), 0.0);
}

TEST_F(SlicerModulesOnPhantom, BadInputFailsNamingTheFileAndLeavesNoOutput)
{
  test::TemporaryDirectory out;
  test::WriteText(out / "corrupt.nii.gz", "not an image");
  const auto r = RunCommand(Quote(ModuleExecutable("CordLesionResponse")) + " --baselineLesions " +
                            Quote(out / "bl.nrrd") + " --returnparameterfile " + Quote(out / "returned.txt") + " " +
                            Quote(Input("baseline", "t1post.nii.gz")) + " " + Quote(out / "corrupt.nii.gz") + " 2>&1");
  EXPECT_EQ(r.exitCode, 1) << r.output;
  EXPECT_NE(r.output.find("corrupt.nii.gz"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(out / "bl.nrrd"));
  EXPECT_FALSE(fs::exists(out / "returned.txt"));
  const auto missing =
    RunCommand(Quote(ModuleExecutable("CordFollowupRegistration")) + " " + Quote(out / "absent.nii.gz") + " " +
               Quote(Input("followup", "t1post.nii.gz")) + " 2>&1");
  EXPECT_EQ(missing.exitCode, 1);
  EXPECT_NE(missing.output.find("absent.nii.gz"), std::string::npos) << missing.output;
}

TEST(SlicerExtension, CatalogEntryFollowsTheCatalogSchema)
{
  // The rules of Slicer's slicer-extension-catalog-entry-schema-v1.0.2: three required keys, no others than
  // the schema's, and their types.
  const auto entry = nlohmann::json::parse(
    test::ReadText(fs::path(CORDRESPONSE_SOURCE_DIR) / "modules" / "slicer" / "CordResponse.json"));
  for (const char * required : { "$schema", "category", "scm_url" })
  {
    EXPECT_TRUE(entry.contains(required)) << required;
  }
  const std::set<std::string> allowed = { "$schema",
                                          "category",
                                          "scm_url",
                                          "scm_revision",
                                          "scm_type",
                                          "build_dependencies",
                                          "dicom_support_rule",
                                          "build_subdirectory",
                                          "enabled",
                                          "tier" };
  for (const auto & [key, value] : entry.items())
  {
    EXPECT_TRUE(allowed.count(key)) << key;
  }
  EXPECT_TRUE(entry["$schema"].get<std::string>().find("catalog-entry-schema-v1.0.2") != std::string::npos);
  EXPECT_TRUE(entry["scm_type"] == "git" || entry["scm_type"] == "local");
  EXPECT_TRUE(entry["build_dependencies"].is_array());
  EXPECT_TRUE(entry["enabled"].is_boolean());
  EXPECT_GE(entry["tier"].get<int>(), 1);
  EXPECT_LE(entry["tier"].get<int>(), 5);
}
