// Segmentation of one timepoint: cord, enhancing foci, edema and vertebral levels (issue 5).
#include "cordresponse/Segmentation.h"

#include "cordresponse/AtomicFile.h"
#include "cordresponse/Errors.h"
#include "cordresponse/SegmentationMetrics.h"
#include "cordresponse/Text.h"

#include "itkCordEdemaSegmentationImageFilter.h"
#include "itkEnhancingFociSegmentationImageFilter.h"
#include "itkIdentityTransform.h"
#include "itkLinearInterpolateImageFunction.h"
#include "itkNearestNeighborInterpolateImageFunction.h"
#include "itkResampleImageFilter.h"
#include "itkSpinalCordSegmentationImageFilter.h"
#include "itkSpinalLevels.h"
#include "itkVertebralLevelAssignmentImageFilter.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <map>
#include <sstream>
#include <stdexcept>
#include <type_traits>
#include <variant>

namespace cordresponse {
namespace fs = std::filesystem;

namespace {
using CordFilter = itk::SpinalCordSegmentationImageFilter<ImageType, LabelImageType>;
using FociFilter = itk::EnhancingFociSegmentationImageFilter<ImageType, LabelImageType>;
using EdemaFilter = itk::CordEdemaSegmentationImageFilter<ImageType, LabelImageType>;
using LevelFilter = itk::VertebralLevelAssignmentImageFilter<LabelImageType>;

bool
SameGeometry(const itk::ImageBase<3> * a, const itk::ImageBase<3> * b)
{
  if (a->GetLargestPossibleRegion().GetSize() != b->GetLargestPossibleRegion().GetSize())
  {
    return false;
  }
  const double tolerance = 1e-3 * std::min({ a->GetSpacing()[0], a->GetSpacing()[1], a->GetSpacing()[2] });
  for (unsigned int d = 0; d < 3; ++d)
  {
    if (std::abs(a->GetSpacing()[d] - b->GetSpacing()[d]) > tolerance ||
        std::abs(a->GetOrigin()[d] - b->GetOrigin()[d]) > tolerance)
    {
      return false;
    }
    for (unsigned int e = 0; e < 3; ++e)
    {
      if (std::abs(a->GetDirection()(d, e) - b->GetDirection()(d, e)) > 1e-4)
      {
        return false;
      }
    }
  }
  return true;
}

bool
IsIdentity(const TransformType * transform)
{
  return transform == nullptr || dynamic_cast<const itk::IdentityTransform<double, 3> *>(transform) != nullptr;
}

/** `labels` on the grid of `reference`, nearest neighbour; `transform` maps reference points to label points. */
LabelImageType::Pointer
ResampleLabels(const LabelImageType * labels, const itk::ImageBase<3> * reference, const TransformType * transform)
{
  if (IsIdentity(transform) && SameGeometry(labels, reference))
  {
    auto out = LabelImageType::New();
    out->CopyInformation(labels);
    out->SetRegions(labels->GetLargestPossibleRegion());
    out->Allocate();
    std::copy(labels->GetBufferPointer(), labels->GetBufferPointer() + labels->GetPixelContainer()->Size(),
              out->GetBufferPointer());
    return out;
  }
  using Resample = itk::ResampleImageFilter<LabelImageType, LabelImageType>;
  auto resample = Resample::New();
  resample->SetInput(labels);
  resample->SetInterpolator(itk::NearestNeighborInterpolateImageFunction<LabelImageType, double>::New());
  if (!IsIdentity(transform))
  {
    resample->SetTransform(transform);
  }
  resample->SetOutputParametersFromImage(reference);
  resample->SetDefaultPixelValue(0);
  resample->Update();
  return resample->GetOutput();
}

/** The enhancing-foci filter on one exam with the parameters (the T1 pre subtraction unless disabled). */
FociFilter::Pointer
MakeFociFilter(const ImageType *              t1post,
               const ImageType *              t1pre,
               const LabelImageType *         cord,
               const SegmentationParameters & p)
{
  auto foci = FociFilter::New();
  foci->SetInput(t1post);
  foci->SetCordMask(cord);
  if (t1pre && !p.fociWithoutSubtraction)
  {
    foci->SetPreContrastImage(t1pre);
  }
  foci->SetSeedEnhancement(p.fociSeedEnhancement);
  foci->SetGrowEnhancement(p.fociGrowEnhancement);
  foci->SetMinimumZScore(p.fociMinimumZScore);
  foci->SetRelativeBoundary(p.fociRelativeBoundary);
  foci->SetExophyticMargin(p.fociExophyticMargin);
  foci->SetSurfaceDepth(p.fociSurfaceDepth);
  foci->SetMinimumCoreFraction(p.fociMinimumCoreFraction);
  foci->SetMinimumInsideFraction(p.fociMinimumInsideFraction);
  foci->SetMinimumVolume(p.fociMinimumVolume);
  foci->SetSplitDepth(p.fociSplitDepth);
  foci->SetSplitNeckFraction(p.fociSplitNeckFraction);
  foci->SetReferenceLength(p.fociReferenceLength);
  foci->SetReferenceQuantile(p.fociReferenceQuantile);
  foci->SetPlateauWidth(p.fociPlateauWidth);
  return foci;
}

/** A focus of the foci filter as the segmentation result reports it (levels are filled in later). */
LesionStatistics
StatisticsOf(const FociFilter::Focus & f)
{
  LesionStatistics s;
  s.id = f.id;
  s.voxelCount = f.voxelCount;
  s.volume = f.volume;
  s.partialVolume = f.partialVolume;
  s.centroid = f.centroid;
  s.peakEnhancement = f.peakEnhancement;
  return s;
}

/** The inverse of the within-exam T1 post -> T2 transform (null for the identity). */
TransformType::ConstPointer
T2ToT1post(const TransformType * toT2, const std::filesystem::path & t2Path)
{
  if (IsIdentity(toT2))
  {
    return nullptr;
  }
  TransformType::ConstPointer inverse = toT2->GetInverseTransform();
  if (!inverse)
  {
    throw InputError(t2Path, "the T1 post -> T2 transform is not invertible");
  }
  return inverse;
}

/** `image` on the grid of `reference`: the image itself when it already is, else resampled linearly. */
ImageType::ConstPointer
OnGridOf(const ImageType * image, const itk::ImageBase<3> * reference)
{
  if (SameGeometry(image, reference))
  {
    return image;
  }
  using Resample = itk::ResampleImageFilter<ImageType, ImageType>;
  auto resample = Resample::New();
  resample->SetInput(image);
  resample->SetInterpolator(itk::LinearInterpolateImageFunction<ImageType, double>::New());
  resample->SetOutputParametersFromImage(reference);
  resample->SetDefaultPixelValue(0);
  resample->Update();
  return resample->GetOutput();
}

std::size_t
Count(const LabelImageType * labels)
{
  std::size_t  n = 0;
  const auto * b = labels->GetBufferPointer();
  for (std::size_t k = 0; k < labels->GetPixelContainer()->Size(); ++k)
  {
    n += b[k] != 0;
  }
  return n;
}

/** True if the centre or a corner of `image` (mapped by `transform`, reference -> other) lies inside `other`. */
bool
Overlaps(const itk::ImageBase<3> * image, const itk::ImageBase<3> * other, const TransformType * transform)
{
  const auto size = image->GetLargestPossibleRegion().GetSize();
  for (int corner = 0; corner < 9; ++corner)
  {
    itk::ContinuousIndex<double, 3> index;
    for (unsigned int d = 0; d < 3; ++d)
    {
      index[d] = corner == 8 ? 0.5 * (size[d] - 1.0) : ((corner >> d) & 1) * (size[d] - 1.0);
    }
    itk::Point<double, 3> p;
    image->TransformContinuousIndexToPhysicalPoint(index, p);
    if (!IsIdentity(transform))
    {
      p = transform->TransformPoint(p);
    }
    itk::ContinuousIndex<double, 3> q;
    if (other->TransformPhysicalPointToContinuousIndex(p, q))
    {
      return true;
    }
  }
  return false;
}

/** A label map is a labelled cord (several voxels per value) rather than single-voxel disc labels. */
bool
LooksLikeLabelledCord(const LabelImageType * labels)
{
  std::map<unsigned int, std::size_t> counts;
  const auto *                        b = labels->GetBufferPointer();
  for (std::size_t k = 0; k < labels->GetPixelContainer()->Size(); ++k)
  {
    if (b[k])
    {
      ++counts[b[k]];
    }
  }
  std::size_t big = 0;
  for (const auto & c : counts)
  {
    big += c.second > 8;
  }
  return big * 2 > counts.size();
}

std::string
ValueText(bool value)
{
  return value ? "true" : "false";
}

std::string
ValueText(double value)
{
  return ShortestText(value);
}
} // namespace

const std::vector<SegmentationParameterField> &
SegmentationParameterFields()
{
  using P = SegmentationParameters;
#define CORDRESPONSE_FIELD(name, doc)                                                                                  \
  SegmentationParameterField                                                                                           \
  {                                                                                                                    \
#name, doc, &P::name                                                                                               \
  }
  static const std::vector<SegmentationParameterField> fields{
    CORDRESPONSE_FIELD(cordRadius, "typical cord semi-axis for the centreline tube detector (mm)"),
    CORDRESPONSE_FIELD(canalRadius, "half-width of the CSF box of the tube detector (mm)"),
    CORDRESPONSE_FIELD(surroundRadius, "half-width of the box around the canal of the tube detector (mm)"),
    CORDRESPONSE_FIELD(cordDetectionLength, "length of the tube detector boxes along the cord (mm)"),
    CORDRESPONSE_FIELD(centrelineStiffness, "penalty of centreline displacement between planes (per mm^2)"),
    CORDRESPONSE_FIELD(centrelineSmoothing, "half-window of the centreline smoothing (mm)"),
    CORDRESPONSE_FIELD(cordBoundaryLevel, "cord/CSF threshold position (0 = cord, 1 = CSF; 0.5 = half-voxel rule)"),
    CORDRESPONSE_FIELD(cordMaximumRadius, "no cord voxel farther from the centreline (mm)"),
    CORDRESPONSE_FIELD(cordLeakFactor, "cross-section at most this times the running median radius"),
    CORDRESPONSE_FIELD(cordRegularisationLength, "running-median window of the per-sector boundary (mm)"),
    CORDRESPONSE_FIELD(cordMinimumContrast, "minimum relative cord/CSF contrast for a plane to hold cord"),
    CORDRESPONSE_FIELD(cordReferenceLength, "running-median window of the cord and CSF references (mm)"),
    CORDRESPONSE_FIELD(cordCsfPeakFraction,
                       "a partial-volumed CSF peak this far (fraction of the cord/CSF contrast) above the cord, "
                       "followed by an equal fall, ends the cord half-way to it"),
    CORDRESPONSE_FIELD(cordCsfDipFraction,
                       "thick slices: within each slice, along the fine in-plane axis, a CSF peak followed by a fall "
                       "of this fraction of the contrast ends the cord (a surface vessel behind a thin CSF layer)"),
    CORDRESPONSE_FIELD(cordDarkTissueFraction,
                       "tissue beyond normal cord, on the side away from CSF, by this fraction of the cord/CSF "
                       "contrast is not cord (3x3 in-plane mean)"),
    CORDRESPONSE_FIELD(cordEndScoreFraction,
                       "the cord ends where the centreline tube score falls below this fraction of its maximum "
                       "(0 = never)"),
    CORDRESPONSE_FIELD(fociSeedEnhancement, "seed threshold: T1 post signal over normal cord (+50%)"),
    CORDRESPONSE_FIELD(fociGrowEnhancement, "hysteresis growing threshold (+25%)"),
    CORDRESPONSE_FIELD(fociMinimumZScore, "seeds also exceed this many robust noise SDs"),
    CORDRESPONSE_FIELD(fociRelativeBoundary, "focus boundary at this fraction of its peak enhancement"),
    CORDRESPONSE_FIELD(fociExophyticMargin, "allowed extension of a focus beyond the cord mask (mm)"),
    CORDRESPONSE_FIELD(fociSurfaceDepth, "depth of the cord surface layer (surface enhancement rejection, mm)"),
    CORDRESPONSE_FIELD(fociMinimumCoreFraction, "minimum fraction of a focus deeper than fociSurfaceDepth"),
    CORDRESPONSE_FIELD(fociMinimumInsideFraction, "minimum fraction of a focus inside the cord mask"),
    CORDRESPONSE_FIELD(fociMinimumVolume, "minimum focus volume (mm^3)"),
    CORDRESPONSE_FIELD(fociSplitDepth, "erosion depth separating touching foci (mm; 0 = never split)"),
    CORDRESPONSE_FIELD(fociSplitNeckFraction,
                       "touching foci stay one (coalesced) when the neck between them is at least this fraction "
                       "of the thinner one's depth (0 = split whenever the erosion separates them)"),
    CORDRESPONSE_FIELD(fociReferenceLength, "window of the normal-cord reference along the cord (mm)"),
    CORDRESPONSE_FIELD(fociReferenceQuantile, "quantile of the pooled cord signal taken as normal cord"),
    CORDRESPONSE_FIELD(fociPlateauWidth,
                       "partial-volume volume: the median of the focus voxels within this many noise SDs below its "
                       "peak is its pure enhancement (0: the peak itself)"),
    CORDRESPONSE_FIELD(fociWithoutSubtraction,
                       "segment the foci on T1 post alone even when a T1 pre image is given (no subtraction)"),
    CORDRESPONSE_FIELD(edemaSeedIncrease, "seed threshold: T2 (CSF-normalised) over normal cord (+22%)"),
    CORDRESPONSE_FIELD(edemaGrowIncrease, "hysteresis growing threshold (+12%)"),
    CORDRESPONSE_FIELD(edemaRelativeBoundary, "boundary at this fraction of a component's median increase"),
    CORDRESPONSE_FIELD(edemaBorderDepth, "cord border layer excluded (CSF partial volume, mm)"),
    CORDRESPONSE_FIELD(edemaNormalQuantile, "quantile of per-plane cord medians taken as normal cord"),
    CORDRESPONSE_FIELD(edemaMinimumLength, "minimum cranio-caudal extent of an edema region (mm)"),
    CORDRESPONSE_FIELD(edemaMinimumVolume, "minimum edema region volume (mm^3)"),
    CORDRESPONSE_FIELD(edemaFilledPlaneFraction,
                       "a run of edema planes is kept when it fills this fraction of the cord cross-section on at "
                       "least half of edemaMinimumLength (rejects thin T2-bright runs)"),
    CORDRESPONSE_FIELD(levelExtrapolation, "extension beyond the outermost disc labels (mean level heights)"),
  };
#undef CORDRESPONSE_FIELD
  return fields;
}

std::string
SegmentationParameterField::Text(const SegmentationParameters & p) const
{
  return std::visit([&p](auto m) { return ValueText(p.*m); }, member);
}

void
SegmentationParameterField::Set(SegmentationParameters & p, const std::string & text) const
{
  std::visit(
    [&](auto m) {
      using Value = std::decay_t<decltype(p.*m)>;
      std::istringstream in(text);
      Value              v{};
      if constexpr (std::is_same_v<Value, bool>)
      {
        in >> std::boolalpha >> v;
      }
      else
      {
        in >> v;
      }
      if (in.fail() || !(in >> std::ws).eof() || (!std::is_same_v<Value, bool> && !std::isfinite(double(v))))
      {
        throw std::invalid_argument("segmentation parameter " + name + ": '" + text + "' is not a valid " +
                                    (std::is_same_v<Value, bool> ? "boolean (true or false)" : "number"));
      }
      p.*m = v;
    },
    member);
}

const SegmentationParameterField &
FindSegmentationParameter(const std::string & name)
{
  for (const auto & f : SegmentationParameterFields())
  {
    if (f.name == name)
    {
      return f;
    }
  }
  throw std::invalid_argument("unknown segmentation parameter '" + name + "'");
}

ReexaminedFoci
ReexamineFoci(const ImageType *              t1post,
              const ImageType *              t1pre,
              const LabelImageType *         cord,
              const LabelImageType *         region,
              const SegmentationParameters & p)
{
  const ImageType::ConstPointer pre = t1pre ? OnGridOf(t1pre, t1post) : nullptr;
  auto                          foci = MakeFociFilter(t1post, pre, cord, p);
  foci->SetRegionOfInterest(region);
  foci->SetSeedEnhancement(p.fociGrowEnhancement); // seeds relaxed to the growing threshold
  foci->SetMinimumVolume(0.0);
  foci->Update();
  ReexaminedFoci found;
  found.lesions = foci->GetOutput();
  found.lesions->DisconnectPipeline();
  for (const auto & f : foci->GetFoci())
  {
    found.statistics.push_back(StatisticsOf(f));
  }
  return found;
}

SegmentationResult
SegmentTimepoint(const SegmentationInputs & in, const SegmentationParameters & p)
{
  const auto         start = std::chrono::steady_clock::now();
  SegmentationResult r;
  if (!in.t1post)
  {
    throw InputError(in.t1postPath, "the T1 post-contrast image is required");
  }
  const ImageType *     t1post = in.t1post;
  const TransformType * toT2 = in.t1postToT2;
  if (in.t2 && !Overlaps(t1post, in.t2, toT2))
  {
    throw InputError(in.t2Path, "does not overlap the T1 post-contrast image");
  }
  const TransformType::ConstPointer t2ToT1post = T2ToT1post(toT2, in.t2Path); // maps T2 points to T1 post
  if (in.t1pre && !Overlaps(t1post, in.t1pre, nullptr))
  {
    throw InputError(in.t1prePath, "does not overlap the T1 post-contrast image");
  }
  const ImageType::ConstPointer t1pre = in.t1pre ? OnGridOf(in.t1pre, t1post) : nullptr;
  auto                          cordFilter = [&](const ImageType * image, itk::SpinalCordContrastEnum contrast) {
    auto f = CordFilter::New();
    f->SetInput(image);
    f->SetContrast(contrast);
    f->SetCordRadius(p.cordRadius);
    f->SetCanalRadius(p.canalRadius);
    f->SetSurroundRadius(p.surroundRadius);
    f->SetDetectionLength(p.cordDetectionLength);
    f->SetCentrelineStiffness(p.centrelineStiffness);
    f->SetCentrelineSmoothing(p.centrelineSmoothing);
    f->SetBoundaryLevel(p.cordBoundaryLevel);
    f->SetMaximumCordRadius(p.cordMaximumRadius);
    f->SetLeakFactor(p.cordLeakFactor);
    f->SetRegularisationLength(p.cordRegularisationLength);
    f->SetMinimumContrast(p.cordMinimumContrast);
    f->SetReferenceLength(p.cordReferenceLength);
    f->SetCsfPeakFraction(p.cordCsfPeakFraction);
    f->SetCsfDipFraction(p.cordCsfDipFraction);
    f->SetDarkTissueFraction(p.cordDarkTissueFraction);
    f->SetEndScoreFraction(p.cordEndScoreFraction);
    f->Update();
    LabelImageType::Pointer out = f->GetOutput();
    out->DisconnectPipeline();
    return out;
  };

  // --- Cord ---
  if (in.cordMask)
  {
    if (Count(in.cordMask) == 0)
    {
      throw InputError(in.cordMaskPath, "the cord mask is empty (no non-zero voxel)");
    }
    auto binary = ResampleLabels(in.cordMask, in.cordMask, nullptr);
    for (std::size_t k = 0; k < binary->GetPixelContainer()->Size(); ++k)
    {
      binary->GetBufferPointer()[k] = binary->GetBufferPointer()[k] ? 1 : 0;
    }
    r.cord = ResampleLabels(binary, t1post, nullptr);
    if (Count(r.cord) == 0)
    {
      throw InputError(in.cordMaskPath, "the cord mask does not overlap the T1 post-contrast image");
    }
    if (in.t2)
    {
      // The mask lives in T1-post space; T2 points map back through the inverse transform.
      r.cordT2 = ResampleLabels(binary, in.t2, t2ToT1post);
      if (Count(r.cordT2) == 0)
      {
        throw InputError(in.cordMaskPath, "the cord mask does not overlap the T2 image");
      }
    }
    r.cordSource = "user mask";
  }
  else if (in.t2)
  {
    r.cordT2 = cordFilter(in.t2, itk::SpinalCordContrastEnum::T2);
    if (Count(r.cordT2) == 0)
    {
      throw InputError(in.t2Path, "the automatic segmentation found no spinal cord");
    }
    r.cord = ResampleLabels(r.cordT2, t1post, toT2);
    if (Count(r.cord) == 0)
    {
      throw InputError(in.t2Path, "the cord found on the T2 image is outside the T1 post-contrast image");
    }
    r.cordSource = "automatic (T2)";
  }
  else
  {
    r.cord = cordFilter(t1pre ? t1pre.GetPointer() : t1post, itk::SpinalCordContrastEnum::T1);
    if (Count(r.cord) == 0)
    {
      throw InputError(t1pre ? in.t1prePath : in.t1postPath, "the automatic segmentation found no spinal cord");
    }
    r.cordSource = t1pre ? "automatic (T1 pre)" : "automatic (T1 post)";
  }

  // --- Enhancing foci ---
  auto foci = MakeFociFilter(t1post, t1pre, r.cord, p);
  foci->Update();
  r.lesions = foci->GetOutput();
  r.lesions->DisconnectPipeline();
  r.noiseSigma = foci->GetNoiseSigma();

  // --- Edema ---
  if (in.t2)
  {
    auto edema = EdemaFilter::New();
    edema->SetInput(in.t2);
    edema->SetCordMask(r.cordT2);
    // The foci, found on T1 post, on the T2 grid (T2 points map to T1 post through the inverse transform).
    const auto lesionsT2 = ResampleLabels(r.lesions, in.t2, t2ToT1post);
    edema->SetLesionMask(lesionsT2);
    edema->SetSeedIncrease(p.edemaSeedIncrease);
    edema->SetGrowIncrease(p.edemaGrowIncrease);
    edema->SetRelativeBoundary(p.edemaRelativeBoundary);
    edema->SetBorderDepth(p.edemaBorderDepth);
    edema->SetNormalQuantile(p.edemaNormalQuantile);
    edema->SetMinimumLength(p.edemaMinimumLength);
    edema->SetMinimumVolume(p.edemaMinimumVolume);
    edema->SetFilledPlaneFraction(p.edemaFilledPlaneFraction);
    edema->SetReferenceLength(p.cordReferenceLength);
    edema->Update();
    r.edemaT2 = edema->GetOutput();
    r.edemaT2->DisconnectPipeline();
    const auto & s = in.t2->GetSpacing();
    r.edemaVolumeT2 = static_cast<double>(Count(r.edemaT2)) * s[0] * s[1] * s[2];
    r.edema = ResampleLabels(r.edemaT2, t1post, toT2);
  }
  else
  {
    r.edema = EmptyLabelMap(t1post);
  }

  // --- Vertebral levels ---
  auto levels = LevelFilter::New();
  levels->SetInput(r.cord);
  levels->SetExtrapolationFactor(p.levelExtrapolation);
  if (in.vertebralLabels)
  {
    if (Count(in.vertebralLabels) == 0)
    {
      throw InputError(in.vertebralLabelsPath, "the vertebral label map is empty (no non-zero voxel)");
    }
    if (!Overlaps(in.vertebralLabels, t1post, nullptr) && !Overlaps(t1post, in.vertebralLabels, nullptr))
    {
      throw InputError(in.vertebralLabelsPath, "does not overlap the T1 post-contrast image");
    }
    if (LooksLikeLabelledCord(in.vertebralLabels))
    {
      levels->SetLabelledCord(in.vertebralLabels);
    }
    else
    {
      levels->SetDiscLabels(in.vertebralLabels);
    }
  }
  levels->Update();
  r.levels = levels->GetOutput();
  r.levels->DisconnectPipeline();
  switch (levels->GetLevelSource())
  {
    case itk::VertebralLevelSourceEnum::DiscLabels:
      r.levelSource = "disc labels";
      break;
    case itk::VertebralLevelSourceEnum::LabelledCord:
      r.levelSource = "labelled cord";
      break;
    default:
      r.levelSource = "none";
  }
  for (const auto & f : foci->GetFoci())
  {
    LesionStatistics s = StatisticsOf(f);
    const auto       span = levels->LevelSpan(r.lesions, f.id);
    s.firstLevel = span.first;
    s.lastLevel = span.second;
    s.levels = itk::SpinalLevels::SpanName(span.first, span.second);
    r.lesionStatistics.push_back(s);
  }
  if (Count(r.edema) > 0)
  {
    r.edemaLevels = levels->LevelSpanName(r.edema);
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

void
WriteSegmentation(const SegmentationResult & r, const SegmentationParameters & p, const fs::path & directory)
{
  std::error_code error;
  fs::create_directories(directory, error);
  if (error)
  {
    throw OutputError(directory, "cannot create the directory: " + error.message());
  }
  SaveLabelImage(r.cord, directory / "cord.nii.gz");
  SaveLabelImage(r.lesions, directory / "lesions.nii.gz");
  SaveLabelImage(r.edema, directory / "edema.nii.gz");
  if (r.edemaT2)
  {
    SaveLabelImage(r.edemaT2, directory / "edema_t2.nii.gz");
  }
  SaveLabelImage(r.levels, directory / "levels.nii.gz");
  using json = nlohmann::ordered_json;
  json lesions = json::array();
  for (const auto & s : r.lesionStatistics)
  {
    lesions.push_back({ { "id", s.id },
                        { "voxel_count", s.voxelCount },
                        { "volume_mm3", s.volume },
                        { "partial_volume_mm3", s.partialVolume },
                        { "centroid_lps", { s.centroid[0], s.centroid[1], s.centroid[2] } },
                        { "peak_enhancement", s.peakEnhancement },
                        { "levels", s.levels.empty() ? "unknown" : s.levels },
                        { "levels_are_guess", s.levelsAreGuess } });
  }
  // Actual values (not the defaults), for reproducibility.
  json parameters = json::object();
  for (const auto & f : SegmentationParameterFields())
  {
    std::visit([&](auto m) { parameters[f.name] = p.*m; }, f.member);
  }
  const json out = { { "format", "cordresponse-segmentation" },
                     { "version", 1 },
                     { "coordinates", "ITK physical space: LPS, millimetres" },
                     { "cord_source", r.cordSource },
                     { "level_source", r.levelSource },
                     { "levels_are_guess", r.levelsAreGuess },
                     { "lesion_count", r.lesionStatistics.size() },
                     { "lesions", lesions },
                     { "edema",
                       { { "volume_t2_mm3", r.edemaVolumeT2 },
                         { "levels", r.edemaLevels.empty() ? "unknown" : r.edemaLevels } } },
                     { "noise_sigma", r.noiseSigma },
                     { "seconds", r.seconds },
                     { "parameters", parameters } };
  WriteFileAtomically(directory / "segmentation.json", out.dump(2) + "\n");
}

} // namespace cordresponse
