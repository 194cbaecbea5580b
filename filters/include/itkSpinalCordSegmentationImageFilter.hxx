#ifndef itkSpinalCordSegmentationImageFilter_hxx
#define itkSpinalCordSegmentationImageFilter_hxx

#include "itkSpinalCordSegmentationImageFilter.h"

#include "itkBinShrinkImageFilter.h"
#include "itkCastImageFilter.h"
#include "itkConnectedComponentImageFilter.h"
#include "itkImageAlgorithm.h"
#include "itkProgressReporter.h"
#include "itkRelabelComponentImageFilter.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>

namespace itk {

template <typename TInputImage, typename TOutputImage>
SpinalCordSegmentationImageFilter<TInputImage, TOutputImage>::SpinalCordSegmentationImageFilter()
{
  this->SetNumberOfRequiredInputs(1);
}

template <typename TInputImage, typename TOutputImage>
void
SpinalCordSegmentationImageFilter<TInputImage, TOutputImage>::GenerateInputRequestedRegion()
{
  Superclass::GenerateInputRequestedRegion();
  if (auto * input = const_cast<TInputImage *>(this->GetInput()))
  {
    input->SetRequestedRegionToLargestPossibleRegion();
  }
}

template <typename TInputImage, typename TOutputImage>
void
SpinalCordSegmentationImageFilter<TInputImage, TOutputImage>::EnlargeOutputRequestedRegion(DataObject * output)
{
  Superclass::EnlargeOutputRequestedRegion(output);
  output->SetRequestedRegionToLargestPossibleRegion();
}

template <typename TInputImage, typename TOutputImage>
void
SpinalCordSegmentationImageFilter<TInputImage, TOutputImage>::GenerateData()
{
  using FloatImage = Image<float, 3>;
  const TInputImage * input = this->GetInput();
  TOutputImage *      output = this->GetOutput();
  output->SetBufferedRegion(output->GetRequestedRegion());
  output->Allocate();
  output->FillBuffer(0);
  m_Centreline.clear();

  const SpinalCordGrid grid(input);
  const unsigned int   cc = grid.CranioCaudalAxis();
  const unsigned int   ax = grid.InPlaneAxes()[0];
  const unsigned int   bx = grid.InPlaneAxes()[1];
  const long           nc = grid.Size(cc);
  const long           na = grid.Size(ax);
  const long           nb = grid.Size(bx);
  const double         sa = grid.Spacing(ax);
  const double         sb = grid.Spacing(bx);
  const double         sign = m_Contrast == ContrastEnum::T2 ? 1.0 : -1.0; // work with "cord dark"

  ProgressReporter progress(this, 0, static_cast<SizeValueType>(4 * nc + 1), 100);

  // Working copy: v = sign * I, so that the cord is darker than CSF in both contrasts.
  auto cast = CastImageFilter<TInputImage, FloatImage>::New();
  cast->SetInput(input);
  cast->Update();
  FloatImage::Pointer floatImage = cast->GetOutput();
  std::vector<float>  v(grid.NumberOfVoxels());
  {
    const float * in = floatImage->GetBufferPointer();
    for (std::size_t i = 0; i < v.size(); ++i)
    {
      v[i] = static_cast<float>(sign * in[i]);
    }
  }

  // --- 2. Centreline: tube detector on a ~1 mm image, dynamic programming along the cord. ---
  typename BinShrinkImageFilter<FloatImage, FloatImage>::ShrinkFactorsType factors;
  for (unsigned int d = 0; d < 3; ++d)
  {
    factors[d] = static_cast<unsigned int>(std::max(1L, std::lround(1.0 / grid.Spacing(d))));
    factors[d] = std::min<unsigned int>(factors[d], static_cast<unsigned int>(std::max(1L, grid.Size(d) / 8)));
  }
  auto shrink = BinShrinkImageFilter<FloatImage, FloatImage>::New();
  shrink->SetInput(floatImage);
  shrink->SetShrinkFactors(factors);
  shrink->Update();
  const FloatImage *   small = shrink->GetOutput();
  const SpinalCordGrid sg(small);
  const long           mc = sg.Size(cc), ma = sg.Size(ax), mb = sg.Size(bx);
  std::vector<double>  integral(static_cast<std::size_t>((sg.Size(0) + 1) * (sg.Size(1) + 1) * (sg.Size(2) + 1)), 0.0);
  const long           i0 = sg.Size(0) + 1, i1 = sg.Size(1) + 1;
  auto                 at = [&](long x, long y, long z) -> double & {
    return integral[static_cast<std::size_t>(x + i0 * (y + i1 * z))];
  };
  double scale = 0.0;
  {
    const float *      sp = small->GetBufferPointer();
    std::vector<float> magnitudes(sg.NumberOfVoxels());
    for (long z = 0; z < sg.Size(2); ++z)
    {
      for (long y = 0; y < sg.Size(1); ++y)
      {
        for (long x = 0; x < sg.Size(0); ++x)
        {
          const double value = sign * sp[sg.Offset({ { x, y, z } })];
          magnitudes[sg.Offset({ { x, y, z } })] = static_cast<float>(std::abs(value));
          at(x + 1, y + 1, z + 1) = value + at(x, y + 1, z + 1) + at(x + 1, y, z + 1) + at(x + 1, y + 1, z) -
                                    at(x, y, z + 1) - at(x, y + 1, z) - at(x + 1, y, z) + at(x, y, z);
        }
      }
    }
    scale = std::max(1e-6, SpinalCordGrid::Quantile(magnitudes, 0.99));
  }
  auto boxSum = [&](std::array<long, 3> lo, std::array<long, 3> hi, double & count) {
    for (unsigned int d = 0; d < 3; ++d)
    {
      lo[d] = std::max(0L, lo[d]);
      hi[d] = std::min(sg.Size(d) - 1, hi[d]);
      if (hi[d] < lo[d])
      {
        count = 0.0;
        return 0.0;
      }
    }
    count = static_cast<double>((hi[0] - lo[0] + 1) * (hi[1] - lo[1] + 1) * (hi[2] - lo[2] + 1));
    const long x0 = lo[0], y0 = lo[1], z0 = lo[2], x1 = hi[0] + 1, y1 = hi[1] + 1, z1 = hi[2] + 1;
    return at(x1, y1, z1) - at(x0, y1, z1) - at(x1, y0, z1) - at(x1, y1, z0) + at(x0, y0, z1) + at(x0, y1, z0) +
           at(x1, y0, z0) - at(x0, y0, z0);
  };
  std::array<long, 3> inner{}, outer{}, surround{};
  for (unsigned int d = 0; d < 3; ++d)
  {
    inner[d] = d == cc ? sg.BoxRadius(d, 0.5 * m_DetectionLength) : sg.BoxRadius(d, 0.6 * m_CordRadius);
    outer[d] = d == cc ? inner[d] : std::max(inner[d] + 1, sg.BoxRadius(d, m_CanalRadius));
    surround[d] = d == cc ? inner[d] : std::max(outer[d] + 1, sg.BoxRadius(d, m_SurroundRadius));
  }
  // Tube score of the ~1 mm plane c at in-plane node (a, b): the canal ring must be brighter (in the CSF
  // sense) than both the cord and the surroundings.
  auto tubeScore = [&](long c, long a, long b) {
    std::array<long, 3> idx{};
    idx[cc] = c, idx[ax] = a, idx[bx] = b;
    std::array<long, 3> lo{}, hi{}, olo{}, ohi{}, slo{}, shi{};
    for (unsigned int d = 0; d < 3; ++d)
    {
      lo[d] = idx[d] - inner[d], hi[d] = idx[d] + inner[d];
      olo[d] = idx[d] - outer[d], ohi[d] = idx[d] + outer[d];
      slo[d] = idx[d] - surround[d], shi[d] = idx[d] + surround[d];
    }
    double       nIn = 0, nOut = 0, nSur = 0;
    const double sIn = boxSum(lo, hi, nIn);
    const double sOut = boxSum(olo, ohi, nOut);
    const double sSur = boxSum(slo, shi, nSur);
    const bool   canalInside = slo[ax] >= 0 && slo[bx] >= 0 && shi[ax] < ma && shi[bx] < mb;
    if (!canalInside || nIn <= 0 || nOut <= nIn || nSur <= nOut)
    {
      return 0.0;
    }
    const double ring = (sOut - sIn) / (nOut - nIn);
    const double extreme = std::clamp(sign > 0 ? ring / scale : 1.0 + ring / scale, 0.0, 1.0);
    return extreme * (ring - sIn / nIn - std::max(0.0, (sSur - sOut) / (nSur - nOut) - ring)) / scale;
  };
  const std::size_t         nodes = static_cast<std::size_t>(ma * mb);
  std::vector<double>       cost(nodes), previous(nodes);
  std::vector<std::uint8_t> back(nodes * static_cast<std::size_t>(mc), 4);
  const double              sA = sg.Spacing(ax), sB = sg.Spacing(bx);
  for (long c = 0; c < mc; ++c)
  {
    for (long a = 0; a < ma; ++a)
    {
      for (long b = 0; b < mb; ++b)
      {
        const double      score = tubeScore(c, a, b);
        const std::size_t node = static_cast<std::size_t>(a * mb + b);
        double            best = std::numeric_limits<double>::max();
        std::uint8_t      move = 4;
        if (c == 0)
        {
          best = 0.0;
        }
        else
        {
          for (int da = -1; da <= 1; ++da)
          {
            for (int db = -1; db <= 1; ++db)
            {
              const long pa = a + da, pb = b + db;
              if (pa < 0 || pb < 0 || pa >= ma || pb >= mb)
              {
                continue;
              }
              const double candidate = previous[static_cast<std::size_t>(pa * mb + pb)] +
                                       m_CentrelineStiffness * (da * da * sA * sA + db * db * sB * sB);
              if (candidate < best)
              {
                best = candidate;
                move = static_cast<std::uint8_t>((da + 1) * 3 + (db + 1));
              }
            }
          }
        }
        cost[node] = best - score;
        back[static_cast<std::size_t>(c) * nodes + node] = move;
      }
    }
    std::swap(cost, previous);
  }
  // Back-track the optimal path (previous holds the last plane's costs).
  std::vector<std::array<long, 2>> path(static_cast<std::size_t>(mc));
  {
    std::size_t node = static_cast<std::size_t>(std::min_element(previous.begin(), previous.end()) - previous.begin());
    for (long c = mc - 1; c >= 0; --c)
    {
      const long a = static_cast<long>(node) / mb, b = static_cast<long>(node) % mb;
      path[static_cast<std::size_t>(c)] = { { a, b } };
      const std::uint8_t move = back[static_cast<std::size_t>(c) * nodes + node];
      node = static_cast<std::size_t>((a + (move / 3 - 1)) * mb + (b + (move % 3 - 1)));
    }
  }
  // The cord's ends: the path's tube score, averaged over the detector length, falls below EndScoreFraction of
  // its maximum beyond the conus (roots, filum or tissue beside the sac hold the path there) and above the
  // cord's top. Planes outside [first, last] hold no cord; they still feed the running references (so that near
  // the tip these stay as they were) but not the normal-cord floor. Weak stretches between the ends (an
  // edematous segment) stay.
  long first = 0, last = nc - 1;
  {
    std::vector<double> along(static_cast<std::size_t>(mc));
    for (long c = 0; c < mc; ++c)
    {
      along[static_cast<std::size_t>(c)] =
        tubeScore(c, path[static_cast<std::size_t>(c)][0], path[static_cast<std::size_t>(c)][1]);
    }
    const long          h = inner[cc];
    std::vector<double> mean(along.size(), 0.0);
    for (long c = 0; c < mc; ++c)
    {
      double s = 0, n = 0;
      for (long k = std::max(0L, c - h); k <= std::min(mc - 1, c + h); ++k)
      {
        s += along[static_cast<std::size_t>(k)], n += 1;
      }
      mean[static_cast<std::size_t>(c)] = s / n;
    }
    const double top = *std::max_element(mean.begin(), mean.end());
    if (top > 0.0)
    {
      long lo = 0, hi = mc - 1;
      while (mean[static_cast<std::size_t>(lo)] < m_EndScoreFraction * top)
        ++lo;
      while (mean[static_cast<std::size_t>(hi)] < m_EndScoreFraction * top)
        --hi;
      // The detector box reaches h planes past its centre: the cord may end that far beyond.
      first = std::max(0L, (lo - h) * static_cast<long>(factors[cc]));
      last = std::min(nc - 1, (hi + h + 1) * static_cast<long>(factors[cc]) - 1);
    }
  }
  // Full-resolution centre per plane (continuous in-plane indices), smoothed along the cord.
  std::vector<std::array<double, 2>> centre(static_cast<std::size_t>(nc));
  for (long c = 0; c < nc; ++c)
  {
    const long          cs = std::min(mc - 1, c / static_cast<long>(factors[cc]));
    std::array<long, 3> sidx{};
    sidx[cc] = cs, sidx[ax] = path[static_cast<std::size_t>(cs)][0], sidx[bx] = path[static_cast<std::size_t>(cs)][1];
    const auto ci = grid.ContinuousIndex(sg.Point(sidx));
    centre[static_cast<std::size_t>(c)] = { { ci[ax], ci[bx] } };
  }
  {
    const long h = std::max(0L, std::lround(m_CentrelineSmoothing / grid.Spacing(cc)));
    auto       smooth = centre;
    for (long c = 0; c < nc; ++c)
    {
      double s0 = 0, s1 = 0, n = 0;
      for (long k = std::max(0L, c - h); k <= std::min(nc - 1, c + h); ++k)
      {
        s0 += centre[static_cast<std::size_t>(k)][0], s1 += centre[static_cast<std::size_t>(k)][1], n += 1;
      }
      smooth[static_cast<std::size_t>(c)] = { { s0 / n, s1 / n } };
    }
    centre = smooth;
  }
  progress.CompletedPixel();
  for (long c = 0; c < nc; ++c)
  {
    progress.CompletedPixel();
  }

  // --- 3. Per-plane boundary. ---
  const double        reach = m_MaximumCordRadius + m_ShellWidth;
  const long          wa = static_cast<long>(std::ceil(reach / sa)) + 1;
  const long          wb = static_cast<long>(std::ceil(reach / sb)) + 1;
  const long          ww = 2 * wb + 1;
  const long          wh = 2 * wa + 1;
  std::vector<double> cordRef(static_cast<std::size_t>(nc), std::numeric_limits<double>::quiet_NaN());
  std::vector<double> csfRef = cordRef, csfFirst = cordRef;

  struct Window
  {
    long                      a0{ 0 }, b0{ 0 };
    std::vector<double>       distance;
    std::vector<float>        value;
    std::vector<std::uint8_t> mask;
  };
  auto makeWindow = [&](long c, Window & w) {
    const auto & ce = centre[static_cast<std::size_t>(c)];
    w.a0 = std::lround(ce[0]) - wa;
    w.b0 = std::lround(ce[1]) - wb;
    w.distance.assign(static_cast<std::size_t>(wh * ww), std::numeric_limits<double>::max());
    w.value.assign(static_cast<std::size_t>(wh * ww), 0.0f);
    w.mask.assign(static_cast<std::size_t>(wh * ww), 0);
    for (long i = 0; i < wh; ++i)
    {
      for (long j = 0; j < ww; ++j)
      {
        const long a = w.a0 + i, b = w.b0 + j;
        if (a < 0 || b < 0 || a >= na || b >= nb)
        {
          continue;
        }
        std::array<long, 3> idx{};
        idx[cc] = c, idx[ax] = a, idx[bx] = b;
        const std::size_t k = static_cast<std::size_t>(i * ww + j);
        w.distance[k] = std::hypot((a - ce[0]) * sa, (b - ce[1]) * sb);
        w.value[k] = v[grid.Offset(idx)];
      }
    }
  };
  // Thin CSF layer on a profile walked out from the centre (sample(s), s = 0, 1, ...: NaN past the window;
  // pastCore(s): beyond CoreRadius of the centre): the profile rises to a CSF peak without reaching the
  // threshold, at least CsfPeakFraction of the contrast above the cord, then falls by `fall` x the contrast
  // (a CSF layer thinner than a voxel, so partial-volumed, with tissue behind it). With riseFromDarkest the
  // rise is measured from the darkest sample before the peak when it is darker than the plane's cord
  // reference (an edematous centre raises the reference above the normal rim a slice line crosses). Returns
  // the step where the cord ends, half-way between that cord level and the peak, before the peak; -1 where the
  // profile holds no such layer. `profile` is scratch.
  auto thinCsfLayerEnd = [&](auto sample, auto pastCore, double cord, double contrast, double fall,
                             bool riseFromDarkest, std::vector<double> & profile) {
    const double threshold = cord + m_BoundaryLevel * contrast;
    double       peak = -std::numeric_limits<double>::max(), low = cord, base = cord;
    long         peakStep = -1;
    profile.clear();
    for (long s = 0;; ++s)
    {
      const double value = sample(s);
      if (std::isnan(value) || value > threshold)
        return -1L;
      profile.push_back(value);
      low = riseFromDarkest ? std::min(low, value) : cord;
      if (value > peak && pastCore(s))
        peak = value, peakStep = s, base = low;
      if (peakStep >= 0 && peak >= base + m_CsfPeakFraction * contrast && value <= peak - fall * contrast)
      {
        const double half = base + m_BoundaryLevel * (peak - base);
        long         t = peakStep;
        while (t > 0 && profile[static_cast<std::size_t>(t - 1)] >= half)
          --t;
        return t;
      }
    }
  };
  // Radial limit of the cord along Rays rays from the centre of plane c: where a thin CSF layer (dark dura,
  // ligament or bone behind it: a fall as large as the peak) ends it, else `radius`.
  double        normalCord = std::numeric_limits<double>::quiet_NaN(); // set after pass 1
  constexpr int Rays = 72;
  const double  rayStep = 0.25 * std::min(sa, sb);
  auto          rayLimits = [&](const Window & w, long c, double cord, double csf, double radius) {
    std::array<double, Rays> limit{};
    const auto &             ce = centre[static_cast<std::size_t>(c)];
    const long               steps = static_cast<long>(std::ceil(radius / rayStep));
    std::vector<double>      profile;
    profile.reserve(static_cast<std::size_t>(steps + 1));
    for (int k = 0; k < Rays; ++k)
    {
      const double angle = -Math::pi + (k + 0.5) * 2.0 * Math::pi / Rays;
      auto         sample = [&](long s) {
        const double fi = ce[0] + s * rayStep * std::cos(angle) / sa - w.a0;
        const double fj = ce[1] + s * rayStep * std::sin(angle) / sb - w.b0;
        const long   i = static_cast<long>(std::floor(fi)), j = static_cast<long>(std::floor(fj));
        if (s > steps || i < 0 || j < 0 || i + 1 >= wh || j + 1 >= ww)
          return std::numeric_limits<double>::quiet_NaN();
        const auto   k00 = static_cast<std::size_t>(i * ww + j);
        const auto   k10 = k00 + static_cast<std::size_t>(ww);
        const double di = fi - i, dj = fj - j;
        if (w.distance[k00] == std::numeric_limits<double>::max() ||
            w.distance[k00 + 1] == std::numeric_limits<double>::max() ||
            w.distance[k10] == std::numeric_limits<double>::max() ||
            w.distance[k10 + 1] == std::numeric_limits<double>::max())
          return std::numeric_limits<double>::quiet_NaN();
        return (1 - di) * ((1 - dj) * w.value[k00] + dj * w.value[k00 + 1]) +
               di * ((1 - dj) * w.value[k10] + dj * w.value[k10 + 1]);
      };
      const long t = thinCsfLayerEnd(
                 sample, [&](long s) { return s * rayStep >= m_CoreRadius; }, cord, csf - cord, m_CsfPeakFraction, false,
                 profile);
      limit[static_cast<std::size_t>(k)] = t >= 0 ? std::max(m_CoreRadius, t * rayStep) : radius;
    }
    return limit;
  };
  // Thick slices: within each slice, the line of voxels along the fine in-plane axis, walked out from the
  // centre both ways, where a fall of CsfDipFraction after the CSF peak suffices (rays between two slices mix
  // a sliver in one with the next slice's CSF); voxels past the cord's end are not cord.
  const bool aIsFine = sa <= sb;
  const bool thickSlices = std::max(sa, sb) >= 1.5 * std::min(sa, sb);
  auto       limitLines = [&](const Window & w, long c, double cord, double csf, std::vector<std::uint8_t> & allowed) {
    const double fine = std::min(sa, sb);
    const long   lines = aIsFine ? ww : wh, length = aIsFine ? wh : ww;
    const double centreOnLine = aIsFine ? centre[static_cast<std::size_t>(c)][0] - static_cast<double>(w.a0)
                                              : centre[static_cast<std::size_t>(c)][1] - static_cast<double>(w.b0);
    const long   start = std::clamp(std::lround(centreOnLine), 0L, length - 1);
    auto onLine = [&](long line, long s) { return static_cast<std::size_t>(aIsFine ? s * ww + line : line * ww + s); };
    // The lines sample the image averaged along the cord over the slice thickness: a CSF sliver and the
    // vessel behind it run along the cord, the (correlated) noise does not.
    const long          h = static_cast<long>(0.5 * std::max(sa, sb) / grid.Spacing(cc));
    std::vector<double> along(w.value.size(), 0.0);
    for (long i = 0; i < wh; ++i)
      for (long j = 0; j < ww; ++j)
      {
        const auto k = static_cast<std::size_t>(i * ww + j);
        if (w.distance[k] == std::numeric_limits<double>::max())
          continue;
        double sum = 0, n = 0;
        for (long p = std::max(0L, c - h); p <= std::min(nc - 1, c + h); ++p)
        {
          std::array<long, 3> idx{};
          idx[cc] = p, idx[ax] = w.a0 + i, idx[bx] = w.b0 + j;
          sum += v[grid.Offset(idx)], n += 1;
        }
        along[k] = sum / n;
      }
    std::vector<double> profile;
    for (long line = 0; line < lines; ++line)
    {
      for (const long step : { -1L, 1L })
      {
        auto sample = [&](long s) {
          const long position = start + s * step;
          return position < 0 || position >= length ||
                     w.distance[onLine(line, position)] == std::numeric_limits<double>::max()
                         ? std::numeric_limits<double>::quiet_NaN()
                         : along[onLine(line, position)];
        };
        auto pastCore = [&](long s) {
          return std::abs(static_cast<double>(start + s * step) - centreOnLine) * fine >= m_CoreRadius;
        };
        const long t = thinCsfLayerEnd(sample, pastCore, cord, csf - cord, m_CsfDipFraction, true, profile);
        if (t < 0)
          continue;
        for (long u = start + (t + 1) * step; u >= 0 && u < length; u += step)
          allowed[onLine(line, u)] = 0;
      }
    }
  };
  // Cord component of a window: voxels on the cord side of cord + BoundaryLevel (csf - cord), within
  // `radius` and the radial limits, 8-connected to the core.
  auto segment = [&](Window & w, long c, double cord, double csf, double radius) {
    const double              threshold = cord + m_BoundaryLevel * (csf - cord);
    const double              floor = std::min(cord, normalCord) - m_DarkTissueFraction * (csf - cord);
    const auto                limit = rayLimits(w, c, cord, csf, radius);
    const auto &              ce = centre[static_cast<std::size_t>(c)];
    const double              tolerance = 0.5 * std::max(sa, sb);
    std::vector<std::uint8_t> allowed(w.mask.size(), 0);
    for (long i = 0; i < wh; ++i)
    {
      for (long j = 0; j < ww; ++j)
      {
        const auto k = static_cast<std::size_t>(i * ww + j);
        if (w.distance[k] > radius || w.value[k] > threshold)
        {
          continue;
        }
        {
          double sum = 0, n = 0;
          for (long ii = std::max(0L, i - 1); ii <= std::min(wh - 1, i + 1); ++ii)
          {
            for (long jj = std::max(0L, j - 1); jj <= std::min(ww - 1, j + 1); ++jj)
            {
              const auto kk = static_cast<std::size_t>(ii * ww + jj);
              if (w.distance[kk] < std::numeric_limits<double>::max())
              {
                sum += w.value[kk], n += 1;
              }
            }
          }
          if (sum < floor * n)
          {
            continue;
          }
        }
        const double angle = std::atan2((w.b0 + j - ce[1]) * sb, (w.a0 + i - ce[0]) * sa);
        const double ray = (angle + Math::pi) / (2.0 * Math::pi) * Rays - 0.5;
        const int    r0 = static_cast<int>(std::floor(ray));
        const double reachHere = std::max(limit[static_cast<std::size_t>((r0 + Rays) % Rays)],
                                          limit[static_cast<std::size_t>((r0 + 1 + Rays) % Rays)]);
        allowed[k] = w.distance[k] <= m_CoreRadius || w.distance[k] <= reachHere + tolerance;
      }
    }
    if (thickSlices)
      limitLines(w, c, cord, csf, allowed);
    std::fill(w.mask.begin(), w.mask.end(), std::uint8_t{ 0 });
    std::deque<long> queue;
    long             nearest = -1;
    double           nearestDistance = std::numeric_limits<double>::max();
    for (long k = 0; k < wh * ww; ++k)
    {
      const auto uk = static_cast<std::size_t>(k);
      if (allowed[uk])
      {
        if (w.distance[uk] <= m_CoreRadius)
        {
          w.mask[uk] = 1;
          queue.push_back(k);
        }
        else if (w.distance[uk] < nearestDistance)
        {
          nearestDistance = w.distance[uk];
          nearest = k;
        }
      }
    }
    if (queue.empty() && nearest >= 0 && nearestDistance <= 2.0 * m_CoreRadius)
    {
      w.mask[static_cast<std::size_t>(nearest)] = 1;
      queue.push_back(nearest);
    }
    while (!queue.empty())
    {
      const long k = queue.front();
      queue.pop_front();
      const long i = k / ww, j = k % ww;
      for (long di = -1; di <= 1; ++di)
      {
        for (long dj = -1; dj <= 1; ++dj)
        {
          const long ii = i + di, jj = j + dj;
          if (ii < 0 || jj < 0 || ii >= wh || jj >= ww)
          {
            continue;
          }
          const auto kk = static_cast<std::size_t>(ii * ww + jj);
          if (!w.mask[kk] && allowed[kk])
          {
            w.mask[kk] = 1;
            queue.push_back(static_cast<long>(kk));
          }
        }
      }
    }
    // Fill holes: background 4-connected to the window border stays background.
    std::vector<std::uint8_t> outside(w.mask.size(), 0);
    for (long i = 0; i < wh; ++i)
    {
      for (long j = 0; j < ww; ++j)
      {
        if ((i == 0 || j == 0 || i == wh - 1 || j == ww - 1) && !w.mask[static_cast<std::size_t>(i * ww + j)])
        {
          outside[static_cast<std::size_t>(i * ww + j)] = 1;
          queue.push_back(i * ww + j);
        }
      }
    }
    while (!queue.empty())
    {
      const long k = queue.front();
      queue.pop_front();
      const long i = k / ww, j = k % ww;
      const long ni[4] = { i - 1, i + 1, i, i }, nj[4] = { j, j, j - 1, j + 1 };
      for (int n = 0; n < 4; ++n)
      {
        if (ni[n] < 0 || nj[n] < 0 || ni[n] >= wh || nj[n] >= ww)
        {
          continue;
        }
        const auto kk = static_cast<std::size_t>(ni[n] * ww + nj[n]);
        if (!outside[kk] && !w.mask[kk])
        {
          outside[kk] = 1;
          queue.push_back(static_cast<long>(kk));
        }
      }
    }
    std::size_t count = 0;
    for (std::size_t k = 0; k < w.mask.size(); ++k)
    {
      if (!outside[k] && w.distance[k] < std::numeric_limits<double>::max())
      {
        w.mask[k] = 1;
      }
      count += w.mask[k];
    }
    return count;
  };
  const long ra = grid.BallRadius(ax, m_ShellWidth), rb = grid.BallRadius(bx, m_ShellWidth);
  auto       shellQuantile = [&](const Window & w, double q) {
    std::vector<float> shell;
    for (long i = 0; i < wh; ++i)
    {
      for (long j = 0; j < ww; ++j)
      {
        const auto k = static_cast<std::size_t>(i * ww + j);
        if (w.mask[k] || w.distance[k] > reach)
        {
          continue;
        }
        bool near = false;
        for (long di = -ra; di <= ra && !near; ++di)
        {
          for (long dj = -rb; dj <= rb && !near; ++dj)
          {
            const long ii = i + di, jj = j + dj;
            if (ii >= 0 && jj >= 0 && ii < wh && jj < ww && w.mask[static_cast<std::size_t>(ii * ww + jj)] &&
                std::hypot(di * sa, dj * sb) <= m_ShellWidth)
            {
              near = true;
            }
          }
        }
        if (near)
        {
          shell.push_back(w.value[k]);
        }
      }
    }
    return shell.size() < 3 ? std::numeric_limits<double>::quiet_NaN() : SpinalCordGrid::Quantile(shell, q);
  };

  // Pass 1: core references and a first CSF estimate within the canal.
  Window w;
  for (long c = 0; c < nc; ++c)
  {
    makeWindow(c, w);
    std::vector<float> core, canal;
    for (std::size_t k = 0; k < w.distance.size(); ++k)
    {
      if (w.distance[k] <= m_CoreRadius)
      {
        core.push_back(w.value[k]);
      }
      if (w.distance[k] <= m_CanalRadius)
      {
        canal.push_back(w.value[k]);
      }
    }
    if (!core.empty() && canal.size() > core.size())
    {
      cordRef[static_cast<std::size_t>(c)] = SpinalCordGrid::Quantile(core, 0.5);
      csfFirst[static_cast<std::size_t>(c)] = SpinalCordGrid::Quantile(canal, 0.9);
    }
    progress.CompletedPixel();
  }
  const long refWindow = std::max(1L, std::lround(0.5 * m_ReferenceLength / grid.Spacing(cc)));
  cordRef = SpinalCordGrid::RunningQuantile(cordRef, refWindow, 0.5);
  // Normal cord for the dark-tissue floor: the lower quartile of the references of the planes between the
  // cord's ends (beyond them the path may lie in dark tissue), so that a long T2-bright (edematous) stretch of
  // cord does not raise the floor into its own normal-appearing rim.
  {
    std::vector<float> valid;
    for (long c = first; c <= last; ++c)
    {
      if (!std::isnan(cordRef[static_cast<std::size_t>(c)]))
      {
        valid.push_back(static_cast<float>(cordRef[static_cast<std::size_t>(c)]));
      }
    }
    if (!valid.empty())
    {
      normalCord = SpinalCordGrid::Quantile(valid, 0.25);
    }
  }
  csfFirst = SpinalCordGrid::RunningQuantile(csfFirst, refWindow, 0.5);
  // Pass 2: first segmentation, CSF reference from the shell around it.
  for (long c = 0; c < nc; ++c)
  {
    const double cord = cordRef[static_cast<std::size_t>(c)], csf = csfFirst[static_cast<std::size_t>(c)];
    if (c >= first && c <= last && !std::isnan(cord) && !std::isnan(csf) && csf > cord)
    {
      makeWindow(c, w);
      if (segment(w, c, cord, csf, m_MaximumCordRadius) > 0)
      {
        csfRef[static_cast<std::size_t>(c)] = shellQuantile(w, 0.75);
      }
    }
    progress.CompletedPixel();
  }
  csfRef = SpinalCordGrid::RunningQuantile(csfRef, refWindow, 0.5);
  // Pass 3: final threshold; pass 4: per-level regularisation of the cross-section size.
  std::vector<double> radius(static_cast<std::size_t>(nc), std::numeric_limits<double>::quiet_NaN());
  std::vector<double> threshold(static_cast<std::size_t>(nc), std::numeric_limits<double>::quiet_NaN());
  for (long c = 0; c < nc; ++c)
  {
    const auto   uc = static_cast<std::size_t>(c);
    const double cord = cordRef[uc], csf = csfRef[uc];
    if (c < first || c > last || std::isnan(cord) || std::isnan(csf) || csf <= cord ||
        (csf - cord) / std::max({ std::abs(csf), std::abs(cord), 1e-12 }) < m_MinimumContrast)
    {
      progress.CompletedPixel();
      continue;
    }
    threshold[uc] = cord + m_BoundaryLevel * (csf - cord);

    makeWindow(c, w);
    const auto count = segment(w, c, cord, csf, m_MaximumCordRadius);
    if (count > 0)
    {
      radius[uc] = std::sqrt(static_cast<double>(count) * sa * sb / Math::pi);
    }
    progress.CompletedPixel();
  }
  const auto medianRadius = SpinalCordGrid::RunningQuantile(radius, refWindow, 0.5);
  // Pass 4: per-level regularisation of the boundary. The radial extent of the cross-section in each of
  // Sectors angular sectors is smoothed by a running median along the cord and a circular median over
  // neighbouring sectors; voxels beyond the regularised boundary (leaks through gaps in the CSF) go.
  constexpr int             Sectors = 24;
  const double              tolerance = 0.5 * std::max(sa, sb);
  std::vector<Window>       windows(static_cast<std::size_t>(nc));
  std::vector<double>       extent(static_cast<std::size_t>(nc * Sectors), std::numeric_limits<double>::quiet_NaN());
  std::vector<std::uint8_t> present(static_cast<std::size_t>(nc), 0);
  auto                      sectorOf = [&](const Window & win, long c, long i, long j) {
    const auto & ce = centre[static_cast<std::size_t>(c)];
    const double angle = std::atan2((win.b0 + j - ce[1]) * sb, (win.a0 + i - ce[0]) * sa);
    return std::min(Sectors - 1, static_cast<int>((angle + Math::pi) / (2.0 * Math::pi) * Sectors));
  };
  for (long c = 0; c < nc; ++c)
  {
    const auto uc = static_cast<std::size_t>(c);
    if (std::isnan(threshold[uc]) || std::isnan(medianRadius[uc]))
    {
      progress.CompletedPixel();
      continue;
    }
    Window & win = windows[uc];
    makeWindow(c, win);
    if (segment(win, c, cordRef[uc], csfRef[uc], std::min(m_MaximumCordRadius, m_LeakFactor * medianRadius[uc])) == 0)
    {
      progress.CompletedPixel();
      continue;
    }
    present[uc] = 1;
    for (long i = 0; i < wh; ++i)
    {
      for (long j = 0; j < ww; ++j)
      {
        const auto k = static_cast<std::size_t>(i * ww + j);
        if (win.mask[k])
        {
          double & e = extent[uc * Sectors + static_cast<std::size_t>(sectorOf(win, c, i, j))];
          e = std::isnan(e) ? win.distance[k] : std::max(e, win.distance[k]);
        }
      }
    }
    progress.CompletedPixel();
  }
  std::vector<double> regular(extent.size(), std::numeric_limits<double>::quiet_NaN());
  {
    const long          h = std::max(1L, std::lround(0.5 * m_RegularisationLength / grid.Spacing(cc)));
    std::vector<double> series(static_cast<std::size_t>(nc));
    for (int k = 0; k < Sectors; ++k)
    {
      for (long c = 0; c < nc; ++c)
      {
        series[static_cast<std::size_t>(c)] =
          extent[static_cast<std::size_t>(c) * Sectors + static_cast<std::size_t>(k)];
      }
      const auto smooth = SpinalCordGrid::RunningQuantile(series, h, 0.5);
      for (long c = 0; c < nc; ++c)
      {
        regular[static_cast<std::size_t>(c) * Sectors + static_cast<std::size_t>(k)] =
          smooth[static_cast<std::size_t>(c)];
      }
    }
  }
  auto raw = TOutputImage::New();
  raw->CopyInformation(output);
  raw->SetRegions(output->GetLargestPossibleRegion());
  raw->Allocate();
  raw->FillBuffer(0);
  OutputPixelType * out = raw->GetBufferPointer();
  for (long c = 0; c < nc; ++c)
  {
    const auto uc = static_cast<std::size_t>(c);
    if (!present[uc])
    {
      continue;
    }
    std::array<double, Sectors> limit{};
    for (int k = 0; k < Sectors; ++k)
    {
      std::vector<float> around;
      for (int d = -2; d <= 2; ++d)
      {
        const double e = regular[uc * Sectors + static_cast<std::size_t>((k + d + Sectors) % Sectors)];
        if (!std::isnan(e))
        {
          around.push_back(static_cast<float>(e));
        }
      }
      limit[static_cast<std::size_t>(k)] =
        around.empty() ? std::numeric_limits<double>::max() : SpinalCordGrid::Quantile(around, 0.5) + tolerance;
    }
    const Window & win = windows[uc];
    for (long i = 0; i < wh; ++i)
    {
      for (long j = 0; j < ww; ++j)
      {
        const auto k = static_cast<std::size_t>(i * ww + j);
        if (win.mask[k] && win.distance[k] <= limit[static_cast<std::size_t>(sectorOf(win, c, i, j))])
        {
          std::array<long, 3> idx{};
          idx[cc] = c, idx[ax] = win.a0 + i, idx[bx] = win.b0 + j;
          out[grid.Offset(idx)] = 1;
        }
      }
    }
  }

  // --- 4. Longest 3-D component; centreline from the cross-sections. ---
  using LabelImage = Image<unsigned int, 3>;
  auto components = ConnectedComponentImageFilter<TOutputImage, LabelImage>::New();
  components->SetInput(raw);
  components->FullyConnectedOn();
  auto relabel = RelabelComponentImageFilter<LabelImage, LabelImage>::New();
  relabel->SetInput(components->GetOutput());
  relabel->Update();
  const unsigned int * labels = relabel->GetOutput()->GetBufferPointer();
  // Keep the component spanning the most cross-sections (the cord is the longest tube; a bulkier
  // structure segmented beyond the cord's end must not win), the larger one on ties.
  unsigned int keep = 0;
  {
    const unsigned int                     count = static_cast<unsigned int>(relabel->GetNumberOfObjects());
    std::vector<std::vector<std::uint8_t>> planesOf(count + 1,
                                                    std::vector<std::uint8_t>(static_cast<std::size_t>(nc), 0));
    for (std::size_t k = 0; k < grid.NumberOfVoxels(); ++k)
    {
      if (labels[k])
      {
        planesOf[labels[k]][static_cast<std::size_t>(grid.Index(k)[cc])] = 1;
      }
    }
    long best = -1;
    for (unsigned int l = 1; l <= count; ++l)
    {
      const long span = std::count(planesOf[l].begin(), planesOf[l].end(), std::uint8_t{ 1 });
      if (span > best)
      {
        best = span;
        keep = l;
      }
    }
  }
  std::vector<double> sum(static_cast<std::size_t>(nc) * 4, 0.0);
  out = output->GetBufferPointer();
  for (std::size_t k = 0; k < grid.NumberOfVoxels(); ++k)
  {
    out[k] = labels[k] == keep && keep != 0 ? 1 : 0;
    if (out[k])
    {
      const auto idx = grid.Index(k);
      const auto p = grid.Point(idx);
      double *   s = &sum[static_cast<std::size_t>(idx[cc]) * 4];
      s[0] += p[0], s[1] += p[1], s[2] += p[2], s[3] += 1.0;
    }
  }
  for (long c = 0; c < nc; ++c)
  {
    const double * s = &sum[static_cast<std::size_t>(c) * 4];
    if (s[3] > 0)
    {
      CentrelinePoint point;
      point.plane = c;
      point.point[0] = s[0] / s[3], point.point[1] = s[1] / s[3], point.point[2] = s[2] / s[3];
      point.area = s[3] * sa * sb;
      m_Centreline.push_back(point);
    }
  }
  progress.CompletedPixel();
}

template <typename TInputImage, typename TOutputImage>
void
SpinalCordSegmentationImageFilter<TInputImage, TOutputImage>::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "Contrast: " << m_Contrast << std::endl;
  os << indent << "CordRadius: " << m_CordRadius << std::endl;
  os << indent << "CanalRadius: " << m_CanalRadius << std::endl;
  os << indent << "SurroundRadius: " << m_SurroundRadius << std::endl;
  os << indent << "DetectionLength: " << m_DetectionLength << std::endl;
  os << indent << "CentrelineStiffness: " << m_CentrelineStiffness << std::endl;
  os << indent << "CentrelineSmoothing: " << m_CentrelineSmoothing << std::endl;
  os << indent << "CoreRadius: " << m_CoreRadius << std::endl;
  os << indent << "ShellWidth: " << m_ShellWidth << std::endl;
  os << indent << "ReferenceLength: " << m_ReferenceLength << std::endl;
  os << indent << "BoundaryLevel: " << m_BoundaryLevel << std::endl;
  os << indent << "MaximumCordRadius: " << m_MaximumCordRadius << std::endl;
  os << indent << "LeakFactor: " << m_LeakFactor << std::endl;
  os << indent << "RegularisationLength: " << m_RegularisationLength << std::endl;
  os << indent << "MinimumContrast: " << m_MinimumContrast << std::endl;
  os << indent << "CsfPeakFraction: " << m_CsfPeakFraction << std::endl;
  os << indent << "CsfDipFraction: " << m_CsfDipFraction << std::endl;
  os << indent << "DarkTissueFraction: " << m_DarkTissueFraction << std::endl;
  os << indent << "EndScoreFraction: " << m_EndScoreFraction << std::endl;
  os << indent << "Centreline points: " << m_Centreline.size() << std::endl;
}
} // namespace itk

#endif
