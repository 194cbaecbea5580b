#include "cordresponse/LesionMatching.h"

#include "itkMath.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

namespace cordresponse {
namespace {

double
EquivalentRadius(double volume)
{
  return std::cbrt(3.0 * volume / (4.0 * itk::Math::pi));
}

double
Distance(const std::array<double, 3> & a, const std::array<double, 3> & b)
{
  return std::sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]));
}

/** Union-find over node indices. */
class Groups
{
public:
  explicit Groups(std::size_t n)
    : m_Parent(n)
  {
    std::iota(m_Parent.begin(), m_Parent.end(), 0);
  }
  std::size_t
  Find(std::size_t i)
  {
    while (m_Parent[i] != i)
    {
      i = m_Parent[i] = m_Parent[m_Parent[i]];
    }
    return i;
  }
  void
  Join(std::size_t a, std::size_t b)
  {
    a = Find(a), b = Find(b);
    if (a != b)
    {
      m_Parent[std::max(a, b)] = std::min(a, b);
    }
  }

private:
  std::vector<std::size_t> m_Parent;
};
} // namespace

std::vector<LesionChange>
MatchLesionsAcrossTime(const LabelImageType *             from,
                       const LabelImageType *             toInFromSpace,
                       const std::vector<MatchedLesion> & fromLesions,
                       const std::vector<MatchedLesion> & toLesions,
                       const MatchingCriteria &           criteria)
{
  // Nodes: earlier lesions first, then later ones.
  std::map<unsigned int, std::size_t> fromIndex, toIndex;
  for (std::size_t i = 0; i < fromLesions.size(); ++i)
  {
    fromIndex[fromLesions[i].id] = i;
  }
  for (std::size_t i = 0; i < toLesions.size(); ++i)
  {
    toIndex[toLesions[i].id] = fromLesions.size() + i;
  }
  Groups                groups(fromLesions.size() + toLesions.size());
  std::set<std::size_t> linked;
  // Overlap edges.
  const auto * a = from->GetBufferPointer();
  const auto * b = toInFromSpace->GetBufferPointer();
  for (std::size_t v = 0; v < from->GetPixelContainer()->Size(); ++v)
  {
    if (a[v] == 0 || b[v] == 0)
    {
      continue;
    }
    const auto fi = fromIndex.find(a[v]);
    const auto ti = toIndex.find(b[v]);
    if (fi != fromIndex.end() && ti != toIndex.end())
    {
      groups.Join(fi->second, ti->second);
      linked.insert(fi->second);
      linked.insert(ti->second);
    }
  }
  // Centroid fallback for lesions that overlap nothing (e.g. a focus that shrank off its old footprint):
  // each unlinked earlier lesion takes the nearest unlinked later lesion within reach.
  for (std::size_t i = 0; i < fromLesions.size(); ++i)
  {
    if (linked.count(i))
    {
      continue;
    }
    double      best = 1e300;
    std::size_t bestJ = 0;
    for (std::size_t j = 0; j < toLesions.size(); ++j)
    {
      const std::size_t node = fromLesions.size() + j;
      if (linked.count(node))
      {
        continue;
      }
      const double d = Distance(fromLesions[i].centroid, toLesions[j].centroid);
      const double reach = EquivalentRadius(fromLesions[i].volumeMm3) + EquivalentRadius(toLesions[j].volumeMm3) +
                           criteria.centroidMarginMm;
      if (d <= reach && d < best)
      {
        best = d, bestJ = node;
      }
    }
    if (best < 1e300)
    {
      groups.Join(i, bestJ);
      linked.insert(i);
      linked.insert(bestJ);
    }
  }
  // Collect groups.
  std::map<std::size_t, LesionChange> byRoot;
  for (std::size_t i = 0; i < fromLesions.size(); ++i)
  {
    auto & c = byRoot[groups.Find(i)];
    c.fromIds.push_back(fromLesions[i].id);
    c.fromVolumeMm3 += fromLesions[i].volumeMm3;
  }
  for (std::size_t j = 0; j < toLesions.size(); ++j)
  {
    auto & c = byRoot[groups.Find(fromLesions.size() + j)];
    c.toIds.push_back(toLesions[j].id);
    c.toVolumeMm3 += toLesions[j].volumeMm3;
  }
  std::vector<LesionChange> changes;
  for (auto & entry : byRoot)
  {
    LesionChange & c = entry.second;
    std::sort(c.fromIds.begin(), c.fromIds.end());
    std::sort(c.toIds.begin(), c.toIds.end());
    c.volumePercent = c.fromVolumeMm3 > 0.0 ? 100.0 * (c.toVolumeMm3 - c.fromVolumeMm3) / c.fromVolumeMm3 : 0.0;
    const std::size_t n = c.fromIds.size(), m = c.toIds.size();
    if (n == 1 && m == 0)
    {
      c.status = "resolved";
    }
    else if (n == 0)
    {
      const auto & lesion = toLesions[toIndex[c.toIds.front()] - fromLesions.size()];
      const bool   unequivocal = m > 1 || (lesion.volumeMm3 >= criteria.minimumNewVolumeMm3 &&
                                         lesion.sagittalSlices >= criteria.minimumNewSlices);
      c.status = unequivocal ? "new" : "equivocal-new";
    }
    else if (n == 1 && m == 1)
    {
      c.status = c.volumePercent <= criteria.shrinkingPercent ? "shrinking"
                 : c.volumePercent >= criteria.growingPercent ? "growing"
                                                              : "stable";
    }
    else if (m == 1)
    {
      c.status = "merged";
    }
    else if (n == 1)
    {
      c.status = "split";
    }
    else
    {
      c.status = "complex";
    }
    changes.push_back(c);
  }
  // Groups with earlier lesions in order of their smallest id, then new lesions by id.
  std::stable_sort(changes.begin(), changes.end(), [](const LesionChange & x, const LesionChange & y) {
    if (x.fromIds.empty() != y.fromIds.empty())
    {
      return !x.fromIds.empty();
    }
    return x.fromIds.empty() ? x.toIds.front() < y.toIds.front() : x.fromIds.front() < y.fromIds.front();
  });
  return changes;
}

RegionChange
CompareRegions(const LabelImageType * before, const LabelImageType * afterInBeforeSpace)
{
  RegionChange c;
  const auto & s = before->GetSpacing();
  const double voxel = s[0] * s[1] * s[2];
  const auto * a = before->GetBufferPointer();
  const auto * b = afterInBeforeSpace->GetBufferPointer();
  for (std::size_t v = 0; v < before->GetPixelContainer()->Size(); ++v)
  {
    c.grownMm3 += (a[v] == 0 && b[v] != 0) ? voxel : 0.0;
    c.shrunkMm3 += (a[v] != 0 && b[v] == 0) ? voxel : 0.0;
  }
  return c;
}

} // namespace cordresponse
