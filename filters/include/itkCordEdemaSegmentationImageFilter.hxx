#ifndef itkCordEdemaSegmentationImageFilter_hxx
#define itkCordEdemaSegmentationImageFilter_hxx

#include "itkCordEdemaSegmentationImageFilter.h"

#include "itkImageRegionConstIterator.h"
#include "itkProgressReporter.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <map>
#include <utility>

namespace itk {

template <typename TInputImage, typename TLabelImage>
CordEdemaSegmentationImageFilter<TInputImage, TLabelImage>::CordEdemaSegmentationImageFilter()
{
  this->SetNumberOfRequiredInputs(2);
}

template <typename TInputImage, typename TLabelImage>
void
CordEdemaSegmentationImageFilter<TInputImage, TLabelImage>::GenerateInputRequestedRegion()
{
  Superclass::GenerateInputRequestedRegion();
  for (unsigned int i = 0; i < this->GetNumberOfIndexedInputs(); ++i)
  {
    if (auto * input = this->ProcessObject::GetInput(i))
    {
      input->SetRequestedRegionToLargestPossibleRegion();
    }
  }
}

template <typename TInputImage, typename TLabelImage>
void
CordEdemaSegmentationImageFilter<TInputImage, TLabelImage>::EnlargeOutputRequestedRegion(DataObject * output)
{
  Superclass::EnlargeOutputRequestedRegion(output);
  output->SetRequestedRegionToLargestPossibleRegion();
}

template <typename TInputImage, typename TLabelImage>
void
CordEdemaSegmentationImageFilter<TInputImage, TLabelImage>::GenerateData()
{
  const TInputImage * t2 = this->GetInput();
  const TLabelImage * cordImage = this->GetCordMask();
  TLabelImage *       output = this->GetOutput();
  output->SetBufferedRegion(output->GetRequestedRegion());
  output->Allocate();
  output->FillBuffer(0);
  m_NormalRatio = 0.0;
  const TLabelImage * lesionImage = this->GetLesionMask();
  if (cordImage->GetLargestPossibleRegion().GetSize() != t2->GetLargestPossibleRegion().GetSize())
  {
    itkExceptionMacro("the cord mask must be on the T2 image grid");
  }
  if (lesionImage && lesionImage->GetLargestPossibleRegion().GetSize() != t2->GetLargestPossibleRegion().GetSize())
  {
    itkExceptionMacro("the lesion mask must be on the T2 image grid");
  }
  const SpinalCordGrid grid(t2);
  const std::size_t    n = grid.NumberOfVoxels();
  const unsigned int   cc = grid.CranioCaudalAxis();
  const long           nc = grid.Size(cc);
  ProgressReporter     progress(this, 0, 5, 100);

  const std::vector<std::uint8_t> cord = SpinalCordGrid::NonZero(cordImage);
  if (std::find(cord.begin(), cord.end(), 1) == cord.end())
  {
    return;
  }
  std::vector<float> value(n);
  {
    ImageRegionConstIterator<TInputImage> iv(t2, t2->GetLargestPossibleRegion());
    for (std::size_t k = 0; !iv.IsAtEnd(); ++iv, ++k)
    {
      value[k] = static_cast<float>(iv.Get());
    }
  }
  // 1. CSF reference per plane: shell around the cord.
  const std::vector<std::uint8_t> dilated = grid.Dilate(cord, m_ShellWidth);
  std::vector<std::vector<float>> shell(static_cast<std::size_t>(nc));
  for (std::size_t k = 0; k < n; ++k)
  {
    if (dilated[k] && !cord[k])
    {
      shell[static_cast<std::size_t>(grid.Index(k)[cc])].push_back(value[k]);
    }
  }
  std::vector<double> csf(static_cast<std::size_t>(nc), std::numeric_limits<double>::quiet_NaN());
  for (long c = 0; c < nc; ++c)
  {
    auto & s = shell[static_cast<std::size_t>(c)];
    if (s.size() >= 3)
    {
      csf[static_cast<std::size_t>(c)] = SpinalCordGrid::Quantile(s, 0.75);
    }
  }
  csf =
    SpinalCordGrid::RunningQuantile(csf, std::max(1L, std::lround(0.5 * m_ReferenceLength / grid.Spacing(cc))), 0.5);
  {
    double last = std::numeric_limits<double>::quiet_NaN();
    for (long c = 0; c < nc; ++c)
      std::isnan(csf[static_cast<std::size_t>(c)]) ? void(csf[static_cast<std::size_t>(c)] = last)
                                                   : void(last = csf[static_cast<std::size_t>(c)]);
    for (long c = nc - 1; c >= 0; --c)
      std::isnan(csf[static_cast<std::size_t>(c)]) ? void(csf[static_cast<std::size_t>(c)] = last)
                                                   : void(last = csf[static_cast<std::size_t>(c)]);
  }
  progress.CompletedPixel();
  // 2. Normal-appearing cord in the eroded cord.
  std::array<long, 3> border{};
  for (unsigned int d = 0; d < 3; ++d)
  {
    border[d] = grid.BallRadius(d, m_BorderDepth);
  }
  const std::vector<std::uint8_t> eroded = grid.Erode(cord, border);
  // Seeds and the normal reference come from voxels at least one voxel deep along every cross-section
  // axis: thick slices (e.g. 3 mm sagittal) mix cord and CSF at the lateral border, which mimics edema.
  std::array<long, 3> deepRadii = border;
  for (unsigned int d = 0; d < 3; ++d)
  {
    if (d != cc)
    {
      deepRadii[d] = std::max(1L, deepRadii[d]);
    }
  }
  std::vector<std::uint8_t>       deep = grid.Erode(cord, deepRadii);
  std::vector<float>              q(n, 0.0f);
  std::vector<std::vector<float>> planes(static_cast<std::size_t>(nc));
  for (std::size_t k = 0; k < n; ++k)
  {
    if (cord[k])
    {
      const auto c = static_cast<std::size_t>(grid.Index(k)[cc]);
      q[k] = static_cast<float>(value[k] / std::max(1e-6, csf[c]));
      if (eroded[k])
      {
        planes[c].push_back(q[k]);
      }
    }
  }
  std::vector<float> medians;
  for (auto & p : planes)
  {
    if (p.size() >= 3)
    {
      medians.push_back(static_cast<float>(SpinalCordGrid::Quantile(p, 0.5)));
    }
  }
  if (medians.empty())
  {
    return;
  }
  // The lowest mode of the per-plane medians: the median of those within 15% of their NormalQuantile.
  {
    const double       low = SpinalCordGrid::Quantile(medians, m_NormalQuantile);
    std::vector<float> mode;
    for (float m : medians)
    {
      if (m <= 1.15 * low)
      {
        mode.push_back(m);
      }
    }
    m_NormalRatio = std::max(1e-6, SpinalCordGrid::Quantile(mode, 0.5));
  }
  // Thin cross-sections (conus, cord ends) are dominated by CSF partial volume: no edema call there.
  std::vector<std::uint8_t> thin(static_cast<std::size_t>(nc), 1);
  {
    std::vector<float> sizes;
    for (const auto & p : planes)
    {
      if (!p.empty())
      {
        sizes.push_back(static_cast<float>(p.size()));
      }
    }
    const double typical = SpinalCordGrid::Quantile(sizes, 0.5);
    for (long c = 0; c < nc; ++c)
    {
      thin[static_cast<std::size_t>(c)] =
        planes[static_cast<std::size_t>(c)].size() < m_MinimumSectionFraction * typical;
    }
  }
  std::vector<float> increase(n, 0.0f);
  for (std::size_t k = 0; k < n; ++k)
  {
    increase[k] = cord[k] ? static_cast<float>(q[k] / m_NormalRatio - 1.0) : 0.0f;
  }
  progress.CompletedPixel();
  // 3. Hysteresis and per-component boundary.
  std::vector<std::uint8_t> candidate(n, 0);
  for (std::size_t k = 0; k < n; ++k)
  {
    candidate[k] = eroded[k] && increase[k] >= m_GrowIncrease && !thin[static_cast<std::size_t>(grid.Index(k)[cc])];
  }
  unsigned int                          components = 0;
  const auto                            labels = grid.Components(candidate, components);
  std::vector<std::vector<std::size_t>> members(components + 1);
  for (std::size_t k = 0; k < n; ++k)
  {
    if (labels[k])
    {
      members[labels[k]].push_back(k);
    }
  }
  std::vector<std::uint8_t> edema(n, 0);
  for (unsigned int l = 1; l <= components; ++l)
  {
    std::vector<float> strong;
    for (auto k : members[l])
    {
      if (increase[k] >= m_SeedIncrease && deep[k])
      {
        strong.push_back(increase[k]);
      }
    }
    if (strong.size() < 3)
    {
      continue;
    }
    const double boundary = std::max(m_GrowIncrease, m_RelativeBoundary * SpinalCordGrid::Quantile(strong, 0.5));
    std::vector<std::uint8_t> part(n, 0);
    std::size_t               size = 0;
    double                    lo = std::numeric_limits<double>::max(), hi = -lo;
    for (auto k : members[l])
    {
      if (increase[k] >= boundary)
      {
        part[k] = 1;
      }
    }
    unsigned int                          pieces = 0;
    const auto                            pieceLabels = grid.Components(part, pieces);
    std::vector<std::vector<std::size_t>> byPiece(pieces + 1);
    for (auto k : members[l])
    {
      if (pieceLabels[k])
        byPiece[pieceLabels[k]].push_back(k);
    }
    for (unsigned int p = 1; p <= pieces; ++p)
    {
      lo = std::numeric_limits<double>::max(), hi = -lo, size = byPiece[p].size();
      for (auto k : byPiece[p])
      {
        const double s = grid.PositionAlong(k, cc);
        lo = std::min(lo, s), hi = std::max(hi, s);
      }
      if (hi - lo + grid.Spacing(cc) >= m_MinimumLength && size * grid.VoxelVolume() >= m_MinimumVolume)
      {
        for (auto k : byPiece[p])
          edema[k] = 1;
      }
    }
  }
  // A run of edema planes must fill the cross-section (FilledPlaneFraction) on this many planes.
  const long filledNeeded = std::max(1L, std::lround(0.5 * m_MinimumLength / grid.Spacing(cc)));
  // Edema is fusiform and fills the cross-section: planes where it covers less than MinimumPlaneFraction
  // of the eroded cord (scattered partial-volume voxels) are dropped, then the length criterion again.
  {
    // Per plane: edema voxels (covered); deep cord voxels and those of them in the edema: planes with deep
    // cord whose edema reaches none of it hold only border voxels (on thick slices the lateral slice of the
    // cord mixes with CSF, the more under a scanner's in-plane blur), and such planes at the ends of a run are
    // not edema (inside a run, noise may leave a plane's deep voxels out); and, for the filled-plane test,
    // eroded voxels the edema holds in their own plane or the next one either way (coveredNear: noise, at
    // SNR 8, leaves holes in each plane's edema that do not line up).
    std::vector<double> covered(static_cast<std::size_t>(nc), 0.0), coveredNear = covered;
    std::vector<long>   deepVoxels(static_cast<std::size_t>(nc), 0), deepCovered = deepVoxels;
    for (std::size_t k = 0; k < n; ++k)
    {
      const auto i3 = grid.Index(k);
      const auto c = static_cast<std::size_t>(i3[cc]);
      covered[c] += edema[k] ? 1.0 : 0.0;
      deepVoxels[c] += deep[k] ? 1 : 0;
      deepCovered[c] += edema[k] && deep[k] ? 1 : 0;
      if (!eroded[k])
        continue;
      bool hit = edema[k] != 0;
      for (const long dc : { -1L, 1L })
      {
        auto j = i3;
        j[cc] += dc;
        hit = hit || (grid.Inside(j) && edema[grid.Offset(j)]);
      }
      coveredNear[c] += hit ? 1.0 : 0.0;
    }
    std::vector<std::uint8_t> keepPlane(static_cast<std::size_t>(nc), 0);
    for (long c = 0; c < nc; ++c)
    {
      const auto uc = static_cast<std::size_t>(c);
      keepPlane[uc] =
        !planes[uc].empty() && covered[uc] >= m_MinimumPlaneFraction * static_cast<double>(planes[uc].size());
    }
    // Calls f(first, last) on each run of consecutive kept planes (f may drop planes of its run).
    auto forEachRun = [&](auto f) {
      for (long c = 0; c < nc;)
      {
        if (!keepPlane[static_cast<std::size_t>(c)])
        {
          ++c;
          continue;
        }
        long e = c;
        while (e + 1 < nc && keepPlane[static_cast<std::size_t>(e + 1)])
          ++e;
        f(c, e);
        c = e + 1;
      }
    };
    auto borderOnly = [&](long c) {
      const auto uc = static_cast<std::size_t>(c);
      return deepVoxels[uc] > 0 && deepCovered[uc] == 0;
    };
    forEachRun([&](long c, long e) {
      for (long j = c; j <= e && borderOnly(j); ++j)
        keepPlane[static_cast<std::size_t>(j)] = 0;
      for (long j = e; j >= c && borderOnly(j); --j)
        keepPlane[static_cast<std::size_t>(j)] = 0;
    });
    // Runs of kept planes shorter than MinimumLength go, and runs that never fill the cross-section.
    forEachRun([&](long c, long e) {
      long filled = 0;
      for (long j = c; j <= e; ++j)
      {
        const auto uj = static_cast<std::size_t>(j);
        filled += coveredNear[uj] >= m_FilledPlaneFraction * static_cast<double>(planes[uj].size()) ? 1 : 0;
      }
      if ((e - c + 1) * grid.Spacing(cc) < m_MinimumLength || filled < filledNeeded)
      {
        for (long j = c; j <= e; ++j)
          keepPlane[static_cast<std::size_t>(j)] = 0;
      }
    });
    KeepFusiformTails(grid, { cord, eroded, deep, border }, increase, keepPlane, edema);
  }
  progress.CompletedPixel();
  // 4. A region that is mostly T2-bright foci is not edema.
  if (lesionImage)
  {
    DropFociOnlyRegions(grid, lesionImage, edema);
  }
  progress.CompletedPixel();
  // 5. Back into the border layer of the cord.
  const std::vector<std::uint8_t>   grown = grid.Dilate(edema, m_BorderDepth);
  typename TLabelImage::PixelType * out = output->GetBufferPointer();
  for (std::size_t k = 0; k < n; ++k)
  {
    out[k] = (edema[k] || (grown[k] && cord[k] && !eroded[k])) ? 1 : 0;
  }
  progress.CompletedPixel();
}

template <typename TInputImage, typename TLabelImage>
void
CordEdemaSegmentationImageFilter<TInputImage, TLabelImage>::KeepFusiformTails(
  const SpinalCordGrid &            grid,
  const CordLayers &                layers,
  const std::vector<float> &        increase,
  const std::vector<std::uint8_t> & keepPlane,
  std::vector<std::uint8_t> &       edema) const
{
  const std::size_t  n = grid.NumberOfVoxels();
  const unsigned int cc = grid.CranioCaudalAxis();
  const long         nc = grid.Size(cc);
  const auto &       cord = layers.cord;
  const auto &       eroded = layers.eroded;
  const auto &       deep = layers.deep;
  // Fusiform tails: beyond each end of a kept run, planes whose edema is a thin central core continuing the
  // run belong to it: voxels 26-connected, plane after plane, to the edema kept next to them that are either
  // deep edema voxels or stand out from their own plane's cord: the increase averaged along the cord over
  // +-1.5 mm (the core varies slowly along the cord, the noise averages out; sigma is that of the average,
  // measured between averages one box apart: a zero-filled acquisition correlates the noise of neighbouring
  // planes, so it does not drop by the square root of the plane count)
  // at least max(GrowIncrease, 3 sigma, RelativeBoundary x the kept edema's median increase) above the
  // plane's lower quartile, which a thin core leaves normal. Deep voxels where the plane has at least three,
  // else the eroded ones: where the cord tapers to two slices no voxel is deep; the in-plane reference
  // cancels the CSF partial volume of a thin cord and the drift of the normal cord's T2 along the levels.
  const long          half = grid.BoxRadius(cc, 1.5);
  std::array<long, 3> alongCord{};
  alongCord[cc] = half;
  const std::vector<float> along = grid.MaskedBoxMean(eroded, increase, alongCord);
  const double             sigma = grid.NeighbourDifferenceSigma(eroded, along, cc, 2 * half + 1);
  double                   tailContrast = std::max(m_GrowIncrease, 3.0 * sigma);
  {
    std::vector<float> kept;
    for (std::size_t k = 0; k < n; ++k)
    {
      if (edema[k] && deep[k] && keepPlane[static_cast<std::size_t>(grid.Index(k)[cc])])
        kept.push_back(increase[k]);
    }
    tailContrast = std::max(tailContrast, m_RelativeBoundary * SpinalCordGrid::Quantile(kept, 0.5));
  }
  // The candidates of a thin core are central: one voxel deeper than the eroded cord along the fine in-plane
  // axis (a bright rim of partial volume with CSF at the cord border must not carry a tail along the cord);
  // the reference is the plane's whole pool.
  std::array<long, 3> centralRadii = layers.border;
  for (unsigned int d = 0; d < 3; ++d)
  {
    if (d != cc && d != grid.SliceAxis())
      ++centralRadii[d];
  }
  const std::vector<std::uint8_t>       central = grid.Erode(cord, centralRadii);
  std::vector<std::uint8_t>             tail(n, 0);
  std::vector<std::vector<std::size_t>> edemaByPlane(static_cast<std::size_t>(nc)), eligible(edemaByPlane);
  {
    std::vector<std::vector<std::size_t>> deepByPlane(edemaByPlane), erodedByPlane(edemaByPlane);
    for (std::size_t k = 0; k < n; ++k)
    {
      if (!eroded[k]) // edema and deep voxels are eroded voxels
        continue;
      const auto c = static_cast<std::size_t>(grid.Index(k)[cc]);
      if (edema[k])
        edemaByPlane[c].push_back(k);
      if (deep[k])
        deepByPlane[c].push_back(k);
      erodedByPlane[c].push_back(k);
    }
    for (std::size_t c = 0; c < eligible.size(); ++c)
    {
      const auto &       pool = deepByPlane[c].size() >= 3 ? deepByPlane[c] : erodedByPlane[c];
      std::vector<float> values;
      for (auto k : pool)
        values.push_back(along[k]);
      const double reference = values.empty() ? 0.0 : SpinalCordGrid::Quantile(values, 0.25);
      for (auto k : pool)
      {
        if ((edema[k] && deep[k]) || (central[k] && along[k] >= reference + tailContrast))
          eligible[c].push_back(k);
      }
    }
  }
  std::vector<std::uint8_t> frontier(n, 0); // the voxels of `current`
  for (long c = 0; c < nc; ++c)
  {
    const auto uc = static_cast<std::size_t>(c);
    if (!keepPlane[uc])
      continue;
    for (const long step : { -1L, 1L })
    {
      const long next = c + step;
      if (next < 0 || next >= nc || keepPlane[static_cast<std::size_t>(next)])
        continue; // not a run end on this side
      std::vector<std::size_t> current = edemaByPlane[uc];
      for (auto k : current)
        frontier[k] = 1;
      for (long t = next; t >= 0 && t < nc && !keepPlane[static_cast<std::size_t>(t)]; t += step)
      {
        std::vector<std::size_t> reached;
        for (auto k : eligible[static_cast<std::size_t>(t)])
        {
          bool connected = false;
          grid.ForEachInBlock(grid.Index(k), [&](std::size_t o) { connected = connected || frontier[o]; });
          if (connected)
            reached.push_back(k);
        }
        for (auto k : current)
          frontier[k] = 0;
        current = std::move(reached);
        for (auto k : current)
          frontier[k] = 1, tail[k] = 1;
        if (current.empty())
          break;
      }
      for (auto k : current)
        frontier[k] = 0;
    }
  }
  for (std::size_t k = 0; k < n; ++k)
  {
    if ((edema[k] || tail[k]) && !keepPlane[static_cast<std::size_t>(grid.Index(k)[cc])])
      edema[k] = tail[k];
  }
}

template <typename TInputImage, typename TLabelImage>
void
CordEdemaSegmentationImageFilter<TInputImage, TLabelImage>::DropFociOnlyRegions(const SpinalCordGrid &      grid,
                                                                                const TLabelImage *         lesionImage,
                                                                                std::vector<std::uint8_t> & edema) const
{
  // What a region holds away from every focus must span at least MinimumLength along the cord and be at least
  // as large as what it holds near them.
  const std::size_t               n = grid.NumberOfVoxels();
  const unsigned int              cc = grid.CranioCaudalAxis();
  const std::vector<std::uint8_t> lesion = SpinalCordGrid::NonZero(lesionImage);
  // Near: within 1.5 mm, and at least the next voxel along every axis (partial volume on thick slices).
  std::array<long, 3> nearRadii{};
  for (unsigned int d = 0; d < 3; ++d)
    nearRadii[d] = std::max(1L, grid.BallRadius(d, 1.5));
  const std::vector<std::uint8_t> nearLesion = grid.Dilate(lesion, nearRadii);
  unsigned int                    regions = 0;
  const auto                      regionLabels = grid.Components(edema, regions);
  std::vector<double>             lo(regions + 1, std::numeric_limits<double>::max());
  std::vector<double>             hi(regions + 1, std::numeric_limits<double>::lowest());
  std::vector<std::size_t>        away(regions + 1, 0), near(regions + 1, 0);
  for (std::size_t k = 0; k < n; ++k)
  {
    const unsigned int l = regionLabels[k];
    if (!l)
      continue;
    if (nearLesion[k])
    {
      ++near[l];
      continue;
    }
    ++away[l];
    const double s = grid.PositionAlong(k, cc);
    lo[l] = std::min(lo[l], s);
    hi[l] = std::max(hi[l], s);
  }
  std::vector<std::uint8_t> drop(regions + 1, 0);
  for (unsigned int l = 1; l <= regions; ++l)
  {
    drop[l] = away[l] < near[l] || hi[l] - lo[l] + grid.Spacing(cc) < m_MinimumLength;
  }
  for (std::size_t k = 0; k < n; ++k)
  {
    if (drop[regionLabels[k]])
      edema[k] = 0;
  }
}

template <typename TInputImage, typename TLabelImage>
void
CordEdemaSegmentationImageFilter<TInputImage, TLabelImage>::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "SeedIncrease: " << m_SeedIncrease << std::endl;
  os << indent << "GrowIncrease: " << m_GrowIncrease << std::endl;
  os << indent << "RelativeBoundary: " << m_RelativeBoundary << std::endl;
  os << indent << "BorderDepth: " << m_BorderDepth << std::endl;
  os << indent << "ShellWidth: " << m_ShellWidth << std::endl;
  os << indent << "ReferenceLength: " << m_ReferenceLength << std::endl;
  os << indent << "NormalQuantile: " << m_NormalQuantile << std::endl;
  os << indent << "MinimumLength: " << m_MinimumLength << std::endl;
  os << indent << "MinimumVolume: " << m_MinimumVolume << std::endl;
  os << indent << "MinimumSectionFraction: " << m_MinimumSectionFraction << std::endl;
  os << indent << "MinimumPlaneFraction: " << m_MinimumPlaneFraction << std::endl;
  os << indent << "FilledPlaneFraction: " << m_FilledPlaneFraction << std::endl;
  os << indent << "NormalRatio: " << m_NormalRatio << std::endl;
}
} // namespace itk

#endif
