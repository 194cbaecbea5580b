// CordLesionSegmentation: one exam's spinal cord, enhancing intramedullary foci, T2 edema and vertebral levels as
// a 3D Slicer CLI module. The exam's other sequences are registered to its T1 post-contrast image first. The
// interface is the description below; CordLesionSegmentation.xml is generated from it.
#include "CordResponseModule.h"

#ifdef CORDRESPONSE_SEM_BUILD
#include "CordLesionSegmentationCLP.h"
#include "CordLesionSegmentationSemCommandLine.h"
#endif

namespace {
using namespace cordresponse;
using namespace cordresponse::slicer;

ModuleDescription
Describe()
{
  ModuleDescription m = CordResponseModuleDescription(
    "CordLesionSegmentation", "Cord Lesion Segmentation",
    "Segments one spinal MRI exam: the spinal cord (automatic, or a given mask), the enhancing intramedullary foci "
    "(T1 post-contrast, with the T1 pre-contrast subtraction when given; extramedullary enhancement rejected), the "
    "T2-hyperintense cord edema and the vertebral levels, and measures every focus.");
  m.groups.push_back(ExamInputGroup("", "Input", 0));
  m.groups.push_back(
    { "Outputs",
      "Label maps on the T1 post-contrast grid",
      false,
      { OutputImage("lesions", "Lesions", "enhancing foci by focus id", "t1post"),
        OutputImage("edema", "Edema", "T2 cord edema (1)", "t1post"),
        OutputImage("cord", "Cord", "spinal cord (1)", "t1post"),
        OutputImage("levels", "Vertebral levels",
                    "cord labelled by vertebral level (SCT numbering: 1 = C1 ... 24 = L5; needs vertebral labels)",
                    "t1post"),
        LesionTableOutput("the exam"), LesionColorTableOutput() } });
  m.groups.push_back(
    { "Results",
      "Headline numbers",
      false,
      { ReturnValue(ParameterType::Double, "enhancingVolume", "Enhancing volume", "total enhancing volume (mm^3)"),
        ReturnValue(ParameterType::Integer, "lesionCount", "Foci", "number of enhancing foci"),
        ReturnValue(ParameterType::Double, "edemaVolume", "Edema volume", "edema volume (mm^3)"),
        ReturnValue(ParameterType::Double, "cordVolume", "Cord volume",
                    "spinal cord volume in the field of view (mm^3)"),
        ReturnValue(ParameterType::String, "cordSource", "Cord source",
                    "where the cord came from: user mask or automatic (which image)") } });
  m.groups.push_back(PreprocessingParameterGroup());
  m.groups.push_back(SegmentationParameterGroup());
  return m;
}

void
Run(ModuleRun & run)
{
  const ParameterValues & values = run.Arguments();
  const TimepointInputs   exam = ExamInputsFrom(values, "", "exam");
  RunOptions              options;
  options.segmentation = SegmentationParametersFrom(values);
  options.biasCorrection = BiasCorrectionParametersFrom(values);
  const CaseResult                                      result = RunCaseForModule(run, { "slicer", { exam } }, options);
  const TimepointResult &                               t = result.timepoints.front();
  const std::pair<const char *, const LabelImageType *> labelMaps[] = { { "lesions", t.segmentation.lesions },
                                                                        { "edema", t.segmentation.edema },
                                                                        { "cord", t.segmentation.cord },
                                                                        { "levels", t.segmentation.levels } };
  for (const auto & [name, image] : labelMaps)
  {
    if (const auto path = run.Output(name))
    {
      if (image == nullptr)
      {
        throw std::runtime_error(std::string("no ") + name + " map: give vertebral labels to get one");
      }
      SaveLabelImage(image, *path);
    }
  }
  WriteLesionTables(run, result);
  run.Return("enhancingVolume", EnhancingVolumeMm3(t));
  run.Return("lesionCount", static_cast<int>(t.lesionMeasurements.size()));
  run.Return("edemaVolume", t.edemaMeasurement.volumeMm3);
  run.Return("cordVolume", t.cordVolumeMm3);
  run.Return("cordSource", t.segmentation.cordSource);
}
} // namespace

CORDRESPONSE_MODULE_MAIN(Describe, Run)
