#include "itkSpinalCordGrid.h"

#include <algorithm>
#include <deque>
#include <cmath>
#include <limits>
#include <utility>

namespace itk {

SpinalCordGrid::SpinalCordGrid(const ImageBase<3> * image)
{
  const auto & size = image->GetLargestPossibleRegion().GetSize();
  const auto & direction = image->GetDirection();
  for (unsigned int d = 0; d < 3; ++d)
  {
    m_Size[d] = static_cast<long>(size[d]);
    m_Spacing[d] = image->GetSpacing()[d];
  }
  m_Origin = image->GetOrigin();
  for (unsigned int r = 0; r < 3; ++r)
  {
    for (unsigned int c = 0; c < 3; ++c)
    {
      m_IndexToPhysical(r, c) = direction(r, c) * m_Spacing[c];
    }
  }
  m_PhysicalToIndex = Matrix<double, 3, 3>(m_IndexToPhysical.GetInverse());
  double best = -1.0;
  for (unsigned int c = 0; c < 3; ++c)
  {
    if (std::abs(direction(2, c)) > best)
    {
      best = std::abs(direction(2, c));
      m_CranioCaudalAxis = c;
    }
  }
  m_SuperiorSign = direction(2, m_CranioCaudalAxis) >= 0.0 ? 1 : -1;
  unsigned int k = 0;
  for (unsigned int c = 0; c < 3; ++c)
  {
    if (c != m_CranioCaudalAxis)
    {
      m_InPlaneAxes[k++] = c;
    }
  }
}

Vector<double, 3>
SpinalCordGrid::AxisDirection(unsigned int axis) const
{
  Vector<double, 3> v;
  for (unsigned int r = 0; r < 3; ++r)
  {
    v[r] = m_IndexToPhysical(r, axis) / m_Spacing[axis];
  }
  return v;
}

double
SpinalCordGrid::PositionAlong(std::size_t offset, unsigned int axis) const
{
  const auto pt = Point(Index(offset));
  const auto direction = AxisDirection(axis);
  return pt[0] * direction[0] + pt[1] * direction[1] + pt[2] * direction[2];
}

SpinalCordGrid::IndexArray
SpinalCordGrid::Index(std::size_t offset) const
{
  IndexArray i;
  i[0] = static_cast<long>(offset % static_cast<std::size_t>(m_Size[0]));
  offset /= static_cast<std::size_t>(m_Size[0]);
  i[1] = static_cast<long>(offset % static_cast<std::size_t>(m_Size[1]));
  i[2] = static_cast<long>(offset / static_cast<std::size_t>(m_Size[1]));
  return i;
}

SpinalCordGrid::PointType
SpinalCordGrid::Point(const IndexArray & i) const
{
  return Point(
    std::array<double, 3>{ { static_cast<double>(i[0]), static_cast<double>(i[1]), static_cast<double>(i[2]) } });
}

SpinalCordGrid::PointType
SpinalCordGrid::Point(const std::array<double, 3> & i) const
{
  PointType p = m_Origin;
  for (unsigned int r = 0; r < 3; ++r)
  {
    for (unsigned int c = 0; c < 3; ++c)
    {
      p[r] += m_IndexToPhysical(r, c) * i[c];
    }
  }
  return p;
}

std::array<double, 3>
SpinalCordGrid::ContinuousIndex(const PointType & p) const
{
  std::array<double, 3> i{ { 0, 0, 0 } };
  for (unsigned int r = 0; r < 3; ++r)
  {
    for (unsigned int c = 0; c < 3; ++c)
    {
      i[r] += m_PhysicalToIndex(r, c) * (p[c] - m_Origin[c]);
    }
  }
  return i;
}

long
SpinalCordGrid::BoxRadius(unsigned int axis, double halfWidth) const
{
  return std::max(0L, std::lround((2.0 * halfWidth / m_Spacing[axis] - 1.0) / 2.0));
}

long
SpinalCordGrid::BallRadius(unsigned int axis, double distance) const
{
  return std::max(0L, static_cast<long>(std::floor(distance / m_Spacing[axis] + 1e-6)));
}

double
SpinalCordGrid::Quantile(std::vector<float> & values, double q)
{
  if (values.empty())
  {
    return 0.0;
  }
  const auto k = static_cast<std::size_t>(std::lround(std::clamp(q, 0.0, 1.0) * (values.size() - 1)));
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(k), values.end());
  return values[k];
}

std::vector<float>
SpinalCordGrid::MaskedBoxMean(const std::vector<std::uint8_t> & mask,
                              const std::vector<float> &        values,
                              const std::array<long, 3> &       radii) const
{
  std::vector<float> mean(mask.size(), 0.0f);
  for (std::size_t k = 0; k < mask.size(); ++k)
  {
    if (!mask[k])
    {
      continue;
    }
    const IndexArray centre = Index(k);
    double           sum = 0.0;
    long             count = 0;
    for (long dz = -radii[2]; dz <= radii[2]; ++dz)
    {
      for (long dy = -radii[1]; dy <= radii[1]; ++dy)
      {
        for (long dx = -radii[0]; dx <= radii[0]; ++dx)
        {
          const IndexArray j{ { centre[0] + dx, centre[1] + dy, centre[2] + dz } };
          if (Inside(j) && mask[Offset(j)])
          {
            sum += values[Offset(j)];
            ++count;
          }
        }
      }
    }
    mean[k] = static_cast<float>(sum / static_cast<double>(count));
  }
  return mean;
}

double
SpinalCordGrid::RobustSigma(std::vector<float> values)
{
  const double median = Quantile(values, 0.5);
  for (float & x : values)
  {
    x = static_cast<float>(std::abs(x - median));
  }
  return 1.4826 * Quantile(values, 0.5);
}

double
SpinalCordGrid::NeighbourDifferenceSigma(const std::vector<std::uint8_t> & mask,
                                         const std::vector<float> &        values,
                                         unsigned int                      axis,
                                         long                              lag) const
{
  std::vector<float> differences;
  for (std::size_t k = 0; k < mask.size(); ++k)
  {
    if (!mask[k])
    {
      continue;
    }
    IndexArray next = Index(k);
    next[axis] += lag;
    if (Inside(next) && mask[Offset(next)])
    {
      differences.push_back(values[Offset(next)] - values[k]);
    }
  }
  return RobustSigma(std::move(differences)) / std::sqrt(2.0);
}

std::vector<double>
SpinalCordGrid::RunningQuantile(const std::vector<double> & series, long halfWindow, double q)
{
  const long          n = static_cast<long>(series.size());
  std::vector<double> out(series.size(), std::numeric_limits<double>::quiet_NaN());
  std::vector<float>  window;
  for (long i = 0; i < n; ++i)
  {
    window.clear();
    for (long j = std::max(0L, i - halfWindow); j <= std::min(n - 1, i + halfWindow); ++j)
    {
      if (!std::isnan(series[j]))
      {
        window.push_back(static_cast<float>(series[j]));
      }
    }
    if (!window.empty())
    {
      out[i] = Quantile(window, q);
    }
  }
  return out;
}

unsigned int
SpinalCordGrid::SliceAxis() const
{
  const auto minmax = std::minmax_element(m_Spacing.begin(), m_Spacing.end());
  if (*minmax.second > 1.2 * *minmax.first)
  {
    return static_cast<unsigned int>(minmax.second - m_Spacing.begin());
  }
  unsigned int best = 0;
  for (unsigned int d = 1; d < 3; ++d)
  {
    if (std::abs(m_IndexToPhysical(0, d) / m_Spacing[d]) > std::abs(m_IndexToPhysical(0, best) / m_Spacing[best]))
    {
      best = d;
    }
  }
  return best;
}

double
SpinalCordGrid::OffsetLength(const IndexArray & offset) const
{
  return std::sqrt(std::pow(offset[0] * m_Spacing[0], 2) + std::pow(offset[1] * m_Spacing[1], 2) +
                   std::pow(offset[2] * m_Spacing[2], 2));
}

std::vector<SpinalCordGrid::IndexArray>
SpinalCordGrid::BallOffsets(double radius) const
{
  std::vector<IndexArray> offsets;
  const long              r0 = BallRadius(0, radius), r1 = BallRadius(1, radius), r2 = BallRadius(2, radius);
  for (long k = -r2; k <= r2; ++k)
  {
    for (long j = -r1; j <= r1; ++j)
    {
      for (long i = -r0; i <= r0; ++i)
      {
        if (OffsetLength({ { i, j, k } }) <= radius + 1e-6)
        {
          offsets.push_back({ { i, j, k } });
        }
      }
    }
  }
  return offsets;
}

namespace {
std::vector<SpinalCordGrid::IndexArray>
EllipsoidOffsets(const std::array<long, 3> & r)
{
  std::vector<SpinalCordGrid::IndexArray> offsets;
  for (long k = -r[2]; k <= r[2]; ++k)
    for (long j = -r[1]; j <= r[1]; ++j)
      for (long i = -r[0]; i <= r[0]; ++i)
      {
        double s = 0.0;
        s += r[0] ? double(i * i) / double(r[0] * r[0]) : 0.0;
        s += r[1] ? double(j * j) / double(r[1] * r[1]) : 0.0;
        s += r[2] ? double(k * k) / double(r[2] * r[2]) : 0.0;
        if (s <= 1.0 + 1e-9)
          offsets.push_back({ { i, j, k } });
      }
  return offsets;
}
} // namespace

std::vector<std::uint8_t>
SpinalCordGrid::Dilate(const std::vector<std::uint8_t> & mask, const std::array<long, 3> & radii) const
{
  return DilateWith(mask, EllipsoidOffsets(radii));
}

std::vector<std::uint8_t>
SpinalCordGrid::Erode(const std::vector<std::uint8_t> & mask, const std::array<long, 3> & radii) const
{
  return ErodeWith(mask, EllipsoidOffsets(radii));
}

std::vector<std::uint8_t>
SpinalCordGrid::Dilate(const std::vector<std::uint8_t> & mask, double radius) const
{
  return DilateWith(mask, BallOffsets(radius));
}

std::vector<std::uint8_t>
SpinalCordGrid::Erode(const std::vector<std::uint8_t> & mask, double radius) const
{
  return ErodeWith(mask, BallOffsets(radius));
}

std::vector<std::uint8_t>
SpinalCordGrid::DilateWith(const std::vector<std::uint8_t> & mask, const std::vector<IndexArray> & offsets) const
{
  std::vector<std::uint8_t> out(mask.size(), 0);
  for (std::size_t k = 0; k < mask.size(); ++k)
  {
    if (!mask[k])
    {
      continue;
    }
    const IndexArray i = Index(k);
    for (const auto & o : offsets)
    {
      const IndexArray n{ { i[0] + o[0], i[1] + o[1], i[2] + o[2] } };
      if (Inside(n))
      {
        out[Offset(n)] = 1;
      }
    }
  }
  return out;
}

std::vector<std::uint8_t>
SpinalCordGrid::ErodeWith(const std::vector<std::uint8_t> & mask, const std::vector<IndexArray> & offsets) const
{
  std::vector<std::uint8_t> out(mask.size(), 0);
  for (std::size_t k = 0; k < mask.size(); ++k)
  {
    if (!mask[k])
    {
      continue;
    }
    const IndexArray i = Index(k);
    bool             keep = true;
    for (const auto & o : offsets)
    {
      const IndexArray n{ { i[0] + o[0], i[1] + o[1], i[2] + o[2] } };
      if (!Inside(n) || !mask[Offset(n)])
      {
        keep = false;
        break;
      }
    }
    out[k] = keep ? 1 : 0;
  }
  return out;
}

void
SpinalCordGrid::FillHolesPerSlice(std::vector<std::uint8_t> &       mask,
                                  unsigned int                      sliceAxis,
                                  const std::vector<std::uint8_t> * allowed) const
{
  unsigned int u = 0, v = 0;
  {
    unsigned int k = 0;
    unsigned int axes[2] = { 0, 0 };
    for (unsigned int d = 0; d < 3; ++d)
    {
      if (d != sliceAxis)
      {
        axes[k++] = d;
      }
    }
    u = axes[0], v = axes[1];
  }
  const long                nu = m_Size[u], nv = m_Size[v];
  std::vector<std::uint8_t> outside(static_cast<std::size_t>(nu * nv));
  std::deque<long>          queue;
  for (long s = 0; s < m_Size[sliceAxis]; ++s)
  {
    auto offset = [&](long a, long b) {
      IndexArray i{};
      i[sliceAxis] = s, i[u] = a, i[v] = b;
      return Offset(i);
    };
    bool any = false;
    for (long a = 0; a < nu && !any; ++a)
    {
      for (long b = 0; b < nv && !any; ++b)
      {
        any = mask[offset(a, b)] != 0;
      }
    }
    if (!any)
    {
      continue;
    }
    std::fill(outside.begin(), outside.end(), std::uint8_t{ 0 });
    for (long a = 0; a < nu; ++a)
    {
      for (long b = 0; b < nv; ++b)
      {
        if ((a == 0 || b == 0 || a == nu - 1 || b == nv - 1) && !mask[offset(a, b)])
        {
          outside[static_cast<std::size_t>(a * nv + b)] = 1;
          queue.push_back(a * nv + b);
        }
      }
    }
    while (!queue.empty())
    {
      const long q = queue.front();
      queue.pop_front();
      const long a = q / nv, b = q % nv;
      const long na[4] = { a - 1, a + 1, a, a }, nb[4] = { b, b, b - 1, b + 1 };
      for (int n = 0; n < 4; ++n)
      {
        if (na[n] < 0 || nb[n] < 0 || na[n] >= nu || nb[n] >= nv)
        {
          continue;
        }
        const auto kk = static_cast<std::size_t>(na[n] * nv + nb[n]);
        if (!outside[kk] && !mask[offset(na[n], nb[n])])
        {
          outside[kk] = 1;
          queue.push_back(static_cast<long>(kk));
        }
      }
    }
    for (long a = 0; a < nu; ++a)
    {
      for (long b = 0; b < nv; ++b)
      {
        const auto k = offset(a, b);
        if (!outside[static_cast<std::size_t>(a * nv + b)] && !mask[k] && (!allowed || (*allowed)[k]))
        {
          mask[k] = 1;
        }
      }
    }
  }
}

std::vector<unsigned int>
SpinalCordGrid::Components(const std::vector<std::uint8_t> & mask, unsigned int & count) const
{
  std::vector<unsigned int> labels(mask.size(), 0);
  count = 0;
  std::deque<std::size_t> queue;
  for (std::size_t k = 0; k < mask.size(); ++k)
  {
    if (!mask[k] || labels[k])
    {
      continue;
    }
    labels[k] = ++count;
    queue.push_back(k);
    while (!queue.empty())
    {
      const std::size_t q = queue.front();
      queue.pop_front();
      const IndexArray i = Index(q);
      for (long dz = -1; dz <= 1; ++dz)
      {
        for (long dy = -1; dy <= 1; ++dy)
        {
          for (long dx = -1; dx <= 1; ++dx)
          {
            const IndexArray n{ { i[0] + dx, i[1] + dy, i[2] + dz } };
            if (!Inside(n))
            {
              continue;
            }
            const std::size_t o = Offset(n);
            if (mask[o] && !labels[o])
            {
              labels[o] = count;
              queue.push_back(o);
            }
          }
        }
      }
    }
  }
  return labels;
}

} // namespace itk
