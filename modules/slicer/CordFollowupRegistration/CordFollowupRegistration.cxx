// CordFollowupRegistration: a follow-up spinal MRI onto the baseline (rigid, optionally affine) as a 3D Slicer
// CLI module. The interface is the description below; CordFollowupRegistration.xml is generated from it.
#include "CordResponseModule.h"

#ifdef CORDRESPONSE_SEM_BUILD
#include "CordFollowupRegistrationCLP.h"
#include "CordFollowupRegistrationSemCommandLine.h"
#endif

#include "cordresponse/Errors.h"
#include "cordresponse/LevelCorrespondence.h"
#include "cordresponse/Transforms.h"

namespace {
using namespace cordresponse;
using namespace cordresponse::slicer;

ModuleDescription
Describe()
{
  ModuleDescription m = CordResponseModuleDescription(
    "CordFollowupRegistration", "Cord Follow-up Registration",
    "Registers a follow-up spinal MRI (moving) onto the baseline (fixed), usually both T1 post-contrast: centroid "
    "alignment and a multi-start search over rotations and cranio-caudal offsets, then versor rigid (optionally "
    "affine) optimisation of Mattes mutual information over three resolutions that never shrink thick slices.");
  const Parameter transform = LinearTransformParameter(
    "outputTransform", "Follow-up to baseline transform",
    "Applied to the follow-up volume in Slicer it aligns it with the baseline (ITK file: maps a baseline point to "
    "the follow-up point, LPS mm)",
    Channel::Output, "movingVolume");
  m.groups.push_back(
    { "Input and output",
      "The two exams and the results",
      false,
      { InputImage("fixedVolume", "Baseline volume", "baseline image (fixed)", 0),
        InputImage("movingVolume", "Follow-up volume", "follow-up image (moving)", 1),
        InputImage("fixedMask", "Baseline spine mask",
                   "optional spine or cord mask on the baseline grid restricting the metric (dilated)", std::nullopt,
                   "label"),
        InputImage("fixedLevels", "Baseline vertebral labels",
                   "optional SCT disc labels or cord labelled by level of the baseline; with the follow-up's, the "
                   "registration starts where the same levels lie in both exams",
                   std::nullopt, "label"),
        InputImage("movingLevels", "Follow-up vertebral labels",
                   "optional vertebral labels of the follow-up, of the same kind and numbering as the baseline's",
                   std::nullopt, "label"),
        transform,
        OutputImage("resampledVolume", "Resampled follow-up", "the follow-up resampled onto the baseline grid (linear)",
                    "fixedVolume", "scalar") } });
  m.groups.push_back(
    { "Results",
      "Registration summary",
      false,
      { ReturnValue(ParameterType::Double, "metricValue", "Final metric",
                    "Mattes mutual information (lower is better)"),
        ReturnValue(ParameterType::Double, "rotationDegrees", "Rotation", "rotation angle of the transform (degrees)"),
        ReturnValue(ParameterType::Double, "translationMm", "Translation",
                    "translation at the centre of the region (mm)") } });
  m.groups.push_back(RegistrationParameterGroup());
  return m;
}

void
Run(ModuleRun & run)
{
  const ParameterValues & values = run.Arguments();
  run.Progress("loading", 0.0, "Loading the baseline and follow-up volumes");
  const auto              fixedPath = *values.Path("fixedVolume");
  const auto              movingPath = *values.Path("movingVolume");
  const auto              fixed = LoadImage(fixedPath);
  const auto              moving = LoadImage(movingPath);
  LabelImageType::Pointer mask;
  if (const auto maskPath = values.Path("fixedMask"))
  {
    mask = LoadLabelImage(*maskPath);
    RequireNonEmpty(mask, *maskPath, "spine mask");
  }
  const auto                           fixedLevels = values.Path("fixedLevels");
  const auto                           movingLevels = values.Path("movingLevels");
  std::optional<std::array<double, 3>> levelStart;
  if (fixedLevels.has_value() != movingLevels.has_value())
  {
    throw InputError(fixedLevels ? *fixedLevels : *movingLevels,
                     "the baseline and follow-up vertebral labels go together");
  }
  if (fixedLevels)
  {
    levelStart = LevelCorrespondenceFromFiles(*fixedLevels, *movingLevels);
  }
  run.Progress("registration", 0.1, "Registering the follow-up onto the baseline (multi-start rigid)");
  RegistrationResult result;
  try
  {
    result = RegisterLongitudinal(fixed, moving, mask, RegistrationParametersFrom(values), nullptr, levelStart);
  }
  catch (const NoOverlapError & e)
  {
    throw InputError(movingPath, "does not overlap " + fixedPath.string() + ": " + e.what());
  }
  catch (const std::invalid_argument & e)
  {
    throw InputError(values.Path("fixedMask").value_or(fixedPath), e.what());
  }
  run.Progress("writing outputs", 0.9, PipelineStageComment("writing outputs"));
  if (const auto path = run.Output("outputTransform"))
  {
    WriteTransformFile(result.transform, *path);
  }
  if (const auto path = run.Output("resampledVolume"))
  {
    SaveImage(ResampleToReference(moving, fixed, result.transform), *path);
  }
  run.Return("metricValue", result.metricValue);
  run.Return("rotationDegrees", result.rotationDegrees);
  run.Return("translationMm", result.translationMm);
}
} // namespace

CORDRESPONSE_MODULE_MAIN(Describe, Run)
