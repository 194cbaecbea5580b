// `cordresponse register`: register one image pair (follow-up onto baseline, or one sequence onto another
// of the same exam), write the transform, optionally resample images and labels into baseline space.
#include "Commands.h"

#include "cordresponse/AtomicFile.h"
#include "cordresponse/Errors.h"
#include "cordresponse/ImageIO.h"
#include "cordresponse/LevelCorrespondence.h"
#include "cordresponse/Registration.h"
#include "cordresponse/Transforms.h"

#include "itkMultiThreaderBase.h"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <memory>
#include <optional>

namespace cordresponse::cli {
namespace {
struct RegisterArgs
{
  std::string   fixed;
  std::string   moving;
  std::string   fixedMask;
  std::string   excludeMask;
  std::string   fixedLevels;
  std::string   movingLevels;
  std::string   outputTransform;
  std::string   outputMatrix;
  std::string   resampled;
  std::string   resampleLabels;
  std::string   resampledLabels;
  std::string   initialTransform;
  bool          affine{ false };
  bool          bspline{ false };
  bool          withinExam{ false };
  bool          quiet{ false };
  std::uint32_t seed{ RegistrationParameters{}.seed };
  unsigned int  threads{ 0 };
};

bool
SameGrid(const itk::ImageBase<3> * a, const itk::ImageBase<3> * b)
{
  if (a->GetLargestPossibleRegion().GetSize() != b->GetLargestPossibleRegion().GetSize())
  {
    return false;
  }
  for (unsigned int i = 0; i < 3; ++i)
  {
    if (std::abs(a->GetOrigin()[i] - b->GetOrigin()[i]) > 1e-3 ||
        std::abs(a->GetSpacing()[i] - b->GetSpacing()[i]) > 1e-4)
    {
      return false;
    }
    for (unsigned int j = 0; j < 3; ++j)
    {
      if (std::abs(a->GetDirection()(i, j) - b->GetDirection()(i, j)) > 1e-4)
      {
        return false;
      }
    }
  }
  return true;
}

LabelImageType::Pointer
LoadMaskOnGrid(const std::string & path, const ImageType * fixed, const std::string & fixedPath, const char * what)
{
  if (path.empty())
  {
    return nullptr;
  }
  auto mask = LoadLabelImage(path);
  if (!SameGrid(mask, fixed))
  {
    throw InputError(path, std::string("the ") + what + " is not on the grid of the fixed image " + fixedPath +
                             " (same size, spacing, origin and direction needed)");
  }
  RequireNonEmpty(mask, path, what);
  return mask;
}

void
CheckOutputExtension(const std::string & path, std::initializer_list<const char *> allowed, const char * hint)
{
  if (path.empty())
  {
    return;
  }
  std::string ext = FullExtension(path);
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char * a : allowed)
  {
    if (ext == a)
    {
      return;
    }
  }
  throw OutputError(path, "unsupported output format '" + ext + "'; use " + hint);
}

/** The start from the vertebral labels of both exams (--fixed-levels / --moving-levels), or nothing. */
std::optional<std::array<double, 3>>
LevelStart(const RegisterArgs & a)
{
  if (a.fixedLevels.empty() != a.movingLevels.empty())
  {
    throw std::invalid_argument("--fixed-levels and --moving-levels go together");
  }
  if (a.fixedLevels.empty())
  {
    return std::nullopt;
  }
  return LevelCorrespondenceFromFiles(a.fixedLevels, a.movingLevels);
}

void
Run(const RegisterArgs & a)
{
  if (a.threads > 0)
  {
    itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads(a.threads);
  }
  if (a.initialTransform.empty() && a.outputTransform.empty())
  {
    throw std::invalid_argument("--output-transform is required unless --initial-transform is given");
  }
  if (!a.resampleLabels.empty() != !a.resampledLabels.empty())
  {
    throw std::invalid_argument("--resample-labels and --resampled-labels go together");
  }
  // Refuse unusable output names before any work.
  CheckOutputExtension(a.outputTransform, { ".tfm", ".txt" }, ".tfm");
  CheckOutputExtension(a.resampled, { ".nii.gz", ".nii", ".nrrd", ".mha" }, ".nii.gz, .nii, .nrrd or .mha");
  CheckOutputExtension(a.resampledLabels, { ".nii.gz", ".nii", ".nrrd", ".mha" }, ".nii.gz, .nii, .nrrd or .mha");

  const auto             fixed = LoadImage(a.fixed);
  const auto             moving = LoadImage(a.moving);
  TransformType::Pointer transform;
  if (!a.initialTransform.empty())
  {
    transform = ReadTransformFile(a.initialTransform);
    if (!a.quiet)
    {
      std::cout << "transform read from " << a.initialTransform << " (registration skipped)\n";
      if (IsLinear(transform))
      {
        std::cout << "matrix (fixed/baseline point -> moving/follow-up point, LPS mm):\n"
                  << FormatMatrix(TransformMatrix(transform));
      }
    }
  }
  else
  {
    const auto             spineMask = LoadMaskOnGrid(a.fixedMask, fixed, a.fixed, "spine mask");
    const auto             exclusion = LoadMaskOnGrid(a.excludeMask, fixed, a.fixed, "exclusion mask");
    RegistrationParameters params = a.withinExam ? WithinExamDefaults() : LongitudinalDefaults();
    params.seed = a.seed;
    params.affine = a.affine;
    params.bspline = a.bspline;
    RegistrationResult result;
    try
    {
      if (a.withinExam)
      {
        if (exclusion || !a.fixedLevels.empty() || !a.movingLevels.empty())
        {
          throw std::invalid_argument(
            "--exclude-mask, --fixed-levels and --moving-levels are for follow-up -> baseline registration only");
        }
        result = RegisterWithinExam(fixed, moving, params, spineMask);
      }
      else
      {
        result = RegisterLongitudinal(fixed, moving, spineMask, params, exclusion, LevelStart(a));
      }
    }
    catch (const NoOverlapError & e)
    {
      throw InputError(a.moving, std::string("does not overlap the fixed image ") + a.fixed + ": " + e.what());
    }
    transform = result.transform;
    if (!a.quiet)
    {
      std::cout << result.Summary();
    }
    WriteTransformFile(transform, a.outputTransform);
    if (!a.quiet)
    {
      std::cout << "wrote " << a.outputTransform << " (maps fixed/baseline points to moving/follow-up points, LPS)\n";
    }
  }
  if (!a.outputMatrix.empty())
  {
    if (!IsLinear(transform))
    {
      throw std::invalid_argument("--output-matrix: the transform is not linear (B-spline stage)");
    }
    WriteFileAtomically(a.outputMatrix, "# 4x4 matrix, fixed/baseline point -> moving/follow-up point, LPS mm\n" +
                                          FormatMatrix(TransformMatrix(transform)));
  }
  if (!a.resampled.empty())
  {
    SaveImage(ResampleToReference(moving, fixed, transform), a.resampled);
    if (!a.quiet)
    {
      std::cout << "wrote " << a.resampled << " (moving image on the fixed grid)\n";
    }
  }
  if (!a.resampleLabels.empty())
  {
    const auto labels = LoadLabelImage(a.resampleLabels);
    SaveLabelImage(ResampleLabelsToReference(labels, fixed, transform), a.resampledLabels);
    if (!a.quiet)
    {
      std::cout << "wrote " << a.resampledLabels << " (labels on the fixed grid, nearest neighbour)\n";
    }
  }
}
} // namespace

void
AddRegisterCommand(CLI::App & app)
{
  auto   args = std::make_shared<RegisterArgs>();
  auto * cmd = app.add_subcommand(
    "register",
    "Register a follow-up image onto the baseline image (rigid with robust multi-start, optional affine and "
    "B-spline; Mattes mutual information restricted to the spine region), or with --within-exam one sequence "
    "onto another of the same exam. The transform written maps points of the FIXED (baseline) space to the "
    "MOVING (follow-up) space, ITK physical space LPS in mm: p_followup = T(p_baseline). 3D Slicer loads the "
    ".tfm as a linear transform (its 'from parent' transform); put the follow-up volume under it to see it in "
    "baseline space.");
  cmd->add_option("--fixed", args->fixed, "Baseline image (fixed; T1 post-contrast)")->required();
  cmd->add_option("--moving", args->moving, "Follow-up image (moving), or another sequence with --within-exam")
    ->required();
  cmd->add_option("--output-transform", args->outputTransform,
                  "Transform file to write (.tfm, ITK text; fixed -> moving point mapping, LPS mm), atomically");
  cmd->add_option("--output-matrix", args->outputMatrix,
                  "Also write the 4x4 matrix (fixed -> moving point mapping, LPS mm) as text");
  cmd->add_option("--fixed-mask", args->fixedMask,
                  "Spine region or cord mask on the fixed grid (non-zero = inside); dilated by 20 mm. Default: "
                  "the body foreground");
  cmd->add_option("--exclude-mask", args->excludeMask,
                  "Mask on the fixed grid of voxels the metric must ignore (e.g. lesion + edema)");
  cmd->add_option("--fixed-levels", args->fixedLevels,
                  "Vertebral labels of the fixed exam (SCT disc labels, or the cord labelled by level; any grid). "
                  "With --moving-levels the initialisation starts where the same levels lie in both exams");
  cmd->add_option("--moving-levels", args->movingLevels,
                  "Vertebral labels of the moving exam, of the same kind and numbering as --fixed-levels");
  cmd->add_option("--resampled", args->resampled, "Write the moving image resampled onto the fixed grid (linear)");
  cmd->add_option("--resample-labels", args->resampleLabels, "A label map in moving space to resample");
  cmd->add_option("--resampled-labels", args->resampledLabels,
                  "Where to write --resample-labels resampled onto the fixed grid (nearest neighbour)");
  cmd->add_flag("--affine", args->affine, "Add an affine stage after the rigid one");
  cmd->add_flag("--bspline", args->bspline, "Add a B-spline (deformable) stage; the transform is then a composite");
  cmd->add_flag("--within-exam", args->withinExam,
                "Sequences of one exam (e.g. T2 onto T1 post-contrast): identity start; reports whether they are "
                "already aligned (identity is then written)");
  cmd->add_option("--initial-transform", args->initialTransform,
                  "Use this transform file (fixed -> moving, LPS) instead of registering: only resample");
  cmd->add_option("--seed", args->seed, "Seed of the metric's random sampling (same seed, same result)");
  cmd->add_option("--threads", args->threads, "Number of threads (default: ITK's default)");
  cmd->add_flag("--quiet", args->quiet, "Print nothing on success");
  cmd->callback([args] { Run(*args); });
}

} // namespace cordresponse::cli
