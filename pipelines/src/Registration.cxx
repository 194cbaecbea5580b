// Registration: the one translation unit that instantiates ITK's v4 registration templates (Mattes
// mutual information, versor-rigid / affine / B-spline transforms, gradient-descent optimisers) for
// float 3-D images. Keep other files free of these headers: each such unit costs ~30 s and ~1 GB to build.
#include "cordresponse/Registration.h"

#include "cordresponse/Transforms.h"

#include "itkAffineTransform.h"
#include "itkBSplineTransform.h"
#include "itkBSplineTransformInitializer.h"
#include "itkBinShrinkImageFilter.h"
#include "itkCompositeTransform.h"
#include "itkImageMaskSpatialObject.h"
#include "itkImageRegionConstIteratorWithIndex.h"
#include "itkMattesMutualInformationImageToImageMetricv4.h"
#include "itkMultiStartVersorRigid3DInitializer.h"
#include "itkRecursiveGaussianImageFilter.h"
#include "itkRegionOfInterestImageFilter.h"
#include "itkRegistrationParameterScalesFromPhysicalShift.h"
#include "itkRegistrationRegionMaskImageFilter.h"
#include "itkPhysicalStepGradientDescentOptimizerv4.h"
#include "itkVersorRigid3DTransform.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <iomanip>
#include <limits>
#include <random>
#include <sstream>
#include <type_traits>

#include <tbb/parallel_for.h>

namespace cordresponse {
namespace {
using Clock = std::chrono::steady_clock;
using MaskImageType = itk::Image<unsigned char, 3>;
using MaskObjectType = itk::ImageMaskSpatialObject<3>;

/** Mattes mutual information evaluated on one work unit, so that registration is bit-for-bit reproducible.
 *  ITK 5.2's Mattes metric adds the work units' joint-PDF derivatives into a shared buffer under try_lock,
 *  in arrival order, so with several work units the gradient's last digits (and after a few hundred
 *  iterations the transform's) depend on thread timing, even between two runs at the same thread count.
 *  The metric's threaders take their work-unit count when they are made, hence the subclass. The cost is
 *  small: the metric runs on a few thousand sampled points, and the case pipeline runs the other exam's
 *  work and batch runs other cases beside it (docs/benchmarks.md). */
class SerialMattesMetric
  : public itk::MattesMutualInformationImageToImageMetricv4<ImageType, ImageType, ImageType, double>
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(SerialMattesMetric);
  using Self = SerialMattesMetric;
  using Superclass = itk::MattesMutualInformationImageToImageMetricv4<ImageType, ImageType, ImageType, double>;
  using Pointer = itk::SmartPointer<Self>;
  itkNewMacro(Self);
  itkTypeMacro(SerialMattesMetric, MattesMutualInformationImageToImageMetricv4);

protected:
  SerialMattesMetric()
  {
    this->m_SparseGetValueAndDerivativeThreader->SetNumberOfWorkUnits(1);
    this->m_DenseGetValueAndDerivativeThreader->SetNumberOfWorkUnits(1);
  }
  ~SerialMattesMetric() override = default;
};
using MetricType = SerialMattesMetric;
using PointSetType = MetricType::VirtualPointSetType;
using RigidType = itk::VersorRigid3DTransform<double>;
using AffineType = itk::AffineTransform<double, 3>;
using BSplineType = itk::BSplineTransform<double, 3, 3>;
using CompositeType = itk::CompositeTransform<double, 3>;
using PointType = itk::Point<double, 3>;
using RegionMaskFilterType = itk::RegistrationRegionMaskImageFilter<ImageType, LabelImageType, MaskImageType>;
using InitializerType = itk::MultiStartVersorRigid3DInitializer<ImageType, ImageType>;

constexpr double kPi = 3.14159265358979323846;

double
SecondsSince(Clock::time_point start)
{
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/** One resolution level: images (the fixed one cropped to the region), and its samples. */
struct Level
{
  unsigned int            index{ 0 };
  double                  targetSpacing{ 0 };
  std::array<unsigned, 3> fixedFactors{ { 1, 1, 1 } };
  ImageType::Pointer      fixed;
  ImageType::Pointer      moving;
  PointSetType::Pointer   samples;
  unsigned int            sampleCount{ 0 };
  // Samples of the wide region (body foreground minus exclusion) when a spine mask restricts `samples`,
  // at the coarsest level (initialisation) and the coarsest wideRegionLevels levels (null otherwise).
  PointSetType::Pointer wideSamples;
  unsigned int          wideSampleCount{ 0 };
  bool                  usesWideSamples{ false };
};

/** The level with its wide-region samples as its samples, when it has them. */
Level
WideLevel(const Level & level)
{
  Level wide = level;
  if (level.wideSamples)
  {
    wide.samples = level.wideSamples;
    wide.sampleCount = level.wideSampleCount;
    wide.usesWideSamples = true;
  }
  return wide;
}

/** Everything prepared once per registration. */
struct Prepared
{
  MaskImageType::Pointer  region;
  MaskObjectType::Pointer regionObject;
  // With a spine mask: the body foreground minus the exclusion (initialisation, coarse levels).
  MaskImageType::Pointer  wideRegion;
  MaskObjectType::Pointer wideRegionObject;
  MaskObjectType::Pointer fixedBodyObject;
  MaskObjectType::Pointer movingBodyObject;
  std::vector<PointType>  regionPoints;
  PointType               regionCentroid;
  // LPS bounding box of the coarsest level's region (the wide one when there is one): bounds the search.
  PointType          searchLo, searchHi;
  std::vector<Level> levels;
  std::size_t        regionVoxels{ 0 };
};

void
CheckParameters(const RegistrationParameters & p)
{
  const std::size_t n = p.numberOfLevels;
  if (n == 0 || n > 6)
  {
    throw std::invalid_argument("registration: numberOfLevels must be 1..6");
  }
  if (p.samplesPerLevel.size() < n || p.iterationsPerLevel.size() < n || p.initialStepPerLevel.size() < n ||
      p.minimumStepPerLevel.size() < n)
  {
    throw std::invalid_argument("registration: samplesPerLevel, iterationsPerLevel, initialStepPerLevel and "
                                "minimumStepPerLevel need one value per level");
  }
  if (p.histogramBins < 4)
  {
    throw std::invalid_argument("registration: histogramBins must be at least 4");
  }
  if (!(p.relaxationFactor > 0.0 && p.relaxationFactor < 1.0))
  {
    throw std::invalid_argument("registration: relaxationFactor must be in (0, 1)");
  }
  if (p.searchRadiusMm < 0.0 || p.searchExtentFraction < 0.0 || (p.searchRadiusMm > 0.0 && !(p.searchStepMm > 0.0)))
  {
    throw std::invalid_argument("registration: searchRadiusMm and searchExtentFraction must be >= 0, and "
                                "searchStepMm > 0 when searching");
  }
}

void
CheckMaskGrid(const LabelImageType * mask, const ImageType * image, const char * what)
{
  if (!mask)
  {
    return;
  }
  bool same = mask->GetLargestPossibleRegion().GetSize() == image->GetLargestPossibleRegion().GetSize();
  for (unsigned int i = 0; i < 3 && same; ++i)
  {
    same = std::abs(mask->GetOrigin()[i] - image->GetOrigin()[i]) < 1e-3 &&
           std::abs(mask->GetSpacing()[i] - image->GetSpacing()[i]) < 1e-4;
    for (unsigned int j = 0; j < 3 && same; ++j)
    {
      same = std::abs(mask->GetDirection()(i, j) - image->GetDirection()(i, j)) < 1e-4;
    }
  }
  if (!same)
  {
    throw std::invalid_argument(std::string(what) + " is not on the grid of the fixed image");
  }
}

/** Shrink factors for a target spacing: an axis is shrunk only where the target is >= 1.5x its spacing. */
std::array<unsigned, 3>
ShrinkFactors(const ImageType * image, double target)
{
  std::array<unsigned, 3> f{ { 1, 1, 1 } };
  const auto              size = image->GetLargestPossibleRegion().GetSize();
  for (unsigned int d = 0; d < 3; ++d)
  {
    const double ratio = target / image->GetSpacing()[d];
    if (ratio >= 1.5)
    {
      f[d] = static_cast<unsigned>(std::lround(ratio));
      f[d] = std::max(1u, std::min<unsigned>(f[d], static_cast<unsigned>(std::max<std::size_t>(1, size[d] / 8))));
    }
  }
  return f;
}

/** Smooth the axes that were shrunk (factor > 1) with a Gaussian of sigma mm; thick unshrunk axes are
 *  left sharp. */
ImageType::Pointer
Smooth(const ImageType * image, const std::array<unsigned, 3> & factors, double sigmaMm)
{
  ImageType::Pointer out = const_cast<ImageType *>(image);
  for (unsigned int d = 0; d < 3; ++d)
  {
    if (factors[d] > 1 && sigmaMm > 0.0)
    {
      auto gauss = itk::RecursiveGaussianImageFilter<ImageType, ImageType>::New();
      gauss->SetInput(out);
      gauss->SetDirection(d);
      gauss->SetSigma(sigmaMm);
      gauss->SetOrder(itk::GaussianOrderEnum::ZeroOrder);
      gauss->SetNormalizeAcrossScale(false);
      gauss->Update();
      out = gauss->GetOutput();
      out->DisconnectPipeline();
    }
  }
  return out;
}

/** Block-average by the factors, then smooth the shrunk axes (sigma in mm). */
ImageType::Pointer
LevelImage(const ImageType * image, const std::array<unsigned, 3> & factors, double sigmaMm)
{
  ImageType::Pointer out = const_cast<ImageType *>(image);
  if (factors[0] * factors[1] * factors[2] > 1)
  {
    auto shrink = itk::BinShrinkImageFilter<ImageType, ImageType>::New();
    itk::BinShrinkImageFilter<ImageType, ImageType>::ShrinkFactorsType sf;
    for (unsigned int d = 0; d < 3; ++d)
    {
      sf[d] = factors[d];
    }
    shrink->SetShrinkFactors(sf);
    shrink->SetInput(image);
    shrink->Update();
    out = shrink->GetOutput();
    out->DisconnectPipeline();
  }
  return Smooth(out, factors, sigmaMm);
}

/** The fixed image cropped to the bounding box of the region (plus 3 voxels), to save work at every
 *  level. The crop keeps physical positions. */
ImageType::Pointer
CropToRegion(const ImageType * fixed, const MaskImageType * region)
{
  const auto                      size = fixed->GetLargestPossibleRegion().GetSize();
  itk::ContinuousIndex<double, 3> lo, hi;
  for (unsigned int d = 0; d < 3; ++d)
  {
    lo[d] = std::numeric_limits<double>::max();
    hi[d] = std::numeric_limits<double>::lowest();
  }
  // Index bounding box of the mask, then its 8 (voxel-edge) corners into the fixed image's index space.
  bool          any = false;
  itk::Index<3> first, last;
  for (itk::ImageRegionConstIteratorWithIndex<MaskImageType> it(region, region->GetLargestPossibleRegion());
       !it.IsAtEnd(); ++it)
  {
    if (!it.Get())
    {
      continue;
    }
    const auto idx = it.GetIndex();
    for (unsigned int d = 0; d < 3; ++d)
    {
      first[d] = any ? std::min(first[d], idx[d]) : idx[d];
      last[d] = any ? std::max(last[d], idx[d]) : idx[d];
    }
    any = true;
  }
  for (int corner = 0; any && corner < 8; ++corner)
  {
    itk::ContinuousIndex<double, 3> ci;
    for (unsigned int d = 0; d < 3; ++d)
    {
      ci[d] = ((corner >> d) & 1) ? last[d] + 0.5 : first[d] - 0.5;
    }
    PointType p;
    region->TransformContinuousIndexToPhysicalPoint(ci, p);
    itk::ContinuousIndex<double, 3> fi;
    fixed->TransformPhysicalPointToContinuousIndex(p, fi);
    for (unsigned int d = 0; d < 3; ++d)
    {
      lo[d] = std::min(lo[d], fi[d]);
      hi[d] = std::max(hi[d], fi[d]);
    }
  }
  if (!any)
  {
    return const_cast<ImageType *>(fixed);
  }
  ImageType::RegionType crop;
  for (unsigned int d = 0; d < 3; ++d)
  {
    const auto begin = std::max<long>(0, static_cast<long>(std::floor(lo[d])) - 3);
    const auto end = std::min<long>(static_cast<long>(size[d]) - 1, static_cast<long>(std::ceil(hi[d])) + 3);
    crop.SetIndex(d, begin);
    crop.SetSize(d, static_cast<itk::SizeValueType>(std::max<long>(1, end - begin + 1)));
  }
  // Copying most of the image costs more than the work it saves.
  if (crop.GetNumberOfPixels() > 0.7 * fixed->GetLargestPossibleRegion().GetNumberOfPixels())
  {
    return const_cast<ImageType *>(fixed);
  }
  auto roi = itk::RegionOfInterestImageFilter<ImageType, ImageType>::New();
  roi->SetInput(fixed);
  roi->SetRegionOfInterest(crop);
  roi->Update();
  return roi->GetOutput();
}

/** `count` random points inside the region and inside the level's fixed image (continuous positions,
 *  uniformly distributed), from a fixed-seed generator: the same inputs give the same samples. */
PointSetType::Pointer
DrawSamples(const ImageType *      fixed,
            const MaskObjectType * region,
            unsigned int           count,
            std::uint32_t          seed,
            unsigned int &         drawn)
{
  auto               points = PointSetType::New();
  auto               container = PointSetType::PointsContainer::New();
  std::mt19937       rng(seed);
  const auto         size = fixed->GetLargestPossibleRegion().GetSize();
  const auto         start = fixed->GetLargestPossibleRegion().GetIndex();
  auto               unit = [&rng] { return (static_cast<double>(rng()) + 0.5) / 4294967296.0; };
  const std::size_t  maxAttempts = static_cast<std::size_t>(count) * 50 + 1000;
  std::size_t        attempts = 0;
  itk::SizeValueType n = 0;
  while (n < count && attempts < maxAttempts)
  {
    ++attempts;
    itk::ContinuousIndex<double, 3> ci;
    for (unsigned int d = 0; d < 3; ++d)
    {
      ci[d] = start[d] - 0.5 + unit() * size[d];
      ci[d] = std::clamp(ci[d], static_cast<double>(start[d]), static_cast<double>(start[d] + size[d] - 1));
    }
    PointType p;
    fixed->TransformContinuousIndexToPhysicalPoint(ci, p);
    if (region && !region->IsInsideInWorldSpace(p))
    {
      continue;
    }
    container->InsertElement(n++, p);
  }
  points->SetPoints(container);
  drawn = static_cast<unsigned int>(n);
  return points;
}

/** Voxel-wise union of two masks on the same working grid (a copy of `a` when `b` is null). */
MaskImageType::Pointer
UnionMask(const MaskImageType * a, const MaskImageType * b)
{
  auto out = MaskImageType::New();
  out->CopyInformation(a);
  out->SetRegions(a->GetLargestPossibleRegion());
  out->Allocate();
  const auto   n = a->GetLargestPossibleRegion().GetNumberOfPixels();
  const auto * pa = a->GetBufferPointer();
  const auto * pb = b ? b->GetBufferPointer() : nullptr;
  auto *       po = out->GetBufferPointer();
  for (std::size_t i = 0; i < n; ++i)
  {
    po[i] = (pa[i] || (pb && pb[i])) ? 1 : 0;
  }
  return out;
}

MaskObjectType::Pointer
MaskObject(const MaskImageType * mask)
{
  auto object = MaskObjectType::New();
  object->SetImage(mask);
  object->Update();
  return object;
}

MaskImageType::Pointer
RegionMask(const ImageType *              image,
           const LabelImageType *         regionLabel,
           const LabelImageType *         exclusion,
           double                         dilationMm,
           const RegistrationParameters & p,
           std::size_t &                  voxels)
{
  auto filter = RegionMaskFilterType::New();
  filter->SetInput(image);
  if (regionLabel)
  {
    filter->SetRegionLabel(regionLabel);
  }
  if (exclusion)
  {
    filter->SetExclusionLabel(exclusion);
  }
  filter->SetDilationRadius(dilationMm);
  filter->SetWorkingSpacing(p.maskWorkingSpacingMm);
  filter->Update();
  voxels = filter->GetNumberOfMaskVoxels();
  MaskImageType::Pointer mask = filter->GetOutput();
  mask->DisconnectPipeline();
  return mask;
}

Prepared
Prepare(const ImageType *              fixed,
        const ImageType *              moving,
        const LabelImageType *         spineMask,
        const LabelImageType *         exclusion,
        const RegistrationParameters & p,
        bool                           needBodyMasks)
{
  Prepared    prep;
  std::size_t voxels = 0;
  prep.region = RegionMask(fixed, spineMask, exclusion, spineMask ? p.maskDilationMm : p.autoMaskDilationMm, p, voxels);
  prep.regionVoxels = voxels;
  if (voxels == 0)
  {
    throw std::invalid_argument(spineMask ? "the spine mask (minus the exclusion mask) is empty"
                                          : "the fixed image has no foreground to register (after exclusion)");
  }
  prep.regionObject = MaskObject(prep.region);
  if (spineMask && needBodyMasks)
  {
    std::size_t wideVoxels = 0;
    prep.wideRegion = RegionMask(fixed, nullptr, exclusion, p.autoMaskDilationMm, p, wideVoxels);
    if (wideVoxels > 0)
    {
      prep.wideRegionObject = MaskObject(prep.wideRegion);
    }
    else
    {
      prep.wideRegion = nullptr;
    }
  }
  if (needBodyMasks)
  {
    std::size_t bodyVoxels = 0;
    prep.fixedBodyObject = (spineMask || exclusion)
                             ? MaskObject(RegionMask(fixed, nullptr, nullptr, p.autoMaskDilationMm, p, bodyVoxels))
                             : prep.regionObject;
    prep.movingBodyObject = MaskObject(RegionMask(moving, nullptr, nullptr, p.autoMaskDilationMm, p, bodyVoxels));
  }

  // Region points (for displacement statistics) and centroid.
  double sum[3] = { 0, 0, 0 };
  for (itk::ImageRegionConstIteratorWithIndex<MaskImageType> it(prep.region, prep.region->GetLargestPossibleRegion());
       !it.IsAtEnd(); ++it)
  {
    if (it.Get())
    {
      PointType q;
      prep.region->TransformIndexToPhysicalPoint(it.GetIndex(), q);
      prep.regionPoints.push_back(q);
      for (unsigned int d = 0; d < 3; ++d)
      {
        sum[d] += q[d];
      }
    }
  }
  for (unsigned int d = 0; d < 3; ++d)
  {
    prep.regionCentroid[d] = sum[d] / static_cast<double>(prep.regionPoints.size());
  }

  {
    const MaskImageType * searchMask = prep.wideRegion ? prep.wideRegion.GetPointer() : prep.region.GetPointer();
    for (unsigned int d = 0; d < 3; ++d)
    {
      prep.searchLo[d] = std::numeric_limits<double>::max();
      prep.searchHi[d] = std::numeric_limits<double>::lowest();
    }
    for (itk::ImageRegionConstIteratorWithIndex<MaskImageType> it(searchMask, searchMask->GetLargestPossibleRegion());
         !it.IsAtEnd(); ++it)
    {
      if (it.Get())
      {
        PointType q;
        searchMask->TransformIndexToPhysicalPoint(it.GetIndex(), q);
        for (unsigned int d = 0; d < 3; ++d)
        {
          prep.searchLo[d] = std::min(prep.searchLo[d], q[d]);
          prep.searchHi[d] = std::max(prep.searchHi[d], q[d]);
        }
      }
    }
  }

  // Pyramid. The fixed image is cropped to the region first.
  const ImageType::Pointer cropped = CropToRegion(
    fixed, prep.wideRegion ? UnionMask(prep.region, prep.wideRegion).GetPointer() : prep.region.GetPointer());
  const double minSpacing = std::min({ fixed->GetSpacing()[0], fixed->GetSpacing()[1], fixed->GetSpacing()[2] });
  prep.levels.resize(p.numberOfLevels);
  // Finest to coarsest: each block-averaged image is made from the previous one where the factors allow
  // (one pass over the full-size image per input instead of one per level).
  ImageType::Pointer      fixedBase = cropped, movingBase = const_cast<ImageType *>(moving);
  std::array<unsigned, 3> fixedBaseFactors{ { 1, 1, 1 } }, movingBaseFactors{ { 1, 1, 1 } };
  auto                    relative = [](const std::array<unsigned, 3> & f, const std::array<unsigned, 3> & base) {
    std::array<unsigned, 3> r{ { 1, 1, 1 } };
    for (unsigned int d = 0; d < 3; ++d)
    {
      if (f[d] % base[d] != 0)
      {
        return std::array<unsigned, 3>{ { 0, 0, 0 } };
      }
      r[d] = f[d] / base[d];
    }
    return r;
  };
  for (int l = static_cast<int>(p.numberOfLevels) - 1; l >= 0; --l)
  {
    Level & level = prep.levels[l];
    level.index = static_cast<unsigned>(l);
    level.targetSpacing = minSpacing * std::pow(2.0, static_cast<double>(p.numberOfLevels - 1 - l));
    const double sigma =
      (static_cast<unsigned>(l) + 1 < p.numberOfLevels) ? p.smoothingFraction * level.targetSpacing : 0.0;
    level.fixedFactors = ShrinkFactors(cropped, level.targetSpacing);
    const auto movingFactors = ShrinkFactors(moving, level.targetSpacing);
    auto       fr = relative(level.fixedFactors, fixedBaseFactors);
    if (fr[0] == 0)
    {
      fixedBase = cropped;
      fixedBaseFactors = { { 1, 1, 1 } };
      fr = level.fixedFactors;
    }
    auto mr = relative(movingFactors, movingBaseFactors);
    if (mr[0] == 0)
    {
      movingBase = const_cast<ImageType *>(moving);
      movingBaseFactors = { { 1, 1, 1 } };
      mr = movingFactors;
    }
    fixedBase = LevelImage(fixedBase, fr, 0.0);
    fixedBaseFactors = level.fixedFactors;
    movingBase = LevelImage(movingBase, mr, 0.0);
    movingBaseFactors = movingFactors;
    level.fixed = LevelImage(fixedBase, { { 1, 1, 1 } }, 0.0);
    level.moving = movingBase;
    if (sigma > 0.0)
    {
      level.fixed = Smooth(fixedBase, level.fixedFactors, sigma);
      level.moving = Smooth(movingBase, movingFactors, sigma);
    }
  }
  for (unsigned int l = 0; l < p.numberOfLevels; ++l)
  {
    Level & level = prep.levels[l];
    level.samples =
      DrawSamples(level.fixed, prep.regionObject, p.samplesPerLevel[l], p.seed + 7919u * l, level.sampleCount);
    if (level.sampleCount < 50)
    {
      throw std::invalid_argument("the registration region is too small: " + std::to_string(level.sampleCount) +
                                  " samples at level " + std::to_string(l));
    }
    if (prep.wideRegionObject && (l == 0 || l < p.wideRegionLevels))
    {
      level.wideSamples = DrawSamples(level.fixed, prep.wideRegionObject, p.samplesPerLevel[l], p.seed + 7919u * l + 1u,
                                      level.wideSampleCount);
      if (level.wideSampleCount < 50)
      {
        level.wideSamples = nullptr;
        level.wideSampleCount = 0;
      }
    }
  }
  return prep;
}

/** Mattes MI on the level's fixed and moving images and its samples; the caller sets the moving transform
 *  and initialises it. */
MetricType::Pointer
MakeMetric(const Level & level, const RegistrationParameters & p)
{
  auto metric = MetricType::New();
  metric->SetNumberOfHistogramBins(p.histogramBins);
  metric->SetUseMovingImageGradientFilter(false);
  metric->SetUseFixedImageGradientFilter(false);
  metric->SetVirtualSampledPointSet(level.samples);
  metric->SetUseSampledPointSet(true);
  metric->SetUseVirtualSampledPointSet(true);
  metric->SetFixedImage(level.fixed);
  metric->SetMovingImage(level.moving);
  metric->SetVirtualDomainFromImage(level.fixed);
  return metric;
}

std::string
Describe(const itk::ExceptionObject & e)
{
  std::string text = e.GetDescription();
  const auto  end = text.find('\n');
  return end == std::string::npos ? text : text.substr(0, end);
}

[[noreturn]] void
ThrowRegistrationFailure(const itk::ExceptionObject & e, const char * stage, unsigned int level)
{
  const std::string what = Describe(e);
  if (what.find("outside moving image") != std::string::npos ||
      what.find("Joint PDF summed to zero") != std::string::npos || what.find("overlap") != std::string::npos)
  {
    throw NoOverlapError(std::string("the images do not overlap enough to register (") + stage + " stage, level " +
                         std::to_string(level) + "): the samples of the fixed region map outside the moving image");
  }
  throw std::runtime_error(std::string("registration failed (") + stage + " stage, level " + std::to_string(level) +
                           "): " + what);
}

/** Mean distance (mm) between where `transform` and the same transform with `earlier` parameters map the
 *  points of `samples`. */
template <typename TTransform>
double
MeanDisplacement(const TTransform *                          transform,
                 const typename TTransform::ParametersType & earlier,
                 const PointSetType *                        samples)
{
  auto before = TTransform::New();
  before->SetFixedParameters(transform->GetFixedParameters());
  before->SetParameters(earlier);
  const auto * points = samples->GetPoints();
  double       sum = 0.0;
  for (auto it = points->Begin(); it != points->End(); ++it)
  {
    sum += transform->TransformPoint(it->Value()).EuclideanDistanceTo(before->TransformPoint(it->Value()));
  }
  return points->Size() ? sum / static_cast<double>(points->Size()) : 0.0;
}

/** One level of one stage (rigid, affine or B-spline), in place on `transform`, composed after
 *  `movingInitial` when given. */
template <typename TTransform>
LevelReport
RunLinearLevel(const char *                   stage,
               const Level &                  level,
               TTransform *                   transform,
               const RegistrationParameters & p,
               unsigned int                   iterations,
               bool                           extendWhileTravelling = true,
               const TransformType *          movingInitial = nullptr)
{
  const auto start = Clock::now();
  using OptimizerType = itk::PhysicalStepGradientDescentOptimizerv4<double>;
  using ScalesType = itk::RegistrationParameterScalesFromPhysicalShift<MetricType>;

  auto metric = MakeMetric(level, p);
  auto optimizer = OptimizerType::New();
  if constexpr (std::is_same_v<TTransform, BSplineType>)
  {
    // B-spline parameters are control-point displacements in mm already: unit scales, so that the step
    // length is the length (mm) of the vector of all control-point moves.
    typename OptimizerType::ScalesType ones(transform->GetNumberOfLocalParameters());
    ones.Fill(1.0);
    optimizer->SetScales(ones);
    optimizer->SetDoEstimateScales(false);
  }
  else
  {
    // Physical shifts measured at the region's samples (not the image corners): a step of length L moves
    // the region's points by at most about L mm.
    auto scales = ScalesType::New();
    scales->SetMetric(metric);
    scales->SetVirtualDomainPointSet(level.samples);
    optimizer->SetScalesEstimator(scales);
    optimizer->SetDoEstimateScales(true);
  }
  optimizer->SetDoEstimateLearningRateOnce(false);
  optimizer->SetDoEstimateLearningRateAtEachIteration(false);
  optimizer->SetLearningRate(p.initialStepPerLevel[level.index]);
  optimizer->SetMinimumStepLength(p.minimumStepPerLevel[level.index]);
  optimizer->SetRelaxationFactor(p.relaxationFactor);
  optimizer->SetGrowthFactor(p.growthFactor);
  optimizer->SetGradientMagnitudeTolerance(1e-8);
  optimizer->SetNumberOfIterations(iterations);
  optimizer->SetReturnBestParametersAndValue(false);

  // The metric and optimiser are driven directly (what ImageRegistrationMethodv4 does for one level with
  // shrink 1 and no smoothing) because the method allocates and copies a full-size virtual-domain image
  // on every call, which on a 512 x 512 x 20 image costs more than the level's optimisation.
  if (movingInitial)
  {
    auto composite = CompositeType::New();
    composite->AddTransform(const_cast<TransformType *>(movingInitial));
    composite->AddTransform(transform);
    composite->SetOnlyMostRecentTransformToOptimizeOn();
    metric->SetMovingTransform(composite);
  }
  else
  {
    metric->SetMovingTransform(transform);
  }
  // The positions of the last travelWindow iterations, to tell a level that stops at its iteration limit
  // while still travelling from one that jitters about its optimum (linear stages only).
  constexpr bool                                  kLinear = !std::is_same_v<TTransform, BSplineType>;
  std::deque<typename TTransform::ParametersType> recent;
  if (kLinear && extendWhileTravelling)
  {
    optimizer->AddObserver(itk::IterationEvent(), [&recent, transform, &p](const itk::EventObject &) {
      recent.push_back(transform->GetParameters());
      if (recent.size() > p.travelWindow + 1)
      {
        recent.pop_front();
      }
    });
  }
  unsigned int limit = iterations;
  try
  {
    metric->Initialize();
    optimizer->SetMetric(metric);
    optimizer->StartOptimization();
    if constexpr (kLinear)
    {
      while (optimizer->GetStopCondition() ==
               itk::StopConditionObjectToObjectOptimizerEnum::MAXIMUM_NUMBER_OF_ITERATIONS &&
             recent.size() == p.travelWindow + 1 && limit < iterations * p.maximumIterationFactor)
      {
        if (!(MeanDisplacement(transform, recent.front(), level.samples) >
              p.travellingSteps * p.initialStepPerLevel[level.index]))
        {
          break;
        }
        limit += iterations;
        optimizer->SetNumberOfIterations(limit);
        optimizer->ResumeOptimization();
      }
    }
  }
  catch (const itk::ExceptionObject & e)
  {
    ThrowRegistrationFailure(e, stage, level.index);
  }
  LevelReport report;
  report.stage = stage;
  report.level = level.index;
  report.shrinkFactors = level.fixedFactors;
  report.samples = level.sampleCount;
  report.bodyRegion = level.usesWideSamples;
  report.iterations = static_cast<unsigned>(optimizer->GetCurrentIteration());
  report.metric = optimizer->GetCurrentMetricValue();
  report.stopCondition = optimizer->GetStopConditionDescription();
  report.seconds = SecondsSince(start);
  return report;
}

/** The B-spline stage on one level, composed after `linear` (T = linear o bspline), in place. */
LevelReport
RunBSplineLevel(const Level &                  level,
                const TransformType *          linear,
                BSplineType *                  bspline,
                const RegistrationParameters & p)
{
  return RunLinearLevel("bspline", level, bspline, p, p.bsplineIterations, false, linear);
}

/** The metric at the finest level for a final transform. */
double
FinalMetric(const Level & level, const TransformType * transform, const RegistrationParameters & p)
{
  auto metric = MakeMetric(level, p);
  metric->SetMovingTransform(const_cast<TransformType *>(transform));
  try
  {
    metric->Initialize();
    return metric->GetValue();
  }
  catch (const itk::ExceptionObject & e)
  {
    ThrowRegistrationFailure(e, "final", level.index);
  }
}

RigidType::Pointer
CopyRigid(const RigidType * t)
{
  auto copy = RigidType::New();
  copy->SetFixedParameters(t->GetFixedParameters());
  copy->SetParameters(t->GetParameters());
  return copy;
}

/** Multi-start initialisation at the coarsest level: returns the refined best start (level 0 done). */
RigidType::Pointer
MultiStart(const Prepared &                             prep,
           const RegistrationParameters &               p,
           const std::optional<std::array<double, 3>> & levelStartMm,
           RegistrationResult &                         result)
{
  // The body foreground even when a spine mask restricts the finer levels (see wideRegionLevels).
  const Level coarse = WideLevel(prep.levels.front());
  auto        metric = MakeMetric(coarse, p);
  // The translation search scores its (many) starts with the first searchSamples samples.
  MetricType::Pointer searchMetric;
  if (p.searchSamples > 0 && p.searchSamples < coarse.sampleCount)
  {
    Level subset = coarse;
    subset.samples = PointSetType::New();
    auto container = PointSetType::PointsContainer::New();
    for (unsigned int i = 0; i < p.searchSamples; ++i)
    {
      container->InsertElement(i, coarse.samples->GetPoint(i));
    }
    subset.samples->SetPoints(container);
    searchMetric = MakeMetric(subset, p);
    auto searchProbe = RigidType::New();
    searchMetric->SetMovingTransform(searchProbe);
    searchMetric->Initialize();
  }
  auto probe = RigidType::New();
  metric->SetMovingTransform(probe);
  metric->Initialize();

  auto initializer = InitializerType::New();
  initializer->SetFixedImage(coarse.fixed);
  initializer->SetMovingImage(coarse.moving);
  initializer->SetFixedMask(prep.fixedBodyObject);
  initializer->SetMovingMask(prep.movingBodyObject);
  initializer->SetMetric(metric);
  initializer->SetRotationAngles(p.multiStart ? p.startRotationsDegrees : std::vector<double>{});
  // With a level start the labels fix the level: no cranio-caudal offset start beyond the level search radius
  // (a start 15 mm away sits most of a vertebra off, where the repeating anatomy can fit better).
  std::vector<double> offsets;
  for (const double o : p.multiStart ? p.startOffsetsMm : std::vector<double>{})
  {
    if (!levelStartMm || o <= p.levelSearchRadiusMm)
    {
      offsets.push_back(o);
    }
  }
  initializer->SetTranslationOffsets(offsets);
  initializer->SetUseScannerStart(p.multiStart && p.scannerStart);
  InitializerType::VectorType radii;
  for (unsigned int d = 0; d < 3; ++d)
  {
    const double extent = std::max(0.0, prep.searchHi[d] - prep.searchLo[d]) + p.maskWorkingSpacingMm;
    radii[d] = p.multiStart ? std::min(p.searchRadiusMm, p.searchExtentFraction * extent) : 0.0;
    if (levelStartMm)
    {
      radii[d] = std::min(radii[d], p.levelSearchRadiusMm);
    }
  }
  if (levelStartMm)
  {
    InitializerType::VectorType levelStart;
    for (unsigned int d = 0; d < 3; ++d)
    {
      levelStart[d] = (*levelStartMm)[d];
    }
    initializer->SetGivenStartTranslations({ levelStart });
    result.startFromLevels = true;
  }
  initializer->SetSearchRadii(radii);
  initializer->SetWeightByOverlap(true);
  initializer->SetSearchStep(p.searchStepMm);
  initializer->SetSearchKeep(p.searchKeep);
  if (searchMetric)
  {
    initializer->SetSearchMetric(searchMetric);
  }
  initializer->Compute();

  const auto &      all = initializer->GetCandidates();
  const auto        candidates = initializer->GetDiverseCandidates(std::max(1u, p.multiStart ? p.refinedStarts : 1u));
  const std::size_t tries = candidates.size();
  // A short look at every start, concurrently (each with its own metric and optimiser, so the result does
  // not depend on the thread count); only the best one is then optimised to convergence.
  struct Look
  {
    RigidType::Pointer transform;
    LevelReport        report;
    double             weighted{ std::numeric_limits<double>::max() };
  };
  std::vector<Look> looks(tries);
  tbb::parallel_for(std::size_t(0), tries, [&](std::size_t i) {
    auto        t = CopyRigid(candidates[i].transform);
    LevelReport report;
    try
    {
      report = RunLinearLevel("rigid", coarse, t.GetPointer(), p,
                              tries > 1 ? std::min(30u, p.iterationsPerLevel[0]) : p.iterationsPerLevel[0], tries == 1);
    }
    catch (const NoOverlapError &)
    {
      return; // this start left the moving image; another may not
    }
    // Compared as the starts were ranked: the metric weighted by the fraction of samples inside the
    // moving image (an optimiser can also slide towards a small, spuriously well-fitting overlap).
    try
    {
      auto lookMetric = MakeMetric(coarse, p);
      auto lookProbe = CopyRigid(t);
      lookMetric->SetMovingTransform(lookProbe);
      lookMetric->Initialize();
      const double value = lookMetric->GetValue();
      looks[i].weighted = value * InitializerType::ValidFraction(lookMetric);
    }
    catch (const itk::ExceptionObject &)
    {
      return;
    }
    looks[i].transform = t;
    looks[i].report = report;
  });
  RigidType::Pointer best;
  LevelReport        bestReport;
  double             bestValue = std::numeric_limits<double>::max();
  for (const auto & look : looks) // in start order: ties go to the better-ranked start
  {
    if (look.transform && (!best || look.weighted < bestValue))
    {
      best = look.transform;
      bestValue = look.weighted;
      bestReport = look.report;
    }
  }
  if (!best)
  {
    throw NoOverlapError("the images do not overlap enough to register: every start maps the fixed region "
                         "outside the moving image");
  }
  if (tries > 1 && p.iterationsPerLevel[0] > 30)
  {
    const unsigned int looked = bestReport.iterations;
    const double       lookSeconds = bestReport.seconds;
    // The rest of the coarsest level: on the body region too when wideRegionLevels > 0, else in the
    // spine mask's region.
    bestReport = RunLinearLevel("rigid", p.wideRegionLevels > 0 ? coarse : prep.levels.front(), best.GetPointer(), p,
                                p.iterationsPerLevel[0] - 30);
    bestReport.iterations += looked;
    bestReport.seconds += lookSeconds;
  }
  bestReport.stopCondition += " (best of " + std::to_string(tries) + " refined starts out of " +
                              std::to_string(all.size()) + "; " +
                              std::to_string(initializer->GetNumberOfEvaluations()) + " metric evaluations)";
  result.levels.push_back(bestReport);
  return best;
}

double
RotationAngleDegrees(const Matrix4 & m)
{
  const double trace = m[0][0] + m[1][1] + m[2][2];
  return std::acos(std::clamp((trace - 1.0) / 2.0, -1.0, 1.0)) * 180.0 / kPi;
}

void
FillMotion(RegistrationResult & result, const Prepared & prep)
{
  result.linear = IsLinear(result.transform);
  result.matrix = TransformMatrix(result.transform);
  result.rotationDegrees = RotationAngleDegrees(result.matrix);
  result.translationMm = result.transform->TransformPoint(prep.regionCentroid).EuclideanDistanceTo(prep.regionCentroid);
  double sum = 0.0, maximum = 0.0;
  for (const auto & q : prep.regionPoints)
  {
    const double d = result.transform->TransformPoint(q).EuclideanDistanceTo(q);
    sum += d;
    maximum = std::max(maximum, d);
  }
  result.meanDisplacementMm = prep.regionPoints.empty() ? 0.0 : sum / static_cast<double>(prep.regionPoints.size());
  result.maxDisplacementMm = maximum;
  result.regionVoxels = prep.regionVoxels;
}

/** One level fewer: the coarsest image level goes; the per-level settings still apply coarsest first
 *  (the first ones, with the large steps and the multi-start, to the new coarsest level), so the finest
 *  level's settings are the ones dropped. */
RegistrationParameters
WithOneLevelFewer(RegistrationParameters p)
{
  if (p.numberOfLevels < 2)
  {
    return p;
  }
  --p.numberOfLevels;
  p.samplesPerLevel.resize(p.numberOfLevels);
  p.iterationsPerLevel.resize(p.numberOfLevels);
  p.initialStepPerLevel.resize(p.numberOfLevels);
  p.minimumStepPerLevel.resize(p.numberOfLevels);
  return p;
}

RegistrationResult
Register(const ImageType *                            fixed,
         const ImageType *                            moving,
         const LabelImageType *                       spineMask,
         const LabelImageType *                       exclusion,
         const RegistrationParameters &               requested,
         bool                                         withinExam,
         const std::optional<std::array<double, 3>> & levelStartMm = std::nullopt)
{
  const auto start = Clock::now();
  if (!fixed || !moving)
  {
    throw std::invalid_argument("registration: no fixed or no moving image");
  }
  CheckParameters(requested);
  // From a level start the coarsest level's capture range is not needed, and on a small field of view
  // its images are so coarse that the repeating vertebrae pull it to a neighbouring level.
  const RegistrationParameters p = levelStartMm ? WithOneLevelFewer(requested) : requested;
  CheckMaskGrid(spineMask, fixed, "the spine mask");
  CheckMaskGrid(exclusion, fixed, "the exclusion mask");
  RequireOverlap(fixed, moving);

  RegistrationResult result;
  result.regionFromMask = spineMask != nullptr;
  auto           stageStart = Clock::now();
  const Prepared prep = Prepare(fixed, moving, spineMask, exclusion, p, !withinExam);

  // Rigid stage.
  RigidType::Pointer rigid;
  unsigned int       firstLevel = 0;
  if (withinExam)
  {
    rigid = RigidType::New();
    rigid->SetCenter(prep.regionCentroid);
    result.stageSeconds.emplace_back("initialisation", SecondsSince(stageStart));
    stageStart = Clock::now();
  }
  else
  {
    result.stageSeconds.emplace_back("initialisation", SecondsSince(stageStart));
    stageStart = Clock::now();
    rigid = MultiStart(prep, p, levelStartMm, result);
    result.stageSeconds.emplace_back("multi-start", SecondsSince(stageStart));
    stageStart = Clock::now();
    firstLevel = 1;
  }
  for (unsigned int l = firstLevel; l < p.numberOfLevels; ++l)
  {
    result.levels.push_back(
      RunLinearLevel("rigid", WideLevel(prep.levels[l]), rigid.GetPointer(), p, p.iterationsPerLevel[l]));
  }
  result.stageSeconds.emplace_back("rigid", SecondsSince(stageStart));
  TransformType::Pointer linear = rigid.GetPointer();

  // Optional affine stage on the two finest levels.
  if (p.affine)
  {
    stageStart = Clock::now();
    auto affine = AffineType::New();
    affine->SetCenter(rigid->GetCenter());
    affine->SetMatrix(rigid->GetMatrix());
    affine->SetOffset(rigid->GetOffset());
    for (unsigned int l = (p.numberOfLevels > 1 ? p.numberOfLevels - 2 : 0); l < p.numberOfLevels; ++l)
    {
      result.levels.push_back(
        RunLinearLevel("affine", prep.levels[l], affine.GetPointer(), p, p.iterationsPerLevel[l]));
    }
    linear = affine.GetPointer();
    result.stageSeconds.emplace_back("affine", SecondsSince(stageStart));
  }

  // Optional B-spline stage on the two finest levels.
  if (p.bspline)
  {
    stageStart = Clock::now();
    auto                      bspline = BSplineType::New();
    const Level &             finest = prep.levels.back();
    BSplineType::MeshSizeType mesh;
    const auto                size = finest.fixed->GetLargestPossibleRegion().GetSize();
    for (unsigned int d = 0; d < 3; ++d)
    {
      const double extent = size[d] * finest.fixed->GetSpacing()[d];
      mesh[d] = static_cast<unsigned>(std::max(1.0, std::round(extent / p.bsplineMeshSpacingMm)));
    }
    using BSplineInitializerType = itk::BSplineTransformInitializer<BSplineType, ImageType>;
    auto bsplineInitializer = BSplineInitializerType::New();
    bsplineInitializer->SetTransform(bspline);
    bsplineInitializer->SetImage(finest.fixed);
    bsplineInitializer->SetTransformDomainMeshSize(mesh);
    bsplineInitializer->InitializeTransform();
    BSplineType::ParametersType zero(bspline->GetNumberOfParameters());
    zero.Fill(0.0);
    bspline->SetParameters(zero);
    for (unsigned int l = (p.numberOfLevels > 1 ? p.numberOfLevels - 2 : 0); l < p.numberOfLevels; ++l)
    {
      result.levels.push_back(RunBSplineLevel(prep.levels[l], linear, bspline, p));
    }
    auto composite = CompositeType::New();
    composite->AddTransform(linear);
    composite->AddTransform(bspline);
    result.transform = composite.GetPointer();
    result.stageSeconds.emplace_back("bspline", SecondsSince(stageStart));
  }
  else
  {
    result.transform = linear;
  }

  result.metricValue = FinalMetric(prep.levels.back(), result.transform, p);
  FillMotion(result, prep);

  if (withinExam && result.maxDisplacementMm < p.alreadyAlignedMm && result.rotationDegrees < p.alreadyAlignedDegrees)
  {
    result.alreadyAligned = true;
    result.residualMm = result.maxDisplacementMm;
    auto identity = RigidType::New();
    identity->SetCenter(prep.regionCentroid);
    result.transform = identity.GetPointer();
    result.metricValue = FinalMetric(prep.levels.back(), result.transform, p);
    const double residual = result.residualMm;
    FillMotion(result, prep);
    result.residualMm = residual;
  }
  result.totalSeconds = SecondsSince(start);
  return result;
}

void
Bounds(const itk::ImageBase<3> * image, const TransformType * transform, PointType & lo, PointType & hi)
{
  const auto size = image->GetLargestPossibleRegion().GetSize();
  const auto index = image->GetLargestPossibleRegion().GetIndex();
  for (unsigned int d = 0; d < 3; ++d)
  {
    lo[d] = std::numeric_limits<double>::max();
    hi[d] = std::numeric_limits<double>::lowest();
  }
  for (int corner = 0; corner < 8; ++corner)
  {
    itk::ContinuousIndex<double, 3> ci;
    for (unsigned int d = 0; d < 3; ++d)
    {
      ci[d] = ((corner >> d) & 1) ? index[d] + size[d] - 0.5 : index[d] - 0.5;
    }
    PointType p;
    image->TransformContinuousIndexToPhysicalPoint(ci, p);
    if (transform)
    {
      p = transform->TransformPoint(p);
    }
    for (unsigned int d = 0; d < 3; ++d)
    {
      lo[d] = std::min(lo[d], p[d]);
      hi[d] = std::max(hi[d], p[d]);
    }
  }
}

std::string
FormatBox(const PointType & lo, const PointType & hi)
{
  std::ostringstream os;
  os << std::fixed << std::setprecision(1) << "[" << lo[0] << ", " << hi[0] << "] x [" << lo[1] << ", " << hi[1]
     << "] x [" << lo[2] << ", " << hi[2] << "]";
  return os.str();
}
} // namespace

RegistrationParameters
LongitudinalDefaults()
{
  RegistrationParameters p{};
  return p;
}

RegistrationParameters
WithinExamDefaults()
{
  RegistrationParameters p;
  p.multiStart = false;
  p.wideRegionLevels = 0;
  p.initialStepPerLevel = { 1.0, 0.5, 0.2 };
  return p;
}

void
RequireOverlap(const itk::ImageBase<3> * fixed, const itk::ImageBase<3> * moving, const TransformType * transform)
{
  PointType flo, fhi, mlo, mhi;
  Bounds(fixed, transform, flo, fhi);
  Bounds(moving, nullptr, mlo, mhi);
  for (unsigned int d = 0; d < 3; ++d)
  {
    if (fhi[d] <= mlo[d] || mhi[d] <= flo[d])
    {
      const double       gap = std::max(mlo[d] - fhi[d], flo[d] - mhi[d]);
      std::ostringstream os;
      os << std::fixed << std::setprecision(1) << "the images do not overlap: the fixed image covers "
         << FormatBox(flo, fhi) << " mm and the moving image " << FormatBox(mlo, mhi) << " mm (LPS), " << gap
         << " mm apart along "
         << "LPS"[d];
      throw NoOverlapError(os.str());
    }
  }
}

RegistrationResult
RegisterLongitudinal(const ImageType *                            fixed,
                     const ImageType *                            moving,
                     const LabelImageType *                       fixedSpineMask,
                     const RegistrationParameters &               parameters,
                     const LabelImageType *                       fixedExclusionMask,
                     const std::optional<std::array<double, 3>> & levelStartMm)
{
  return Register(fixed, moving, fixedSpineMask, fixedExclusionMask, parameters, false, levelStartMm);
}

RegistrationResult
RegisterWithinExam(const ImageType *              reference,
                   const ImageType *              other,
                   const RegistrationParameters & parameters,
                   const LabelImageType *         referenceSpineMask)
{
  return Register(reference, other, referenceSpineMask, nullptr, parameters, true);
}

std::string
RegistrationResult::Summary() const
{
  std::ostringstream os;
  os << std::fixed << std::setprecision(4);
  os << "transform (fixed/baseline point -> moving/follow-up point, LPS mm)"
     << (linear ? "" : ", linear part of a B-spline composite") << ":\n";
  for (const auto & row : matrix)
  {
    os << "  " << std::setw(12) << row[0] << " " << std::setw(12) << row[1] << " " << std::setw(12) << row[2] << " "
       << std::setw(12) << row[3] << "\n";
  }
  os << "rotation: " << std::setprecision(3) << rotationDegrees
     << " deg; translation at region centroid: " << translationMm << " mm; displacement over region mean "
     << meanDisplacementMm << " / max " << maxDisplacementMm << " mm\n";
  os << std::setprecision(6) << "final metric (Mattes MI, lower is better): " << metricValue << "\n";
  if (alreadyAligned)
  {
    os << "already aligned: residual " << std::setprecision(4) << residualMm << " mm; identity returned\n";
  }
  os << "region: " << regionVoxels << " working-grid voxels, "
     << (regionFromMask ? "from the spine mask" : "automatic (body foreground)") << "\n";
  if (startFromLevels)
  {
    os << "start: from the vertebral labels of both exams\n";
  }
  os << std::setprecision(3);
  for (const auto & l : levels)
  {
    os << "  " << l.stage << " level " << l.level << " (shrink " << l.shrinkFactors[0] << "x" << l.shrinkFactors[1]
       << "x" << l.shrinkFactors[2] << ", " << l.samples << " samples" << (l.bodyRegion ? " of the body region" : "")
       << "): " << l.iterations << " iterations, metric " << std::setprecision(5) << l.metric << std::setprecision(3)
       << ", " << l.seconds << " s";
    const auto starts = l.stopCondition.find("(best of ");
    os << (starts == std::string::npos ? std::string() : " " + l.stopCondition.substr(starts)) << "\n";
  }
  os << "time:";
  for (const auto & s : stageSeconds)
  {
    os << " " << s.first << " " << s.second << " s;";
  }
  os << " total " << totalSeconds << " s\n";
  return os.str();
}

} // namespace cordresponse
