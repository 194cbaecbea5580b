#ifndef itkVertebralLevelAssignmentImageFilter_hxx
#define itkVertebralLevelAssignmentImageFilter_hxx

#include "itkVertebralLevelAssignmentImageFilter.h"

#include "itkImageRegionConstIteratorWithIndex.h"
#include "itkProgressReporter.h"
#include "itkSpinalLevels.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace itk {

template <typename TLabelImage>
VertebralLevelAssignmentImageFilter<TLabelImage>::VertebralLevelAssignmentImageFilter()
{
  this->SetNumberOfRequiredInputs(1);
}

template <typename TLabelImage>
void
VertebralLevelAssignmentImageFilter<TLabelImage>::SetDiscLabels(const TLabelImage * labels)
{
  m_DiscLabels = labels;
  m_LabelledCord = nullptr;
  this->Modified();
}

template <typename TLabelImage>
void
VertebralLevelAssignmentImageFilter<TLabelImage>::SetLabelledCord(const TLabelImage * labels)
{
  m_LabelledCord = labels;
  m_DiscLabels = nullptr;
  this->Modified();
}

template <typename TLabelImage>
void
VertebralLevelAssignmentImageFilter<TLabelImage>::GenerateInputRequestedRegion()
{
  Superclass::GenerateInputRequestedRegion();
  if (auto * input = const_cast<TLabelImage *>(this->GetInput()))
  {
    input->SetRequestedRegionToLargestPossibleRegion();
  }
}

template <typename TLabelImage>
void
VertebralLevelAssignmentImageFilter<TLabelImage>::EnlargeOutputRequestedRegion(DataObject * output)
{
  Superclass::EnlargeOutputRequestedRegion(output);
  output->SetRequestedRegionToLargestPossibleRegion();
}

template <typename TLabelImage>
double
VertebralLevelAssignmentImageFilter<TLabelImage>::ArcLength(const PointType & point) const
{
  if (m_Centreline.empty())
  {
    return point[2];
  }
  std::size_t best = 0;
  double      bestDistance = std::numeric_limits<double>::max();
  for (std::size_t i = 0; i < m_Centreline.size(); ++i)
  {
    const double d = point.SquaredEuclideanDistanceTo(m_Centreline[i]);
    if (d < bestDistance)
    {
      bestDistance = d;
      best = i;
    }
  }
  return m_ArcLength[best] + (point - m_Centreline[best]) * m_Tangent[best];
}

template <typename TLabelImage>
void
VertebralLevelAssignmentImageFilter<TLabelImage>::GenerateData()
{
  const TLabelImage * cord = this->GetInput();
  TLabelImage *       output = this->GetOutput();
  output->SetBufferedRegion(output->GetRequestedRegion());
  output->Allocate();
  output->FillBuffer(0);
  m_Centreline.clear(), m_ArcLength.clear(), m_Tangent.clear(), m_Intervals.clear();
  m_LevelSource = LevelSourceEnum::None;
  ProgressReporter progress(this, 0, 3, 100);

  // Centreline: centroids of the cross-sections, ordered caudal -> cranial, smoothed.
  const SpinalCordGrid grid(cord);
  const unsigned int   cc = grid.CranioCaudalAxis();
  {
    std::vector<std::array<double, 4>> sums(static_cast<std::size_t>(grid.Size(cc)), { { 0, 0, 0, 0 } });
    const auto *                       buffer = cord->GetBufferPointer();
    for (std::size_t k = 0; k < grid.NumberOfVoxels(); ++k)
    {
      if (buffer[k])
      {
        const auto i = grid.Index(k);
        const auto p = grid.Point(i);
        auto &     s = sums[static_cast<std::size_t>(i[cc])];
        s[0] += p[0], s[1] += p[1], s[2] += p[2], s[3] += 1.0;
      }
    }
    std::vector<PointType> raw;
    for (const auto & s : sums)
    {
      if (s[3] > 0)
      {
        PointType p;
        p[0] = s[0] / s[3], p[1] = s[1] / s[3], p[2] = s[2] / s[3];
        raw.push_back(p);
      }
    }
    if (grid.SuperiorSign() < 0)
    {
      std::reverse(raw.begin(), raw.end());
    }
    const long h = 3;
    for (long i = 0; i < static_cast<long>(raw.size()); ++i)
    {
      PointType p;
      p.Fill(0.0);
      double n = 0;
      for (long j = std::max(0L, i - h); j <= std::min(static_cast<long>(raw.size()) - 1, i + h); ++j)
      {
        for (unsigned int d = 0; d < 3; ++d)
          p[d] += raw[static_cast<std::size_t>(j)][d];
        n += 1;
      }
      for (unsigned int d = 0; d < 3; ++d)
        p[d] /= n;
      m_Centreline.push_back(p);
    }
    for (std::size_t i = 0; i < m_Centreline.size(); ++i)
    {
      const std::size_t a = i == 0 ? 0 : i - 1, b = std::min(m_Centreline.size() - 1, i + 1);
      Vector<double, 3> t = m_Centreline[b] - m_Centreline[a];
      if (t.GetNorm() < 1e-9)
      {
        t.Fill(0.0);
        t[2] = 1.0;
      }
      t.Normalize();
      m_Tangent.push_back(t);
      m_ArcLength.push_back(i == 0 ? 0.0
                                   : m_ArcLength.back() + m_Centreline[i].EuclideanDistanceTo(m_Centreline[i - 1]));
    }
  }
  progress.CompletedPixel();

  // Level intervals along s.
  if (m_DiscLabels)
  {
    std::map<unsigned int, std::array<double, 4>>  discs;
    ImageRegionConstIteratorWithIndex<TLabelImage> it(m_DiscLabels, m_DiscLabels->GetLargestPossibleRegion());
    for (; !it.IsAtEnd(); ++it)
    {
      if (it.Get() > 0 && it.Get() <= SpinalLevels::Last + 1)
      {
        PointType p;
        m_DiscLabels->TransformIndexToPhysicalPoint(it.GetIndex(), p);
        auto & s = discs[static_cast<unsigned int>(it.Get())];
        s[0] += p[0], s[1] += p[1], s[2] += p[2], s[3] += 1.0;
      }
    }
    std::vector<std::pair<unsigned int, double>> positions; // level, s (caudal levels have smaller s)
    for (const auto & d : discs)
    {
      PointType p;
      p[0] = d.second[0] / d.second[3], p[1] = d.second[1] / d.second[3], p[2] = d.second[2] / d.second[3];
      positions.emplace_back(d.first, ArcLength(p));
    }
    if (!positions.empty())
    {
      m_LevelSource = LevelSourceEnum::DiscLabels;
      double meanHeight = 0.0;
      if (positions.size() >= 2)
      {
        meanHeight = (positions.front().second - positions.back().second) /
                     static_cast<double>(positions.back().first - positions.front().first);
      }
      for (std::size_t i = 0; i + 1 < positions.size(); ++i)
      {
        const unsigned int a = positions[i].first, b = positions[i + 1].first;
        const double       step = (positions[i].second - positions[i + 1].second) / static_cast<double>(b - a);
        for (unsigned int l = a; l < b; ++l)
        {
          m_Intervals.push_back({ l, positions[i].second - step * (l - a), positions[i].second - step * (l + 1 - a) });
        }
      }
      if (meanHeight > 0.0)
      {
        const double ext = m_ExtrapolationFactor * meanHeight;
        if (positions.front().first > 1)
        {
          m_Intervals.push_back(
            { positions.front().first - 1, positions.front().second + ext, positions.front().second });
        }
        m_Intervals.push_back({ positions.back().first, positions.back().second, positions.back().second - ext });
      }
    }
  }
  else if (m_LabelledCord)
  {
    std::map<unsigned int, std::array<double, 2>>  extent; // level -> {min s, max s}
    ImageRegionConstIteratorWithIndex<TLabelImage> it(m_LabelledCord, m_LabelledCord->GetLargestPossibleRegion());
    for (; !it.IsAtEnd(); ++it)
    {
      if (it.Get() > 0 && it.Get() <= SpinalLevels::Last)
      {
        PointType p;
        m_LabelledCord->TransformIndexToPhysicalPoint(it.GetIndex(), p);
        const double s = ArcLength(p);
        auto         e = extent.find(static_cast<unsigned int>(it.Get()));
        if (e == extent.end())
          extent[static_cast<unsigned int>(it.Get())] = { { s, s } };
        else
          e->second = { { std::min(e->second[0], s), std::max(e->second[1], s) } };
      }
    }
    if (!extent.empty())
    {
      m_LevelSource = LevelSourceEnum::LabelledCord;
      for (auto e = extent.begin(); e != extent.end(); ++e)
      {
        auto   next = std::next(e);
        double top = e->second[1], bottom = e->second[0];
        if (e != extent.begin())
        {
          top = 0.5 * (std::prev(e)->second[0] + e->second[1]);
        }
        if (next != extent.end())
        {
          bottom = 0.5 * (e->second[0] + next->second[1]);
        }
        m_Intervals.push_back({ e->first, top, bottom });
      }
    }
  }
  progress.CompletedPixel();

  // Label the cord.
  auto *       out = output->GetBufferPointer();
  const auto * in = cord->GetBufferPointer();
  for (std::size_t k = 0; k < grid.NumberOfVoxels(); ++k)
  {
    if (in[k] && !m_Intervals.empty())
    {
      out[k] = static_cast<typename TLabelImage::PixelType>(LevelAt(grid.Point(grid.Index(k))));
    }
  }
  progress.CompletedPixel();
}

template <typename TLabelImage>
unsigned int
VertebralLevelAssignmentImageFilter<TLabelImage>::LevelAt(const PointType & point) const
{
  if (m_Intervals.empty())
  {
    return 0;
  }
  const double s = ArcLength(point);
  for (const auto & i : m_Intervals)
  {
    if (s <= i.top && s > i.bottom)
    {
      return i.level;
    }
  }
  return 0;
}

template <typename TLabelImage>
std::pair<unsigned int, unsigned int>
VertebralLevelAssignmentImageFilter<TLabelImage>::LevelSpan(const TLabelImage * labels, unsigned int value) const
{
  unsigned int                                   first = 0, last = 0;
  bool                                           unknown = false, any = false;
  ImageRegionConstIteratorWithIndex<TLabelImage> it(labels, labels->GetLargestPossibleRegion());
  for (; !it.IsAtEnd(); ++it)
  {
    if (it.Get() == 0 || (value != 0 && it.Get() != value))
    {
      continue;
    }
    any = true;
    PointType p;
    labels->TransformIndexToPhysicalPoint(it.GetIndex(), p);
    const unsigned int level = LevelAt(p);
    if (level == 0)
    {
      unknown = true;
      continue;
    }
    first = first == 0 ? level : std::min(first, level);
    last = std::max(last, level);
  }
  if (!any || unknown || first == 0)
  {
    return { 0, 0 };
  }
  return { first, last };
}

template <typename TLabelImage>
std::string
VertebralLevelAssignmentImageFilter<TLabelImage>::LevelSpanName(const TLabelImage * labels, unsigned int value) const
{
  const auto span = LevelSpan(labels, value);
  return SpinalLevels::SpanName(span.first, span.second);
}

template <typename TLabelImage>
void
VertebralLevelAssignmentImageFilter<TLabelImage>::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "ExtrapolationFactor: " << m_ExtrapolationFactor << std::endl;
  os << indent << "LevelSource: " << static_cast<int>(m_LevelSource) << std::endl;
  os << indent << "Level intervals: " << m_Intervals.size() << std::endl;
}
} // namespace itk

#endif
