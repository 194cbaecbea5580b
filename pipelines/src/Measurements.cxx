#include "cordresponse/Measurements.h"

#include "itkMath.h"
#include "itkSpinalLevels.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace cordresponse {
namespace {
using Vec3 = std::array<double, 3>;

double
Dot(const Vec3 & a, const Vec3 & b)
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/** The grid's voxel edge vectors (direction column x spacing) in physical space. */
std::array<Vec3, 3>
VoxelEdges(const itk::ImageBase<3> * image)
{
  std::array<Vec3, 3> edges{};
  for (unsigned int a = 0; a < 3; ++a)
  {
    for (unsigned int r = 0; r < 3; ++r)
    {
      edges[a][r] = image->GetDirection()(r, a) * image->GetSpacing()[a];
    }
  }
  return edges;
}

/** Index axis closest to the left-right direction: the slice axis of a sagittal acquisition. */
unsigned int
LeftRightAxis(const itk::ImageBase<3> * image)
{
  unsigned int best = 0;
  for (unsigned int a = 1; a < 3; ++a)
  {
    if (std::abs(image->GetDirection()(0, a)) > std::abs(image->GetDirection()(0, best)))
    {
      best = a;
    }
  }
  return best;
}

/** Caliper extent of a voxel set along unit direction u: spread of the centres plus one voxel width. */
double
Extent(const std::vector<Vec3> &   centres,
       const std::array<Vec3, 3> & edges,
       const Vec3 &                u,
       const unsigned int *        axes,
       unsigned int                axisCount)
{
  double lo = 1e300, hi = -1e300;
  for (const auto & c : centres)
  {
    const double s = Dot(c, u);
    lo = std::min(lo, s);
    hi = std::max(hi, s);
  }
  // One voxel's width along u (root-sum-square of the edge projections: exact along the grid axes, and
  // unbiased for digitised round shapes along diagonals, unlike the full parallelepiped width).
  double width2 = 0.0;
  for (unsigned int i = 0; i < axisCount; ++i)
  {
    width2 += Dot(edges[axes[i]], u) * Dot(edges[axes[i]], u);
  }
  return hi - lo + std::sqrt(width2);
}

struct PlaneDiameters
{
  double longest{ 0 };
  double perpendicular{ 0 };
};

/** Longest caliper diameter in the sagittal (y, z) plane and the extent perpendicular to it. */
PlaneDiameters
SagittalDiameters(const std::vector<Vec3> & centres, const std::array<Vec3, 3> & edges, unsigned int sliceAxis)
{
  unsigned int inPlane[2];
  unsigned int n = 0;
  for (unsigned int a = 0; a < 3; ++a)
  {
    if (a != sliceAxis)
    {
      inPlane[n++] = a;
    }
  }
  PlaneDiameters best;
  double         bestAngle = 0.0;
  for (int step = 0; step < 360; ++step)
  {
    const double t = itk::Math::pi * step / 360.0;
    const Vec3   u{ 0.0, std::cos(t), std::sin(t) };
    const double e = Extent(centres, edges, u, inPlane, 2);
    if (e > best.longest)
    {
      best.longest = e;
      bestAngle = t;
    }
  }
  const Vec3 perpendicular{ 0.0, -std::sin(bestAngle), std::cos(bestAngle) };
  best.perpendicular = Extent(centres, edges, perpendicular, inPlane, 2);
  return best;
}

double
LongestDiameter3d(const std::vector<Vec3> & centres, const std::array<Vec3, 3> & edges)
{
  // Directions on a Fibonacci hemisphere (about 0.03 rad apart).
  const unsigned int axes[3] = { 0, 1, 2 };
  const int          count = 2000;
  double             best = 0.0;
  for (int i = 0; i < count; ++i)
  {
    const double z = 1.0 - (i + 0.5) / count; // hemisphere: z in (0, 1]
    const double r = std::sqrt(std::max(0.0, 1.0 - z * z));
    const double phi = i * itk::Math::pi * (3.0 - std::sqrt(5.0));
    best = std::max(best, Extent(centres, edges, { r * std::cos(phi), r * std::sin(phi), z }, axes, 3));
  }
  return best;
}

double
Median(std::vector<float> values)
{
  if (values.empty())
  {
    return 0.0;
  }
  const auto mid = values.begin() + static_cast<long>(values.size() / 2);
  std::nth_element(values.begin(), mid, values.end());
  return *mid;
}

double
Percentile(std::vector<float> values, double p)
{
  if (values.empty())
  {
    return 0.0;
  }
  const auto k = values.begin() + static_cast<long>(p / 100.0 * (values.size() - 1));
  std::nth_element(values.begin(), k, values.end());
  return *k;
}

std::string
SpanOf(const std::set<unsigned int> & levels)
{
  if (levels.empty())
  {
    return {};
  }
  return itk::SpinalLevels::SpanName(*levels.begin(), *levels.rbegin());
}

Vec3
Centre(const itk::ImageBase<3> * image, const itk::Index<3> & index)
{
  itk::Point<double, 3> p;
  image->TransformIndexToPhysicalPoint(index, p);
  return { p[0], p[1], p[2] };
}
} // namespace

double
LabelVolume(const LabelImageType * labels, unsigned int label)
{
  const auto * p = labels->GetBufferPointer();
  const auto   n = labels->GetPixelContainer()->Size();
  const auto   count = std::count_if(p, p + n, [label](auto v) { return label == 0 ? v != 0 : v == label; });
  const auto & s = labels->GetSpacing();
  return static_cast<double>(count) * s[0] * s[1] * s[2];
}

std::vector<LesionMeasurement>
MeasureLesions(const LabelImageType *        lesions,
               const ImageType *             t1post,
               const LabelImageType *        cord,
               const LabelImageType *        levels,
               const MeasurabilityCriteria & criteria)
{
  const auto        size = lesions->GetLargestPossibleRegion().GetSize();
  const auto        edges = VoxelEdges(lesions);
  const auto        sliceAxis = LeftRightAxis(lesions);
  const double      voxelVolume = lesions->GetSpacing()[0] * lesions->GetSpacing()[1] * lesions->GetSpacing()[2];
  const auto *      lab = lesions->GetBufferPointer();
  const std::size_t count = lesions->GetPixelContainer()->Size();

  struct Voxels
  {
    std::vector<Vec3>                 centres;
    std::map<long, std::vector<Vec3>> bySlice;
    std::vector<float>                values;
    std::set<unsigned int>            levels;
  };
  std::map<unsigned int, Voxels> byId;
  std::vector<float>             normalCord;
  for (std::size_t i = 0; i < count; ++i)
  {
    const unsigned int id = lab[i];
    if (id == 0)
    {
      if (cord && t1post && cord->GetBufferPointer()[i] != 0)
      {
        normalCord.push_back(t1post->GetBufferPointer()[i]);
      }
      continue;
    }
    const itk::Index<3> index = lesions->ComputeIndex(static_cast<itk::OffsetValueType>(i));
    auto &              v = byId[id];
    const Vec3          c = Centre(lesions, index);
    v.centres.push_back(c);
    v.bySlice[index[sliceAxis]].push_back(c);
    if (t1post)
    {
      v.values.push_back(t1post->GetBufferPointer()[i]);
    }
    if (levels && levels->GetBufferPointer()[i] != 0)
    {
      v.levels.insert(levels->GetBufferPointer()[i]);
    }
  }
  (void)size;
  const double       normal = Median(std::move(normalCord));
  const unsigned int zAxes[3] = { 0, 1, 2 };

  std::vector<LesionMeasurement> out;
  for (auto & entry : byId)
  {
    auto &            v = entry.second;
    LesionMeasurement m;
    m.id = entry.first;
    m.voxelCount = v.centres.size();
    m.volumeMm3 = m.voxelCount * voxelVolume;
    for (const auto & c : v.centres)
    {
      for (unsigned int d = 0; d < 3; ++d)
      {
        m.centroidLps[d] += c[d] / m.voxelCount;
      }
    }
    m.longestDiameter3dMm = LongestDiameter3d(v.centres, edges);
    m.sagittalSlices = static_cast<int>(v.bySlice.size());
    for (const auto & slice : v.bySlice)
    {
      const PlaneDiameters d = SagittalDiameters(slice.second, edges, sliceAxis);
      if (d.longest > m.sagittalLongestDiameterMm)
      {
        m.sagittalLongestDiameterMm = d.longest;
        m.sagittalPerpendicularMm = d.perpendicular;
      }
    }
    m.craniocaudalExtentMm = Extent(v.centres, edges, { 0.0, 0.0, 1.0 }, zAxes, 3);
    m.levels = SpanOf(v.levels);
    if (normal > 0.0 && !v.values.empty())
    {
      double sum = 0.0;
      for (float x : v.values)
      {
        sum += x;
      }
      m.meanEnhancementRatio = sum / v.values.size() / normal;
      m.peakEnhancementRatio = Percentile(std::move(v.values), 95.0) / normal;
    }
    m.ranoMeasurable = m.sagittalLongestDiameterMm >= criteria.minimumLongestDiameterMm &&
                       m.sagittalPerpendicularMm >= criteria.minimumPerpendicularMm &&
                       m.sagittalSlices >= criteria.minimumSlices;
    out.push_back(m);
  }
  return out;
}

EdemaMeasurement
MeasureRegion(const LabelImageType * region, const LabelImageType * levels)
{
  EdemaMeasurement       m;
  const auto             edges = VoxelEdges(region);
  std::vector<Vec3>      centres;
  std::set<unsigned int> touched;
  const auto *           p = region->GetBufferPointer();
  for (std::size_t i = 0; i < region->GetPixelContainer()->Size(); ++i)
  {
    if (p[i] == 0)
    {
      continue;
    }
    centres.push_back(Centre(region, region->ComputeIndex(static_cast<itk::OffsetValueType>(i))));
    if (levels && levels->GetBufferPointer()[i] != 0)
    {
      touched.insert(levels->GetBufferPointer()[i]);
    }
  }
  m.voxelCount = centres.size();
  const auto & s = region->GetSpacing();
  m.volumeMm3 = m.voxelCount * s[0] * s[1] * s[2];
  if (!centres.empty())
  {
    const unsigned int axes[3] = { 0, 1, 2 };
    m.craniocaudalExtentMm = Extent(centres, edges, { 0.0, 0.0, 1.0 }, axes, 3);
  }
  m.segments = static_cast<int>(touched.size());
  m.levels = SpanOf(touched);
  return m;
}

} // namespace cordresponse
