// Segmentation metrics on label maps: Dice, 95% Hausdorff distance, volumes, components, label statistics.
#include "cordresponse/SegmentationMetrics.h"

#include "itkConnectedComponentImageFilter.h"
#include "itkMath.h"
#include "itkNearestNeighborInterpolateImageFunction.h"
#include "itkResampleImageFilter.h"
#include "itkSignedMaurerDistanceMapImageFilter.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace cordresponse {
namespace {
using IndexType = LabelImageType::IndexType;
using SizeType = LabelImageType::SizeType;

/** Number of voxels of a label map's buffer (the whole image: maps here are never streamed). */
std::size_t
VoxelCount(const LabelImageType * labels)
{
  return labels->GetPixelContainer()->Size();
}

void
RequireSameGrid(const LabelImageType * a, const LabelImageType * b, const char * function)
{
  if (!SameGrid(a, b))
  {
    throw std::invalid_argument(std::string(function) + ": the two label maps are not on the same grid");
  }
}

/** Indices of the non-zero voxels, in raster order. */
std::vector<IndexType>
NonZeroIndices(const LabelImageType * labels)
{
  std::vector<IndexType> indices;
  const SizeType         size = labels->GetLargestPossibleRegion().GetSize();
  const auto *           buffer = labels->GetBufferPointer();
  std::size_t            offset = 0;
  for (std::size_t k = 0; k < size[2]; ++k)
  {
    for (std::size_t j = 0; j < size[1]; ++j)
    {
      for (std::size_t i = 0; i < size[0]; ++i, ++offset)
      {
        if (buffer[offset] != 0)
        {
          indices.push_back({ { static_cast<IndexType::IndexValueType>(i), static_cast<IndexType::IndexValueType>(j),
                                static_cast<IndexType::IndexValueType>(k) } });
        }
      }
    }
  }
  return indices;
}

/** Smallest box (inclusive corners) holding every index of both lists; both lists non-empty. */
std::array<IndexType, 2>
BoundingBox(const std::vector<IndexType> & a, const std::vector<IndexType> & b)
{
  IndexType lo = a.front(), hi = a.front();
  for (const auto * list : { &a, &b })
  {
    for (const auto & index : *list)
    {
      for (unsigned int d = 0; d < 3; ++d)
      {
        lo[d] = std::min(lo[d], index[d]);
        hi[d] = std::max(hi[d], index[d]);
      }
    }
  }
  return { lo, hi };
}
} // namespace

double
VoxelVolume(const itk::ImageBase<3> * image)
{
  const auto spacing = image->GetSpacing();
  return spacing[0] * spacing[1] * spacing[2];
}

std::size_t
CountForeground(const LabelImageType * labels)
{
  const auto * buffer = labels->GetBufferPointer();
  return static_cast<std::size_t>(
    std::count_if(buffer, buffer + VoxelCount(labels), [](LabelImageType::PixelType v) { return v != 0; }));
}

bool
SameGrid(const itk::ImageBase<3> * a, const itk::ImageBase<3> * b)
{
  if (a->GetLargestPossibleRegion().GetSize() != b->GetLargestPossibleRegion().GetSize())
  {
    return false;
  }
  const double tolerance = 1e-3 * std::min({ a->GetSpacing()[0], a->GetSpacing()[1], a->GetSpacing()[2] });
  for (unsigned int r = 0; r < 3; ++r)
  {
    if (std::abs(a->GetSpacing()[r] - b->GetSpacing()[r]) > tolerance ||
        std::abs(a->GetOrigin()[r] - b->GetOrigin()[r]) > tolerance)
    {
      return false;
    }
    for (unsigned int c = 0; c < 3; ++c)
    {
      if (std::abs(a->GetDirection()(r, c) - b->GetDirection()(r, c)) > 1e-4)
      {
        return false;
      }
    }
  }
  return true;
}

LabelImageType::Pointer
ResampleToGrid(const LabelImageType * labels, const itk::ImageBase<3> * reference)
{
  using Resampler = itk::ResampleImageFilter<LabelImageType, LabelImageType>;
  auto resampler = Resampler::New();
  resampler->SetInput(labels);
  resampler->SetInterpolator(itk::NearestNeighborInterpolateImageFunction<LabelImageType, double>::New());
  resampler->SetSize(reference->GetLargestPossibleRegion().GetSize());
  resampler->SetOutputOrigin(reference->GetOrigin());
  resampler->SetOutputSpacing(reference->GetSpacing());
  resampler->SetOutputDirection(reference->GetDirection());
  resampler->SetOutputStartIndex(reference->GetLargestPossibleRegion().GetIndex());
  resampler->SetDefaultPixelValue(0);
  resampler->Update();
  LabelImageType::Pointer output = resampler->GetOutput();
  output->DisconnectPipeline();
  return output;
}

LabelImageType::Pointer
EmptyLabelMap(const itk::ImageBase<3> * reference)
{
  auto image = LabelImageType::New();
  image->CopyInformation(reference);
  image->SetRegions(reference->GetLargestPossibleRegion());
  image->Allocate();
  image->FillBuffer(0);
  return image;
}

LabelImageType::Pointer
BinaryMask(const LabelImageType * labels, LabelImageType::PixelType value)
{
  auto         mask = EmptyLabelMap(labels);
  const auto * in = labels->GetBufferPointer();
  auto *       out = mask->GetBufferPointer();
  for (std::size_t i = 0; i < VoxelCount(labels); ++i)
  {
    out[i] = (value == 0 ? in[i] != 0 : in[i] == value) ? 1 : 0;
  }
  return mask;
}

LabelImageType::Pointer
ConnectedComponents26(const LabelImageType * mask)
{
  using Filter = itk::ConnectedComponentImageFilter<LabelImageType, LabelImageType>;
  auto filter = Filter::New();
  filter->SetInput(mask);
  filter->SetFullyConnected(true);
  filter->SetBackgroundValue(0);
  try
  {
    filter->Update();
  }
  catch (const itk::ExceptionObject & e)
  {
    throw std::runtime_error(std::string("connected components: ") + e.GetDescription());
  }
  LabelImageType::Pointer output = filter->GetOutput();
  output->DisconnectPipeline();
  return output;
}

double
LabelStatistics::EquivalentRadius() const
{
  return std::cbrt(3.0 * volume / (4.0 * itk::Math::pi));
}

std::vector<LabelStatistics>
ComputeLabelStatistics(const LabelImageType * labels)
{
  struct Sums
  {
    std::size_t count{ 0 };
    double      index[3]{ 0, 0, 0 };
  };
  std::vector<Sums> sums(std::size_t{ std::numeric_limits<LabelImageType::PixelType>::max() } + 1);
  const SizeType    size = labels->GetLargestPossibleRegion().GetSize();
  const auto *      buffer = labels->GetBufferPointer();
  std::size_t       offset = 0;
  for (std::size_t k = 0; k < size[2]; ++k)
  {
    for (std::size_t j = 0; j < size[1]; ++j)
    {
      for (std::size_t i = 0; i < size[0]; ++i, ++offset)
      {
        if (buffer[offset] != 0)
        {
          Sums & s = sums[buffer[offset]];
          ++s.count;
          s.index[0] += static_cast<double>(i);
          s.index[1] += static_cast<double>(j);
          s.index[2] += static_cast<double>(k);
        }
      }
    }
  }
  const double                 voxelVolume = VoxelVolume(labels);
  const auto                   start = labels->GetLargestPossibleRegion().GetIndex();
  std::vector<LabelStatistics> statistics;
  for (std::size_t label = 1; label < sums.size(); ++label)
  {
    const Sums & s = sums[label];
    if (s.count == 0)
    {
      continue;
    }
    itk::ContinuousIndex<double, 3> centre;
    for (unsigned int d = 0; d < 3; ++d)
    {
      centre[d] = static_cast<double>(start[d]) + s.index[d] / static_cast<double>(s.count);
    }
    LabelStatistics l;
    l.label = static_cast<LabelImageType::PixelType>(label);
    l.voxelCount = s.count;
    l.volume = static_cast<double>(s.count) * voxelVolume;
    labels->TransformContinuousIndexToPhysicalPoint(centre, l.centroid);
    statistics.push_back(l);
  }
  return statistics;
}

double
Dice(const LabelImageType * a, const LabelImageType * b)
{
  RequireSameGrid(a, b, "Dice");
  const auto * pa = a->GetBufferPointer();
  const auto * pb = b->GetBufferPointer();
  std::size_t  na = 0, nb = 0, both = 0;
  for (std::size_t i = 0; i < VoxelCount(a); ++i)
  {
    na += pa[i] != 0;
    nb += pb[i] != 0;
    both += pa[i] != 0 && pb[i] != 0;
  }
  return na + nb == 0 ? 1.0 : 2.0 * static_cast<double>(both) / static_cast<double>(na + nb);
}

LabelImageType::Pointer
SurfaceVoxels(const LabelImageType * mask)
{
  auto           surface = EmptyLabelMap(mask);
  const SizeType size = mask->GetLargestPossibleRegion().GetSize();
  const auto *   in = mask->GetBufferPointer();
  auto *         out = surface->GetBufferPointer();
  const long     nx = static_cast<long>(size[0]), ny = static_cast<long>(size[1]), nz = static_cast<long>(size[2]);
  const long     strides[3] = { 1, nx, nx * ny };
  const long     extent[3] = { nx, ny, nz };
  long           offset = 0;
  for (long k = 0; k < nz; ++k)
  {
    for (long j = 0; j < ny; ++j)
    {
      for (long i = 0; i < nx; ++i, ++offset)
      {
        if (in[offset] == 0)
        {
          continue;
        }
        const long index[3] = { i, j, k };
        bool       boundary = false;
        for (unsigned int d = 0; d < 3 && !boundary; ++d)
        {
          boundary =
            index[d] == 0 || index[d] == extent[d] - 1 || in[offset - strides[d]] == 0 || in[offset + strides[d]] == 0;
        }
        out[offset] = boundary ? 1 : 0;
      }
    }
  }
  return surface;
}

std::vector<double>
SurfaceDistances(const LabelImageType * from, const LabelImageType * to)
{
  RequireSameGrid(from, to, "SurfaceDistances");
  const auto fromSurface = NonZeroIndices(SurfaceVoxels(from));
  const auto toSurface = NonZeroIndices(SurfaceVoxels(to));
  if (fromSurface.empty() || toSurface.empty())
  {
    return {};
  }
  // Distance map of the `to` surface on the bounding box of both surfaces, padded by one background voxel
  // so that every surface voxel (image-edge ones included) is on the boundary of the object the distance
  // transform sees. Euclidean distances do not depend on the rest of the image, so the crop is exact.
  using MaskImage = itk::Image<std::uint8_t, 3>;
  using DistanceImage = itk::Image<float, 3>;
  const auto box = BoundingBox(fromSurface, toSurface);
  auto       crop = MaskImage::New();
  SizeType   cropSize;
  for (unsigned int d = 0; d < 3; ++d)
  {
    cropSize[d] = static_cast<SizeType::SizeValueType>(box[1][d] - box[0][d] + 3);
  }
  crop->SetRegions(MaskImage::RegionType(cropSize));
  crop->SetSpacing(from->GetSpacing());
  crop->Allocate();
  crop->FillBuffer(0);
  auto toCrop = [&box](const IndexType & index) {
    MaskImage::IndexType local;
    for (unsigned int d = 0; d < 3; ++d)
    {
      local[d] = index[d] - box[0][d] + 1;
    }
    return local;
  };
  for (const auto & index : toSurface)
  {
    crop->SetPixel(toCrop(index), 1);
  }
  auto maurer = itk::SignedMaurerDistanceMapImageFilter<MaskImage, DistanceImage>::New();
  maurer->SetInput(crop);
  maurer->SetBackgroundValue(0);
  maurer->SetUseImageSpacing(true);
  maurer->SetSquaredDistance(false);
  maurer->SetInsideIsPositive(false);
  maurer->Update();
  const DistanceImage * distance = maurer->GetOutput();
  std::vector<double>   distances;
  distances.reserve(fromSurface.size());
  for (const auto & index : fromSurface)
  {
    const auto local = toCrop(index);
    distances.push_back(crop->GetPixel(local) != 0 ? 0.0 : std::abs(static_cast<double>(distance->GetPixel(local))));
  }
  return distances;
}

std::optional<double>
Quantile(std::vector<double> values, double q)
{
  if (values.empty())
  {
    return std::nullopt;
  }
  std::sort(values.begin(), values.end());
  const double      position = std::clamp(q, 0.0, 1.0) * static_cast<double>(values.size() - 1);
  const std::size_t lower = static_cast<std::size_t>(std::floor(position));
  const std::size_t upper = std::min(lower + 1, values.size() - 1);
  const double      fraction = position - static_cast<double>(lower);
  return values[lower] + fraction * (values[upper] - values[lower]);
}

std::optional<double>
HausdorffDistance95(const LabelImageType * a, const LabelImageType * b)
{
  RequireSameGrid(a, b, "HausdorffDistance95");
  const bool emptyA = CountForeground(a) == 0;
  const bool emptyB = CountForeground(b) == 0;
  if (emptyA && emptyB)
  {
    return 0.0;
  }
  if (emptyA || emptyB)
  {
    return std::nullopt;
  }
  std::vector<double> pooled = SurfaceDistances(a, b);
  const auto          back = SurfaceDistances(b, a);
  pooled.insert(pooled.end(), back.begin(), back.end());
  return Quantile(std::move(pooled), 0.95);
}

std::optional<double>
OverlapMetrics::VolumeErrorPercent() const
{
  if (truthVolume <= 0.0)
  {
    return std::nullopt;
  }
  return 100.0 * VolumeError() / truthVolume;
}

OverlapMetrics
CompareMasks(const LabelImageType * truth, const LabelImageType * result)
{
  RequireSameGrid(truth, result, "CompareMasks");
  OverlapMetrics m;
  const auto *   pt = truth->GetBufferPointer();
  const auto *   pr = result->GetBufferPointer();
  for (std::size_t i = 0; i < VoxelCount(truth); ++i)
  {
    m.truthVoxels += pt[i] != 0;
    m.resultVoxels += pr[i] != 0;
    m.intersectionVoxels += pt[i] != 0 && pr[i] != 0;
  }
  const double voxelVolume = VoxelVolume(truth);
  m.truthVolume = static_cast<double>(m.truthVoxels) * voxelVolume;
  m.resultVolume = static_cast<double>(m.resultVoxels) * voxelVolume;
  const std::size_t total = m.truthVoxels + m.resultVoxels;
  m.dice = total == 0 ? 1.0 : 2.0 * static_cast<double>(m.intersectionVoxels) / static_cast<double>(total);
  m.hausdorff95 = HausdorffDistance95(truth, result);
  return m;
}

} // namespace cordresponse
