#ifndef cordresponse_slicer_CordResponseModule_h
#define cordresponse_slicer_CordResponseModule_h

#include "ModuleRun.h"

#include "cordresponse/CasePipeline.h"

/** What the CordResponse Slicer modules share: their metadata, the parameter groups generated from the
 *  pipeline's own parameter tables (so the Slicer form, the cordresponse CLI and report.json name and
 *  default every setting alike), and the process set-up. */
namespace cordresponse::slicer {

/** Category, version, license, contributor, documentation URL and acknowledgements of every module. */
ModuleDescription
CordResponseModuleDescription(const std::string & name, const std::string & title, const std::string & description);

/** A sentence for Slicer's progress message for a RunCase stage ("segmentation" -> "Segmenting ..."). */
std::string
PipelineStageComment(const std::string & stage);

/** One advanced group with a parameter per entry of SegmentationParameterFields() (its name, doc and default). */
ParameterGroup
SegmentationParameterGroup();
/** SegmentationParameters with the values of that group. */
SegmentationParameters
SegmentationParametersFrom(const ParameterValues & values);

/** A group with the preprocessing switch (`noBiasCorrection`: N4 bias-field correction is on by default). */
ParameterGroup
PreprocessingParameterGroup();
BiasCorrectionParameters
BiasCorrectionParametersFrom(const ParameterValues & values);

/** An advanced group with the user-facing registration settings (defaults from LongitudinalDefaults()). */
ParameterGroup
RegistrationParameterGroup();
RegistrationParameters
RegistrationParametersFrom(const ParameterValues & values);

/** One exam's input group: `<prefix>T1post` (positional `index`), `<prefix>T1pre`, `<prefix>T2`,
 *  `<prefix>CordMask`, `<prefix>VertebralLabels` (t1post, t1pre, ... with an empty prefix). */
ParameterGroup
ExamInputGroup(const std::string & prefix, const std::string & label, int index);
/** The TimepointInputs named by that group's values. */
TimepointInputs
ExamInputsFrom(const ParameterValues & values, const std::string & prefix, const std::string & label);

/** Output parameters the modules share: the lesion table (.tsv/.csv, the columns of lesions.csv) and the
 *  colour table naming the focus ids (.ctbl); `exams` says whose foci ("each exam", "the exam"). */
Parameter
LesionTableOutput(const std::string & exams);
Parameter
LesionColorTableOutput();
/** A linear transform parameter (.tfm/.h5): ITK convention, maps a baseline point to the follow-up point. */
Parameter
LinearTransformParameter(const std::string & name,
                         const std::string & label,
                         const std::string & description,
                         Channel             channel,
                         const std::string & reference = {});

/** RunCase with its progress mapped onto [0, 0.9] of the module's, then the "writing outputs" stage. */
CaseResult
RunCaseForModule(ModuleRun & run, const CaseInputs & inputs, const RunOptions & options);
/** Write the lesion table and colour table outputs, when requested. */
void
WriteLesionTables(ModuleRun & run, const CaseResult & result);

/** main() of a CordResponse module: ITK filters on oneTBB (one scheduler per process, as in the
 *  cordresponse tool), then RunModule(). */
int
RunCordResponseModule(const ModuleDescription & module, int argc, char ** argv, const ModuleBody & body);

/** The same after GenerateCLP's PARSE_ARGS (SEM builds): see CORDRESPONSE_MODULE_MAIN. */
int
RunCordResponseModule(const ModuleDescription &  module,
                      const CommandLine &        commandLine,
                      ModuleProcessInformation * processInformation,
                      const ModuleBody &         body);

} // namespace cordresponse::slicer

/** The main() of module NAME. Standalone: our parser reads argv from the module description. SEM builds
 *  (Slicer extension or SlicerExecutionModel_DIR): GenerateCLP's PARSE_ARGS, generated from NAME.xml, parses
 *  argv (and answers --xml and --echo); CORDRESPONSE_SEM_COMMAND_LINE (NAMESemCommandLine.h, generated from
 *  the same XML by CMake) collects its variables. Both run the same body with the same values. */
#ifdef CORDRESPONSE_SEM_BUILD
#define CORDRESPONSE_MODULE_MAIN(describe, body)                                                                       \
  int main(int argc, char ** argv)                                                                                     \
  {                                                                                                                    \
    PARSE_ARGS;                                                                                                        \
    cordresponse::slicer::CommandLine parsedArguments; /* PARSE_ARGS declares commandLine */                           \
    parsedArguments.returnParameterFile = returnParameterFile;                                                         \
    CORDRESPONSE_SEM_COMMAND_LINE(parsedArguments.values);                                                             \
    return cordresponse::slicer::RunCordResponseModule(describe(), parsedArguments, CLPProcessInformation, body);      \
  }
#else
#define CORDRESPONSE_MODULE_MAIN(describe, body)                                                                       \
  int main(int argc, char ** argv)                                                                                     \
  {                                                                                                                    \
    return cordresponse::slicer::RunCordResponseModule(describe(), argc, argv, body);                                  \
  }
#endif

namespace cordresponse::slicer {} // namespace cordresponse::slicer

#endif
