// CordLesionResponse: the longitudinal analysis of one case as a 3D Slicer CLI module (baseline and follow-up
// exams in; lesion, edema and cord label maps, the follow-up-to-baseline transform, a lesion table and the
// headline numbers out). The interface is the description below; CordLesionResponse.xml is generated from it.
#include "CordResponseModule.h"

#ifdef CORDRESPONSE_SEM_BUILD
#include "CordLesionResponseCLP.h"
#include "CordLesionResponseSemCommandLine.h"
#endif

#include "cordresponse/Transforms.h"

namespace {
using namespace cordresponse;
using namespace cordresponse::slicer;

ModuleDescription
Describe()
{
  ModuleDescription m = CordResponseModuleDescription(
    "CordLesionResponse", "Cord Lesion Response",
    "Response of intramedullary spinal cord lesions between a baseline and a follow-up MRI exam: registers the "
    "follow-up onto the baseline, segments the cord, the enhancing foci and the T2 edema of each exam, measures and "
    "matches the foci, and classifies the response (RANO-BM and volumetric).");
  m.groups.push_back(ExamInputGroup("baseline", "Baseline", 0));
  m.groups.push_back(ExamInputGroup("followup", "Follow-up", 1));
  m.groups.back().parameters.push_back(LinearTransformParameter(
    "initialTransform", "Existing follow-up transform",
    "Follow-up-to-baseline linear transform to use instead of registering (ITK convention: maps a baseline point "
    "to the follow-up point; the transform this module outputs)",
    Channel::Input));
  const Parameter transform = LinearTransformParameter(
    "outputTransform", "Follow-up to baseline transform",
    "The registration result; applied to the follow-up volumes it aligns them with the baseline (ITK file: maps a "
    "baseline point to the follow-up point, LPS mm)",
    Channel::Output, "followupT1post");
  Parameter reports;
  reports.type = ParameterType::Directory;
  reports.name = "reportDirectory";
  reports.label = "Report directory";
  reports.description = "Directory for the full report: report.json, lesions.csv, label maps, QC images, report.html";
  reports.channel = Channel::Output;
  m.groups.push_back(
    { "Outputs",
      "Label maps on each exam's T1 post-contrast grid",
      false,
      { OutputImage("baselineLesions", "Baseline lesions", "enhancing foci of the baseline, by focus id",
                    "baselineT1post"),
        OutputImage("followupLesions", "Follow-up lesions", "enhancing foci of the follow-up, by focus id",
                    "followupT1post"),
        OutputImage("baselineEdema", "Baseline edema", "T2 cord edema of the baseline (1)", "baselineT1post"),
        OutputImage("followupEdema", "Follow-up edema", "T2 cord edema of the follow-up (1)", "followupT1post"),
        OutputImage("baselineCord", "Baseline cord", "spinal cord of the baseline (1)", "baselineT1post"),
        OutputImage("followupCord", "Follow-up cord", "spinal cord of the follow-up (1)", "followupT1post"), transform,
        LesionTableOutput("each exam"), LesionColorTableOutput(), reports } });
  m.groups.push_back(
    { "Results",
      "Headline numbers (volumes in mm^3, changes in percent of the baseline)",
      false,
      { ReturnValue(ParameterType::Double, "baselineEnhancingVolume", "Baseline enhancing volume",
                    "total enhancing volume of the baseline (mm^3)"),
        ReturnValue(ParameterType::Double, "followupEnhancingVolume", "Follow-up enhancing volume",
                    "total enhancing volume of the follow-up (mm^3)"),
        ReturnValue(ParameterType::Double, "enhancingVolumeChange", "Enhancing volume change",
                    "follow-up versus baseline enhancing volume (%)"),
        ReturnValue(ParameterType::Double, "baselineEdemaVolume", "Baseline edema volume",
                    "edema volume of the baseline (mm^3)"),
        ReturnValue(ParameterType::Double, "followupEdemaVolume", "Follow-up edema volume",
                    "edema volume of the follow-up (mm^3)"),
        ReturnValue(ParameterType::Double, "edemaVolumeChange", "Edema volume change",
                    "follow-up versus baseline edema volume (%)"),
        ReturnValue(ParameterType::Integer, "baselineLesionCount", "Baseline foci", "enhancing foci at baseline"),
        ReturnValue(ParameterType::Integer, "followupLesionCount", "Follow-up foci", "enhancing foci at follow-up"),
        ReturnValue(ParameterType::String, "ranoBmResponse", "RANO-BM response", "CR, PR, SD or PD"),
        ReturnValue(ParameterType::String, "volumetricResponse", "Volumetric response", "CR, PR, SD or PD") } });
  m.groups.push_back(PreprocessingParameterGroup());
  m.groups.push_back(RegistrationParameterGroup());
  m.groups.push_back(SegmentationParameterGroup());
  return m;
}

void
Run(ModuleRun & run)
{
  const ParameterValues & values = run.Arguments();
  CaseInputs              inputs;
  inputs.id = "slicer";
  inputs.timepoints = { ExamInputsFrom(values, "baseline", "baseline"),
                        ExamInputsFrom(values, "followup", "followup") };
  if (const auto given = values.Path("initialTransform"))
  {
    inputs.timepoints[1].transformToBaseline = std::filesystem::absolute(*given);
  }
  RunOptions options;
  options.registration = RegistrationParametersFrom(values);
  options.segmentation = SegmentationParametersFrom(values);
  options.biasCorrection = BiasCorrectionParametersFrom(values);
  const auto reportDirectory = run.Output("reportDirectory");
  options.qcImages = reportDirectory.has_value();
  const CaseResult                                      result = RunCaseForModule(run, inputs, options);
  const TimepointResult &                               baseline = result.timepoints[0];
  const TimepointResult &                               followup = result.timepoints[1];
  const std::pair<const char *, const LabelImageType *> labelMaps[] = {
    { "baselineLesions", baseline.segmentation.lesions }, { "followupLesions", followup.segmentation.lesions },
    { "baselineEdema", baseline.segmentation.edema },     { "followupEdema", followup.segmentation.edema },
    { "baselineCord", baseline.segmentation.cord },       { "followupCord", followup.segmentation.cord }
  };
  for (const auto & [name, image] : labelMaps)
  {
    if (const auto path = run.Output(name))
    {
      SaveLabelImage(image, *path);
    }
  }
  if (const auto path = run.Output("outputTransform"))
  {
    WriteTransformFile(followup.toBaseline, *path);
  }
  WriteLesionTables(run, result);
  if (reportDirectory)
  {
    options.outputDirectory = *reportDirectory;
    WriteCaseReports(result, options);
  }

  const ResponseAssessment & response = result.responses.front();
  run.Return("baselineEnhancingVolume", EnhancingVolumeMm3(baseline));
  run.Return("followupEnhancingVolume", EnhancingVolumeMm3(followup));
  run.Return("enhancingVolumeChange", PercentChange(EnhancingVolumeMm3(baseline), EnhancingVolumeMm3(followup)));
  run.Return("baselineEdemaVolume", baseline.edemaMeasurement.volumeMm3);
  run.Return("followupEdemaVolume", followup.edemaMeasurement.volumeMm3);
  run.Return("edemaVolumeChange",
             PercentChange(baseline.edemaMeasurement.volumeMm3, followup.edemaMeasurement.volumeMm3));
  run.Return("baselineLesionCount", static_cast<int>(baseline.lesionMeasurements.size()));
  run.Return("followupLesionCount", static_cast<int>(followup.lesionMeasurements.size()));
  run.Return("ranoBmResponse", response.ranoBm);
  run.Return("volumetricResponse", response.volumetric);
}
} // namespace

CORDRESPONSE_MODULE_MAIN(Describe, Run)
