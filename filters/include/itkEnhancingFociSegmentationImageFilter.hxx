#ifndef itkEnhancingFociSegmentationImageFilter_hxx
#define itkEnhancingFociSegmentationImageFilter_hxx

#include "itkEnhancingFociSegmentationImageFilter.h"

#include "itkConnectedComponentImageFilter.h"
#include "itkGaussianDistribution.h"
#include "itkImportImageFilter.h"
#include "itkProgressReporter.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <limits>
#include <functional>
#include <map>
#include <numeric>
#include <queue>
#include <unordered_map>

namespace itk {

template <typename TInputImage, typename TLabelImage>
EnhancingFociSegmentationImageFilter<TInputImage, TLabelImage>::EnhancingFociSegmentationImageFilter()
{
  this->SetNumberOfRequiredInputs(2);
}

template <typename TInputImage, typename TLabelImage>
void
EnhancingFociSegmentationImageFilter<TInputImage, TLabelImage>::GenerateInputRequestedRegion()
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
EnhancingFociSegmentationImageFilter<TInputImage, TLabelImage>::EnlargeOutputRequestedRegion(DataObject * output)
{
  Superclass::EnlargeOutputRequestedRegion(output);
  output->SetRequestedRegionToLargestPossibleRegion();
}

template <typename TInputImage, typename TLabelImage>
void
EnhancingFociSegmentationImageFilter<TInputImage, TLabelImage>::GenerateData()
{
  const TInputImage * post = this->GetInput();
  const TLabelImage * cordImage = this->GetCordMask();
  const TInputImage * pre = this->GetPreContrastImage();
  const TLabelImage * roiImage = this->GetRegionOfInterest();
  TLabelImage *       output = this->GetOutput();
  output->SetBufferedRegion(output->GetRequestedRegion());
  output->Allocate();
  output->FillBuffer(0);
  m_Foci.clear();
  m_NoiseSigma = 0.0;
  if (cordImage->GetLargestPossibleRegion().GetSize() != post->GetLargestPossibleRegion().GetSize() ||
      (pre && pre->GetLargestPossibleRegion().GetSize() != post->GetLargestPossibleRegion().GetSize()) ||
      (roiImage && roiImage->GetLargestPossibleRegion().GetSize() != post->GetLargestPossibleRegion().GetSize()))
  {
    itkExceptionMacro("the cord mask, the pre-contrast image and the region of interest must be on the "
                      "post-contrast image grid");
  }

  const SpinalCordGrid grid(post);
  const std::size_t    n = grid.NumberOfVoxels();
  const unsigned int   cc = grid.CranioCaudalAxis();
  const long           nc = grid.Size(cc);
  ProgressReporter     progress(this, 0, static_cast<SizeValueType>(nc + 4), 100);

  const std::vector<std::uint8_t> cord = SpinalCordGrid::NonZero(cordImage);
  if (std::find(cord.begin(), cord.end(), 1) == cord.end())
  {
    return; // no cord, no focus (callers decide whether an empty cord is an error)
  }
  std::vector<float> postValues(n), preValues;
  {
    ImageRegionConstIterator<TInputImage> it(post, post->GetLargestPossibleRegion());
    for (std::size_t k = 0; !it.IsAtEnd(); ++it, ++k)
    {
      postValues[k] = static_cast<float>(it.Get());
    }
    if (pre)
    {
      preValues.resize(n);
      ImageRegionConstIterator<TInputImage> ip(pre, pre->GetLargestPossibleRegion());
      for (std::size_t k = 0; !ip.IsAtEnd(); ++ip, ++k)
      {
        preValues[k] = static_cast<float>(ip.Get());
      }
    }
  }

  // 1. Normal-cord references per plane and the enhancement map (cord + margin only).
  std::vector<std::vector<float>> planePost(static_cast<std::size_t>(nc)), planePre(static_cast<std::size_t>(nc));
  for (std::size_t k = 0; k < n; ++k)
  {
    if (cord[k])
    {
      const auto c = static_cast<std::size_t>(grid.Index(k)[cc]);
      planePost[c].push_back(postValues[k]);
      if (pre)
      {
        planePre[c].push_back(preValues[k]);
      }
    }
  }
  const long          half = std::max(1L, std::lround(0.5 * m_ReferenceLength / grid.Spacing(cc)));
  std::vector<double> refPost(static_cast<std::size_t>(nc), std::numeric_limits<double>::quiet_NaN());
  std::vector<double> refPre = refPost;
  {
    std::vector<float> pool, poolPre;
    for (long c = 0; c < nc; ++c)
    {
      pool.clear(), poolPre.clear();
      for (long j = std::max(0L, c - half); j <= std::min(nc - 1, c + half); ++j)
      {
        pool.insert(pool.end(), planePost[static_cast<std::size_t>(j)].begin(),
                    planePost[static_cast<std::size_t>(j)].end());
        poolPre.insert(poolPre.end(), planePre[static_cast<std::size_t>(j)].begin(),
                       planePre[static_cast<std::size_t>(j)].end());
      }
      if (pool.size() >= 10)
      {
        refPost[static_cast<std::size_t>(c)] = SpinalCordGrid::Quantile(pool, m_ReferenceQuantile);
        if (pre)
        {
          refPre[static_cast<std::size_t>(c)] = SpinalCordGrid::Quantile(poolPre, m_ReferenceQuantile);
        }
      }
      progress.CompletedPixel();
    }
    // Planes beyond the cord's ends use the nearest reference.
    double last = std::numeric_limits<double>::quiet_NaN(), lastPre = last;
    for (long c = 0; c < nc; ++c)
    {
      auto uc = static_cast<std::size_t>(c);
      if (std::isnan(refPost[uc]))
        refPost[uc] = last, refPre[uc] = lastPre;
      else
        last = refPost[uc], lastPre = refPre[uc];
    }
    for (long c = nc - 1; c >= 0; --c)
    {
      auto uc = static_cast<std::size_t>(c);
      if (std::isnan(refPost[uc]))
        refPost[uc] = last, refPre[uc] = lastPre;
      else
        last = refPost[uc], lastPre = refPre[uc];
    }
  }
  const std::vector<std::uint8_t> search = grid.Dilate(cord, m_ExophyticMargin);
  const std::vector<std::uint8_t> core = grid.Erode(cord, m_SurfaceDepth);
  std::vector<float>              e(n, 0.0f);
  std::vector<float>              unmixed; // with T1 pre: the subtraction alone, unmixed in step 6
  std::vector<float>              cordE;
  if (pre)
  {
    unmixed.assign(n, 0.0f);
  }
  for (std::size_t k = 0; k < n; ++k)
  {
    if (!search[k])
    {
      continue;
    }
    const auto   c = static_cast<std::size_t>(grid.Index(k)[cc]);
    const double rp = std::max(1e-6, std::abs(refPost[c]));
    double       value = postValues[k] / rp - 1.0;
    if (pre)
    {
      const double rq = std::max(1e-6, std::abs(refPre[c]));
      const double subtraction = postValues[k] / rp - preValues[k] / rq;
      unmixed[k] = static_cast<float>(subtraction);
      value = std::min(value, subtraction);
    }
    e[k] = static_cast<float>(value);
    if (cord[k])
    {
      cordE.push_back(e[k]);
    }
  }
  m_NoiseSigma = SpinalCordGrid::RobustSigma(cordE);
  const double seedThreshold = std::max(m_SeedEnhancement, m_MinimumZScore * m_NoiseSigma);
  const double growThreshold = std::max(m_GrowEnhancement, 0.5 * m_MinimumZScore * m_NoiseSigma);
  // Seeds also from the matched filter of a focus wider than a pixel: the mean of e over the 3 x 3
  // neighbourhood in the slice plane (within the search region), against the robust sigma of that mean over
  // the cord. At low SNR a focus whose voxels stay below MinimumZScore sigma is still seeded where its
  // neighbourhood mean is significant (and the voxel itself passes the grow threshold).
  std::vector<std::uint8_t> seed(n, 0);
  {
    std::array<long, 3> inPlane{ { 1, 1, 1 } };
    inPlane[grid.SliceAxis()] = 0;
    const std::vector<float> planeMean = grid.MaskedBoxMean(search, e, inPlane);
    std::vector<float>       cordPlaneMean;
    for (std::size_t k = 0; k < n; ++k)
    {
      if (cord[k])
      {
        cordPlaneMean.push_back(planeMean[k]);
      }
    }
    const double meanThreshold =
      std::max(m_SeedEnhancement, m_MinimumZScore * SpinalCordGrid::RobustSigma(std::move(cordPlaneMean)));
    for (std::size_t k = 0; k < n; ++k)
    {
      seed[k] = search[k] && (e[k] >= seedThreshold || (planeMean[k] >= meanThreshold && e[k] >= growThreshold));
    }
    if (roiImage)
    {
      const std::vector<std::uint8_t> roi = SpinalCordGrid::NonZero(roiImage);
      for (std::size_t k = 0; k < n; ++k)
      {
        seed[k] = seed[k] && roi[k];
      }
    }
  }
  progress.CompletedPixel();

  // 2. Hysteresis candidates (ITK connected components on the candidate mask).
  using MaskImage = Image<std::uint8_t, 3>;
  using ComponentImage = Image<unsigned int, 3>;
  std::vector<std::uint8_t> candidate(n, 0);
  for (std::size_t k = 0; k < n; ++k)
  {
    candidate[k] = search[k] && e[k] >= growThreshold;
  }
  auto import = ImportImageFilter<std::uint8_t, 3>::New();
  {
    typename ImportImageFilter<std::uint8_t, 3>::RegionType region;
    region.SetSize(post->GetLargestPossibleRegion().GetSize());
    import->SetRegion(region);
    import->SetOrigin(post->GetOrigin());
    import->SetSpacing(post->GetSpacing());
    import->SetDirection(post->GetDirection());
    import->SetImportPointer(candidate.data(), candidate.size(), false);
  }
  auto components = ConnectedComponentImageFilter<MaskImage, ComponentImage>::New();
  components->SetInput(import->GetOutput());
  components->FullyConnectedOn();
  components->Update();
  const unsigned int *                             componentLabels = components->GetOutput()->GetBufferPointer();
  std::map<unsigned int, std::vector<std::size_t>> members;
  std::map<unsigned int, bool>                     seeded;
  for (std::size_t k = 0; k < n; ++k)
  {
    if (componentLabels[k])
    {
      members[componentLabels[k]].push_back(k);
      if (seed[k])
      {
        seeded[componentLabels[k]] = true;
      }
    }
  }
  progress.CompletedPixel();

  // 3-5. Per candidate: relative boundary, hole filling, splitting, rejection.
  struct Region
  {
    std::vector<std::size_t> voxels;
    double                   peak{ 0 };
  };
  std::vector<Region>       accepted;
  std::vector<std::uint8_t> region(n, 0);
  std::vector<std::uint8_t> enclosed(n, 0); // voxels added by hole filling: the cores of rim-enhancing foci
  const unsigned int        sliceAxis = grid.SliceAxis();
  for (const auto & entry : members)
  {
    if (!seeded.count(entry.first))
    {
      continue;
    }
    std::vector<float> values;
    for (auto k : entry.second)
    {
      values.push_back(e[k]);
    }
    const double peak = SpinalCordGrid::Quantile(values, m_PeakQuantile);
    const double boundary = std::max(growThreshold, m_RelativeBoundary * peak);
    // Voxels above the boundary, connected to a seed, then enclosed holes filled.
    std::vector<std::size_t> kept;
    std::deque<std::size_t>  queue;
    for (auto k : entry.second)
    {
      if (seed[k] && e[k] >= boundary)
      {
        region[k] = 1;
        queue.push_back(k);
      }
    }
    while (!queue.empty())
    {
      const auto q = queue.front();
      queue.pop_front();
      kept.push_back(q);
      const auto i = grid.Index(q);
      grid.ForEachInBlock(i, [&](std::size_t o) {
        if (!region[o] && componentLabels[o] == entry.first && e[o] >= boundary)
        {
          region[o] = 1;
          queue.push_back(o);
        }
      });
    }
    // Hole filling in the bounding box of the region (per slice, within the search region).
    SpinalCordGrid::IndexArray lo{ { grid.Size(0), grid.Size(1), grid.Size(2) } }, hi{ { -1, -1, -1 } };
    for (auto k : kept)
    {
      const auto i = grid.Index(k);
      for (unsigned int d = 0; d < 3; ++d)
        lo[d] = std::min(lo[d], i[d]), hi[d] = std::max(hi[d], i[d]);
    }
    {
      // Work on a small box copy: FillHolesPerSlice needs a grid; emulate with a sub-grid image.
      auto                                        box = Image<std::uint8_t, 3>::New();
      typename Image<std::uint8_t, 3>::RegionType r;
      typename Image<std::uint8_t, 3>::IndexType  start;
      typename Image<std::uint8_t, 3>::SizeType   size;
      for (unsigned int d = 0; d < 3; ++d)
      {
        lo[d] = std::max(0L, lo[d] - 1), hi[d] = std::min(grid.Size(d) - 1, hi[d] + 1);
        start[d] = 0;
        size[d] = static_cast<SizeValueType>(hi[d] - lo[d] + 1);
      }
      r.SetIndex(start), r.SetSize(size);
      box->SetRegions(r);
      box->SetSpacing(post->GetSpacing());
      box->SetDirection(post->GetDirection());
      box->Allocate();
      const SpinalCordGrid      bg(box);
      std::vector<std::uint8_t> sub(bg.NumberOfVoxels()), allowed(bg.NumberOfVoxels());
      for (std::size_t k = 0; k < sub.size(); ++k)
      {
        const auto                 i = bg.Index(k);
        SpinalCordGrid::IndexArray g{ { i[0] + lo[0], i[1] + lo[1], i[2] + lo[2] } };
        const auto                 o = grid.Offset(g);
        sub[k] = region[o];
        allowed[k] = search[o] && (componentLabels[o] == 0 || componentLabels[o] == entry.first);
      }
      bg.FillHolesPerSlice(sub, sliceAxis, &allowed);
      for (std::size_t k = 0; k < sub.size(); ++k)
      {
        const auto                 i = bg.Index(k);
        SpinalCordGrid::IndexArray g{ { i[0] + lo[0], i[1] + lo[1], i[2] + lo[2] } };
        const auto                 o = grid.Offset(g);
        if (sub[k] && !region[o])
        {
          region[o] = 1;
          enclosed[o] = 1;
          kept.push_back(o);
        }
      }
    }
    // 4. Split touching foci at their necks.
    std::vector<std::vector<std::size_t>> parts = SplitAtNecks(grid, kept, region);
    if (parts.empty())
    {
      parts.push_back(kept);
    }
    for (auto & part : parts)
    {
      std::size_t inside = 0, deep = 0;
      for (auto k : part)
      {
        inside += cord[k];
        deep += core[k];
      }
      const double volume = part.size() * grid.VoxelVolume();
      if (part.empty() || volume < m_MinimumVolume || inside < m_MinimumInsideFraction * part.size() ||
          deep < m_MinimumCoreFraction * part.size())
      {
        continue;
      }
      Region r;
      r.voxels = part;
      r.peak = peak;
      accepted.push_back(r);
    }
    for (auto k : kept)
    {
      region[k] = 0;
    }
  }
  progress.CompletedPixel();

  // 6. Ids by decreasing height; statistics; partial volume.
  std::vector<std::pair<double, std::size_t>> order;
  for (std::size_t r = 0; r < accepted.size(); ++r)
  {
    double z = 0.0;
    for (auto k : accepted[r].voxels)
      z += grid.Point(grid.Index(k))[2];
    order.emplace_back(-z / static_cast<double>(accepted[r].voxels.size()), r);
  }
  std::sort(order.begin(), order.end());
  typename TLabelImage::PixelType * out = output->GetBufferPointer();
  for (std::size_t i = 0; i < order.size(); ++i)
  {
    for (auto k : accepted[order[i].second].voxels)
      out[k] = static_cast<typename TLabelImage::PixelType>(i + 1);
  }
  // Partial-volume volume: linear unmixing of each voxel of the focus and of its 26-neighbourhood between the
  // local normal cord (median of u in the cord ring around it, outside every candidate) and the focus peak,
  // clamped to [0, 1] outside the cord. u is the subtraction alone when T1 pre is given: the minimum e that
  // detection uses is not linear in the mixing fraction (biased low inside a focus, where both are close).
  // With thick slices almost no voxel is interior, so every voxel is unmixed. A voxel in the neighbourhood of
  // two touching foci counts for the first one only (never twice).
  std::vector<std::uint8_t>  inRegion(n, 0), inRing(n, 0), counted(n, 0);
  const std::vector<float> & u = pre ? unmixed : e;
  // How far noise raises the PeakQuantile of pure voxels, in noise SDs (the plateau peak's lower bound).
  const double peakNoiseExcess = Statistics::GaussianDistribution::InverseCDF(m_PeakQuantile);
  for (std::size_t i = 0; i < order.size(); ++i)
  {
    const Region & r = accepted[order[i].second];
    const auto     id = static_cast<typename TLabelImage::PixelType>(i + 1);
    Focus          f;
    f.id = static_cast<unsigned int>(id);
    f.voxelCount = r.voxels.size();
    f.volume = r.voxels.size() * grid.VoxelVolume();
    f.peakEnhancement = r.peak;
    double                   sum[3] = { 0, 0, 0 };
    std::size_t              inside = 0;
    std::vector<std::size_t> neighbourhood, ring;
    for (auto k : r.voxels)
    {
      const auto i3 = grid.Index(k);
      const auto p = grid.Point(i3);
      sum[0] += p[0], sum[1] += p[1], sum[2] += p[2];
      inside += cord[k];
      grid.ForEachInBlock(i3, [&](std::size_t o) {
        if (!inRegion[o] && !counted[o] && search[o] && (out[o] == 0 || out[o] == id))
        {
          inRegion[o] = 1;
          neighbourhood.push_back(o);
        }
      });
    }
    // The ring: cord voxels within ~2 mm in-plane and one slice of the neighbourhood, outside every candidate.
    std::array<long, 3> reach{};
    for (unsigned int d = 0; d < 3; ++d)
      reach[d] = std::max(1L, grid.BallRadius(d, 2.0));
    std::vector<float> background;
    for (auto k : neighbourhood)
    {
      const auto i3 = grid.Index(k);
      for (long dz = -reach[2]; dz <= reach[2]; ++dz)
        for (long dy = -reach[1]; dy <= reach[1]; ++dy)
          for (long dx = -reach[0]; dx <= reach[0]; ++dx)
          {
            const SpinalCordGrid::IndexArray j{ { i3[0] + dx, i3[1] + dy, i3[2] + dz } };
            if (!grid.Inside(j))
              continue;
            const auto o = grid.Offset(j);
            if (!inRegion[o] && !inRing[o] && cord[o] && componentLabels[o] == 0)
            {
              inRing[o] = 1;
              ring.push_back(o);
              background.push_back(u[o]);
            }
          }
    }
    const double normal = background.size() >= 10 ? SpinalCordGrid::Quantile(background, 0.5) : 0.0;
    // A focus not resolved across the slices never fills a voxel: its peak is diluted, so its pure
    // enhancement comes from the column integrals instead (when larger than the peak).
    std::vector<float> values;
    for (auto k : r.voxels)
      values.push_back(u[k]);
    double peak = SpinalCordGrid::Quantile(values, m_PeakQuantile);
    if (m_PlateauWidth > 0.0 && background.size() >= 10)
    {
      // Noise raises the quantile of a focus with many pure voxels (by z_q sigma when all are pure): the
      // median of the plateau just below it is their level; a focus with few pure voxels keeps about its
      // quantile (its plateau is its top), never less than the quantile's noise excess below it.
      const double       sigma = SpinalCordGrid::RobustSigma(background);
      std::vector<float> plateau;
      for (const float value : values)
        if (value >= peak - m_PlateauWidth * sigma)
          plateau.push_back(value);
      peak = std::max(SpinalCordGrid::Quantile(plateau, 0.5), peak - peakNoiseExcess * sigma);
    }
    const double fromPeak = std::max(1e-6, peak - normal);
    const double fromColumns = ResolvedAcrossSlices(grid, r.voxels, out, id)
                                 ? 0.0
                                 : PureEnhancementFromColumns(grid, neighbourhood, u, cord, normal);
    const bool   columnsWin = fromColumns > fromPeak;
    const double range = columnsWin ? fromColumns : fromPeak;
    double       pv = 0.0;
    for (auto k : neighbourhood)
    {
      const double fraction = (static_cast<double>(u[k]) - normal) / range;
      // An enclosed core voxel is focus whatever its enhancement (a rim focus is measured whole), unless the
      // pure enhancement came from the columns, whose chords already average the core in.
      pv += !columnsWin && enclosed[k] && out[k] == id ? std::max(fraction, 1.0)
            : cord[k]                                  ? fraction
                                                       : std::clamp(fraction, 0.0, 1.0);
      inRegion[k] = 0;
      counted[k] = 1;
    }
    for (auto k : ring)
      inRing[k] = 0;
    for (unsigned int d = 0; d < 3; ++d)
      f.centroid[d] = sum[d] / static_cast<double>(r.voxels.size());
    f.partialVolume = pv * grid.VoxelVolume();
    f.insideCordFraction = static_cast<double>(inside) / static_cast<double>(r.voxels.size());
    m_Foci.push_back(f);
  }
  progress.CompletedPixel();
}

template <typename TInputImage, typename TLabelImage>
template <typename TLabel>
bool
EnhancingFociSegmentationImageFilter<TInputImage, TLabelImage>::ResolvedAcrossSlices(
  const SpinalCordGrid &           grid,
  const std::vector<std::size_t> & voxels,
  const TLabel *                   labels,
  TLabel                           id)
{
  const unsigned int sliceAxis = grid.SliceAxis();
  for (auto k : voxels)
  {
    auto below = grid.Index(k), above = below;
    --below[sliceAxis], ++above[sliceAxis];
    if (grid.Inside(below) && grid.Inside(above) && labels[grid.Offset(below)] == id &&
        labels[grid.Offset(above)] == id)
    {
      return true;
    }
  }
  return false;
}

template <typename TInputImage, typename TLabelImage>
double
EnhancingFociSegmentationImageFilter<TInputImage, TLabelImage>::PureEnhancementFromColumns(
  const SpinalCordGrid &            grid,
  const std::vector<std::size_t> &  neighbourhood,
  const std::vector<float> &        e,
  const std::vector<std::uint8_t> & cord,
  double                            normal) const
{
  // Column integrals: the enhancement above normal cord summed along the slice axis (x slice thickness) at
  // each in-plane position. For a focus of pure enhancement C, a column holds C x the focus's chord length.
  const unsigned int                      sliceAxis = grid.SliceAxis();
  const std::array<unsigned int, 2>       inPlane{ { sliceAxis == 0 ? 1u : 0u, sliceAxis == 2 ? 1u : 2u } };
  std::map<std::pair<long, long>, double> column;
  for (auto k : neighbourhood)
  {
    const auto   i = grid.Index(k);
    const double excess = static_cast<double>(e[k]) - normal; // outside the cord: mixed with CSF, not cord
    column[{ i[inPlane[0]], i[inPlane[1]] }] += (cord[k] ? excess : std::max(0.0, excess)) * grid.Spacing(sliceAxis);
  }
  // The narrower in-plane semi-axis s from the columns' second moments (the projection of an ellipsoid has
  // density ~ sqrt(1 - rho^2), whose variance along a semi-axis s is s^2 / 5).
  double              w = 0.0, mean[2] = { 0.0, 0.0 }, moment[3] = { 0.0, 0.0, 0.0 };
  std::vector<double> positive;
  for (const auto & c : column)
  {
    if (c.second > 0.0)
    {
      positive.push_back(c.second);
      w += c.second;
      mean[0] += c.second * c.first.first * grid.Spacing(inPlane[0]);
      mean[1] += c.second * c.first.second * grid.Spacing(inPlane[1]);
    }
  }
  if (positive.empty())
  {
    return 0.0;
  }
  mean[0] /= w, mean[1] /= w;
  for (const auto & c : column)
  {
    if (c.second > 0.0)
    {
      const double u = c.first.first * grid.Spacing(inPlane[0]) - mean[0];
      const double v = c.first.second * grid.Spacing(inPlane[1]) - mean[1];
      moment[0] += c.second * u * u, moment[1] += c.second * v * v, moment[2] += c.second * u * v;
    }
  }
  for (auto & m : moment)
  {
    m /= w;
  }
  const double halfTrace = 0.5 * (moment[0] + moment[1]);
  const double smallest =
    halfTrace - std::sqrt(std::max(0.0, halfTrace * halfTrace - (moment[0] * moment[1] - moment[2] * moment[2])));
  const double semiAxis = std::sqrt(5.0 * std::max(0.0, smallest));
  if (semiAxis <= 0.0)
  {
    return 0.0;
  }
  // The longest chords (the top tenth of the columns) cross the focus over SliceExtentRatio x 2s.
  std::sort(positive.begin(), positive.end(), std::greater<>());
  const std::size_t top = std::max<std::size_t>(1, positive.size() / 10);
  const double      integral = std::accumulate(positive.begin(), positive.begin() + static_cast<long>(top), 0.0) / top;
  return integral / (2.0 * semiAxis * m_SliceExtentRatio);
}

template <typename TInputImage, typename TLabelImage>
std::vector<std::vector<std::size_t>>
EnhancingFociSegmentationImageFilter<TInputImage, TLabelImage>::SplitAtNecks(
  const SpinalCordGrid &            grid,
  const std::vector<std::size_t> &  voxels,
  const std::vector<std::uint8_t> & region) const
{
  if (m_SplitDepth <= 0.0 || voxels.size() <= 8)
  {
    return {};
  }
  // Depth of each voxel: physical distance to the nearest voxel outside the region (or the grid), capped
  // where a larger depth cannot change a decision below (cores deeper than SplitDepth / SplitNeckFraction
  // always split).
  const double cap =
    m_SplitNeckFraction > 0.0 ? std::max(m_SplitDepth / m_SplitNeckFraction, m_SplitDepth) : m_SplitDepth;
  std::vector<std::pair<double, SpinalCordGrid::IndexArray>> ring;
  for (const auto & o : grid.BallOffsets(cap))
  {
    ring.emplace_back(grid.OffsetLength(o), o);
  }
  std::sort(ring.begin(), ring.end(), [](const auto & x, const auto & y) { return x.first < y.first; });
  const std::size_t                            n = voxels.size();
  std::unordered_map<std::size_t, std::size_t> position; // grid offset -> index in `voxels`
  for (std::size_t v = 0; v < n; ++v)
  {
    position[voxels[v]] = v;
  }
  std::vector<double> depth(n, cap + 1.0);
  for (std::size_t v = 0; v < n; ++v)
  {
    const auto i = grid.Index(voxels[v]);
    for (const auto & r : ring)
    {
      const SpinalCordGrid::IndexArray j{ { i[0] + r.second[0], i[1] + r.second[1], i[2] + r.second[2] } };
      if (!grid.Inside(j) || !region[grid.Offset(j)])
      {
        depth[v] = r.first;
        break;
      }
    }
  }
  auto forEachNeighbour = [&](std::size_t v, auto && visit) {
    grid.ForEachInBlock(grid.Index(voxels[v]), [&](std::size_t o) {
      const auto it = position.find(o);
      if (it != position.end() && it->second != v)
      {
        visit(it->second);
      }
    });
  };

  // Cores: voxels deeper than SplitDepth (the region eroded by a ball of that radius), 26-connected;
  // significant when at least MinimumVolume / 4.
  std::vector<unsigned int> core(n, 0); // 1..cores
  std::vector<std::size_t>  coreSize;
  for (std::size_t v = 0; v < n; ++v)
  {
    if (depth[v] <= m_SplitDepth || core[v])
    {
      continue;
    }
    coreSize.push_back(0);
    const auto              label = static_cast<unsigned int>(coreSize.size());
    std::deque<std::size_t> queue{ v };
    core[v] = label;
    while (!queue.empty())
    {
      const auto q = queue.front();
      queue.pop_front();
      ++coreSize.back();
      forEachNeighbour(q, [&](std::size_t w) {
        if (depth[w] > m_SplitDepth && !core[w])
        {
          core[w] = label;
          queue.push_back(w);
        }
      });
    }
  }
  std::vector<unsigned int> significant; // core labels
  for (unsigned int c = 1; c <= coreSize.size(); ++c)
  {
    if (coreSize[c - 1] * grid.VoxelVolume() >= 0.25 * m_MinimumVolume)
    {
      significant.push_back(c);
    }
  }
  if (significant.size() < 2)
  {
    return {};
  }

  // Coalesced foci stay one: two cores whose neck (the deepest path between them, i.e. the largest
  // minimum depth along any path) is at least SplitNeckFraction of the shallower core's depth are one focus.
  std::vector<std::size_t> group(significant.size());
  for (std::size_t g = 0; g < group.size(); ++g)
  {
    group[g] = g;
  }
  auto root = [&](std::size_t g) {
    while (group[g] != g)
    {
      g = group[g];
    }
    return g;
  };
  std::vector<double> depthOfCore(coreSize.size() + 1, 0.0); // by core label
  for (std::size_t v = 0; v < n; ++v)
  {
    depthOfCore[core[v]] = std::max(depthOfCore[core[v]], std::min(depth[v], cap));
  }
  for (std::size_t g = 0; g + 1 < significant.size() && m_SplitNeckFraction > 0.0; ++g)
  {
    // Widest path from core g: neck[v] = the largest minimum depth along a path from the core to v.
    std::vector<double>                                 neck(n, -1.0);
    std::priority_queue<std::pair<double, std::size_t>> heap;
    for (std::size_t v = 0; v < n; ++v)
    {
      if (core[v] == significant[g])
      {
        neck[v] = depth[v];
        heap.emplace(depth[v], v);
      }
    }
    while (!heap.empty())
    {
      const auto [width, v] = heap.top();
      heap.pop();
      if (width < neck[v])
      {
        continue;
      }
      forEachNeighbour(v, [&](std::size_t w) {
        const double through = std::min(width, depth[w]);
        if (through > neck[w])
        {
          neck[w] = through;
          heap.emplace(through, w);
        }
      });
    }
    for (std::size_t h = g + 1; h < significant.size(); ++h)
    {
      double saddle = 0.0;
      for (std::size_t v = 0; v < n; ++v)
      {
        if (core[v] == significant[h])
        {
          saddle = std::max(saddle, neck[v]);
        }
      }
      if (saddle >= m_SplitNeckFraction * std::min(depthOfCore[significant[g]], depthOfCore[significant[h]]))
      {
        group[root(h)] = root(g);
      }
    }
  }
  std::map<std::size_t, unsigned int> partOfRoot;
  std::vector<unsigned int>           partOfCore(coreSize.size() + 1, 0); // core label -> 1..parts
  for (std::size_t g = 0; g < significant.size(); ++g)
  {
    const auto inserted = partOfRoot.emplace(root(g), static_cast<unsigned int>(partOfRoot.size() + 1));
    partOfCore[significant[g]] = inserted.first->second;
  }
  if (partOfRoot.size() < 2)
  {
    return {};
  }
  // Every other voxel goes to the geodesically nearest significant core.
  std::vector<unsigned int> owner(n, 0);
  std::deque<std::size_t>   queue;
  for (std::size_t v = 0; v < n; ++v)
  {
    if (partOfCore[core[v]])
    {
      owner[v] = partOfCore[core[v]];
      queue.push_back(v);
    }
  }
  while (!queue.empty())
  {
    const auto q = queue.front();
    queue.pop_front();
    forEachNeighbour(q, [&](std::size_t w) {
      if (!owner[w])
      {
        owner[w] = owner[q];
        queue.push_back(w);
      }
    });
  }
  std::vector<std::vector<std::size_t>> parts(partOfRoot.size());
  for (std::size_t v = 0; v < n; ++v)
  {
    parts[(owner[v] ? owner[v] : 1u) - 1].push_back(voxels[v]);
  }
  return parts;
}

template <typename TInputImage, typename TLabelImage>
void
EnhancingFociSegmentationImageFilter<TInputImage, TLabelImage>::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "SeedEnhancement: " << m_SeedEnhancement << std::endl;
  os << indent << "GrowEnhancement: " << m_GrowEnhancement << std::endl;
  os << indent << "MinimumZScore: " << m_MinimumZScore << std::endl;
  os << indent << "RelativeBoundary: " << m_RelativeBoundary << std::endl;
  os << indent << "ExophyticMargin: " << m_ExophyticMargin << std::endl;
  os << indent << "SurfaceDepth: " << m_SurfaceDepth << std::endl;
  os << indent << "MinimumCoreFraction: " << m_MinimumCoreFraction << std::endl;
  os << indent << "MinimumInsideFraction: " << m_MinimumInsideFraction << std::endl;
  os << indent << "MinimumVolume: " << m_MinimumVolume << std::endl;
  os << indent << "SplitDepth: " << m_SplitDepth << std::endl;
  os << indent << "SplitNeckFraction: " << m_SplitNeckFraction << std::endl;
  os << indent << "ReferenceLength: " << m_ReferenceLength << std::endl;
  os << indent << "ReferenceQuantile: " << m_ReferenceQuantile << std::endl;
  os << indent << "PeakQuantile: " << m_PeakQuantile << std::endl;
  os << indent << "PlateauWidth: " << m_PlateauWidth << std::endl;
  os << indent << "SliceExtentRatio: " << m_SliceExtentRatio << std::endl;
  os << indent << "NoiseSigma: " << m_NoiseSigma << std::endl;
  os << indent << "Foci: " << m_Foci.size() << std::endl;
}
} // namespace itk

#endif
