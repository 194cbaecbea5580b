#include "CordResponseModule.h"

#include "cordresponse/AtomicFile.h"
#include "cordresponse/Text.h"
#include "cordresponse/Version.h"

#include "itkOneTBBMultiThreader.h"

#include <cctype>
#include <map>
#include <variant>

namespace cordresponse::slicer {
namespace {
/** "fociSeedEnhancement" -> "Foci seed enhancement". */
std::string
LabelFromName(const std::string & name)
{
  std::string label;
  for (char c : name)
  {
    if (std::isupper(static_cast<unsigned char>(c)))
    {
      label += ' ';
      label += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    else
    {
      label += label.empty() ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    }
  }
  return label;
}
} // namespace

ModuleDescription
CordResponseModuleDescription(const std::string & name, const std::string & title, const std::string & description)
{
  ModuleDescription m;
  m.name = name;
  m.category = "Quantification.Spinal Cord";
  m.title = title;
  m.description = description + " Coordinates are ITK physical space (LPS, millimetres); volumes are measured on "
                                "each exam's own grid.";
  m.version = CORDRESPONSE_VERSION_STRING;
  m.documentationUrl = "https://github.com/cordresponse/CordResponse/blob/main/docs/slicer.md";
  m.license = "Apache 2.0";
  m.contributor = "CordResponse developers";
  m.acknowledgements = "Built on ITK and oneTBB. Spinal levels follow the Spinal Cord Toolbox numbering.";
  return m;
}

std::string
PipelineStageComment(const std::string & stage)
{
  static const std::map<std::string, std::string> comments = {
    { "segmentation", "Loading, bias-correcting and segmenting each exam (cord, enhancing foci, edema)" },
    { "registration", "Registering the follow-up onto the baseline" },
    { "comparison", "Measuring, matching lesions across exams and classifying the response" },
    { "done", "Analysis complete" },
    { "writing outputs", "Writing label maps, transform and tables" }
  };
  const auto it = comments.find(stage);
  return it == comments.end() ? stage : it->second;
}

ParameterGroup
SegmentationParameterGroup()
{
  ParameterGroup group{
    "Segmentation", "Cord, enhancing foci and edema segmentation (docs/segmentation.md)", true, {}
  };
  const SegmentationParameters defaults;
  for (const auto & f : SegmentationParameterFields())
  {
    const bool isBoolean = std::holds_alternative<bool SegmentationParameters::*>(f.member);
    group.parameters.push_back(Setting(isBoolean ? ParameterType::Boolean : ParameterType::Double, f.name,
                                       LabelFromName(f.name), f.doc, f.Text(defaults)));
  }
  return group;
}

SegmentationParameters
SegmentationParametersFrom(const ParameterValues & values)
{
  SegmentationParameters p;
  for (const auto & f : SegmentationParameterFields())
  {
    if (values.Has(f.name))
    {
      f.Set(p, values.Text(f.name));
    }
  }
  return p;
}

ParameterGroup
PreprocessingParameterGroup()
{
  return { "Preprocessing",
           "Before alignment and segmentation (docs/preprocessing.md)",
           false,
           { Setting(ParameterType::Boolean, "noBiasCorrection", "No bias correction",
                     "use the images as read: skip the N4 bias-field correction (on by default)", "false") } };
}

BiasCorrectionParameters
BiasCorrectionParametersFrom(const ParameterValues & values)
{
  BiasCorrectionParameters p;
  p.enabled = !values.Boolean("noBiasCorrection");
  return p;
}

ParameterGroup
RegistrationParameterGroup()
{
  const RegistrationParameters d = LongitudinalDefaults();
  return { "Registration",
           "Follow-up onto baseline: multi-start versor rigid, Mattes mutual information (docs/registration.md)",
           true,
           { Setting(ParameterType::Boolean, "registrationAffine", "Affine stage",
                     "add an affine stage after the rigid one (scaling and shear)", "false"),
             Setting(ParameterType::Integer, "registrationHistogramBins", "Histogram bins",
                     "bins of the Mattes mutual information", std::to_string(d.histogramBins),
                     Constraints{ 8, 128, 1 }),
             Setting(ParameterType::Integer, "registrationSeed", "Sampling seed",
                     "seed of the metric's random sampling (same seed, same result)", std::to_string(d.seed)),
             Setting(ParameterType::Double, "registrationStartOffset", "Start offset (mm)",
                     "cranio-caudal offsets tried by the multi-start initialisation (+-, mm)",
                     ShortestText(d.startOffsetsMm.front()), Constraints{ 0, 100, 1 }) } };
}

RegistrationParameters
RegistrationParametersFrom(const ParameterValues & values)
{
  RegistrationParameters p = LongitudinalDefaults();
  p.affine = values.Boolean("registrationAffine");
  p.histogramBins = static_cast<unsigned int>(values.Integer("registrationHistogramBins"));
  p.seed = static_cast<std::uint32_t>(values.Integer("registrationSeed"));
  p.startOffsetsMm = { values.Double("registrationStartOffset") };
  return p;
}

namespace {
/** "<prefix>T1post", or "t1post" without a prefix. */
std::string
ExamParameterName(const std::string & prefix, const std::string & name)
{
  if (prefix.empty())
  {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(name[0]))) + name.substr(1);
  }
  return prefix + name;
}
} // namespace

ParameterGroup
ExamInputGroup(const std::string & prefix, const std::string & label, int index)
{
  const auto n = [&prefix](const char * name) { return ExamParameterName(prefix, name); };
  const auto l = [&prefix, &label](const char * text) { return prefix.empty() ? text : label + " " + text; };
  return { label + " exam",
           "The exam's images (T1 post-contrast required; the others optional, any grid)",
           false,
           { InputImage(n("T1post"), l("T1 post-contrast"), "T1-weighted image after gadolinium", index),
             InputImage(n("T1pre"), l("T1 pre-contrast"),
                        "T1-weighted image before gadolinium (enables the subtraction)"),
             InputImage(n("T2"), l("T2"), "T2-weighted image (enables the edema segmentation)"),
             InputImage(n("CordMask"), l("cord mask"),
                        "cord mask replacing the automatic segmentation (e.g. a Spinal Cord Toolbox _seg)",
                        std::nullopt, "label"),
             InputImage(n("VertebralLabels"), l("vertebral labels"),
                        "SCT disc labels (value N at the disc above vertebra N) or a cord mask labelled by level",
                        std::nullopt, "label") } };
}

TimepointInputs
ExamInputsFrom(const ParameterValues & values, const std::string & prefix, const std::string & label)
{
  const auto path = [&](const char * name) -> std::optional<std::filesystem::path> {
    const auto given = values.Path(ExamParameterName(prefix, name));
    return given ? std::optional(std::filesystem::absolute(*given)) : std::nullopt;
  };
  TimepointInputs t;
  t.label = label;
  t.t1post = *path("T1post");
  t.t1pre = path("T1pre");
  t.t2 = path("T2");
  t.cordMask = path("CordMask");
  t.vertebralLabels = path("VertebralLabels");
  return t;
}

Parameter
LesionTableOutput(const std::string & exams)
{
  Parameter p;
  p.type = ParameterType::Table;
  p.name = "lesionTable";
  p.label = "Lesion table";
  p.description =
    "One row per enhancing focus of " + exams +
    ": volume, diameters, extent, levels, enhancement, RANO-BM measurability (the columns of lesions.csv)";
  p.channel = Channel::Output;
  p.fileExtensions = ".tsv,.csv";
  return p;
}

Parameter
LesionColorTableOutput()
{
  Parameter p = LesionTableOutput("");
  p.name = "lesionColorTable";
  p.label = "Lesion colour table";
  p.description = "Colour table naming the focus ids of the lesion label maps (focus_<id>_<levels>)";
  p.subtype = "color";
  p.fileExtensions = ".ctbl";
  return p;
}

Parameter
LinearTransformParameter(const std::string & name,
                         const std::string & label,
                         const std::string & description,
                         Channel             channel,
                         const std::string & reference)
{
  Parameter p;
  p.type = ParameterType::Transform;
  p.name = name;
  p.label = label;
  p.description = description;
  p.channel = channel;
  p.subtype = "linear";
  p.fileExtensions = ".tfm,.h5";
  p.reference = reference;
  return p;
}

CaseResult
RunCaseForModule(ModuleRun & run, const CaseInputs & inputs, const RunOptions & options)
{
  CaseResult result = RunCase(inputs, options, [&run](const std::string & stage, double fraction) {
    run.Progress(stage, 0.9 * fraction, PipelineStageComment(stage));
  });
  run.Progress("writing outputs", 0.9, PipelineStageComment("writing outputs"));
  return result;
}

void
WriteLesionTables(ModuleRun & run, const CaseResult & result)
{
  if (const auto path = run.Output("lesionTable"))
  {
    WriteFileAtomically(*path, LesionTable(result, FullExtension(*path) == ".csv" ? ',' : '\t'));
  }
  if (const auto path = run.Output("lesionColorTable"))
  {
    WriteFileAtomically(*path, LesionColourTable(result));
  }
}

int
RunCordResponseModule(const ModuleDescription & module, int argc, char ** argv, const ModuleBody & body)
{
  itk::OneTBBMultiThreader::RegisterAsDefault();
  return RunModule(module, argc, argv, body);
}

int
RunCordResponseModule(const ModuleDescription &  module,
                      const CommandLine &        commandLine,
                      ModuleProcessInformation * processInformation,
                      const ModuleBody &         body)
{
  itk::OneTBBMultiThreader::RegisterAsDefault();
  return ExecuteModule(module, commandLine, processInformation, body);
}

} // namespace cordresponse::slicer
