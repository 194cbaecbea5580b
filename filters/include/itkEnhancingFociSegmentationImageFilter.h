#ifndef itkEnhancingFociSegmentationImageFilter_h
#define itkEnhancingFociSegmentationImageFilter_h

#include "itkImageToImageFilter.h"
#include "itkSpinalCordGrid.h"

#include <vector>

namespace itk {

/** \class EnhancingFociSegmentationImageFilter
 * \brief Segments enhancing intramedullary foci on a T1 post-contrast image inside a spinal cord mask,
 * relative to the normal-appearing cord, optionally confirmed by the subtraction from the registered T1
 * pre-contrast image; rejects extramedullary enhancement; labels foci with ids ordered cranio-caudally.
 *
 * Inputs: 0 the T1 post-contrast image; 1 (SetCordMask) the cord mask on the same grid (non-zero = cord);
 * 2 (SetPreContrastImage, optional) the T1 pre-contrast image resampled onto the same grid; 3 (SetRegionOfInterest,
 * optional) a mask on the same grid: only foci seeded inside it are kept.
 *
 * Method (sizes in mm, ITK physical space):
 *  1. Normal cord reference per cranio-caudal plane: the ReferenceQuantile of the post-contrast signal of
 *     the cord voxels pooled over +-ReferenceLength/2 (bias-field invariant, robust to foci occupying a
 *     minority of the window). Enhancement e = post / reference - 1; with a pre-contrast image,
 *     e = min(e, post / reference_post - pre / reference_pre) (intrinsically T1-bright tissue does not
 *     enhance in the subtraction). Noise: sigma = 1.4826 x the median absolute deviation of e in the cord.
 *  2. Hysteresis within the cord dilated by ExophyticMargin: seeds e >= max(SeedEnhancement,
 *     MinimumZScore sigma), or (matched filter of a focus wider than a pixel, for low SNR) the 3 x 3 in-plane
 *     mean of e >= max(SeedEnhancement, MinimumZScore sigma of that mean over the cord) where e itself passes
 *     the grow threshold; grown through e >= max(GrowEnhancement, MinimumZScore sigma / 2), 26-connected
 *     (ConnectedComponentImageFilter).
 *  3. Each candidate is re-thresholded at RelativeBoundary x its peak enhancement (the PeakQuantile
 *     of e in it): half-way between normal cord and the focus, i.e. the voxels at least half covered by
 *     the focus. Enclosed holes are filled per slice (the non-enhancing core of rim-enhancing foci).
 *  4. Touching foci are split where an erosion by SplitDepth separates them into several cores (each voxel
 *     goes to the geodesically nearest core), unless they have coalesced: two cores joined by a neck at
 *     least SplitNeckFraction as deep as the shallower core (depth: distance to the focus border; the neck's
 *     depth is the largest minimum depth along a path between them) stay one focus, as RECIST and RANO-BM
 *     measure coalesced lesions.
 *  5. Rejection: volume below MinimumVolume (mm^3); fewer than MinimumInsideFraction of the voxels inside
 *     the cord; fewer than MinimumCoreFraction inside the cord eroded by SurfaceDepth (thin structures
 *     hugging the cord surface: veins, leptomeningeal enhancement); everything outside the margin (bone,
 *     dura) is never considered.
 *  6. Ids 1..N by decreasing height (most cranial first). Partial-volume volume: every voxel of the focus
 *     and of its 26-neighbourhood (search region, no other focus, each voxel counted once) is unmixed
 *     linearly on u, the subtraction post/ref_post - pre/ref_pre alone when T1 pre is given (linear in the
 *     mixing fraction, unlike the minimum e of step 1), e otherwise: between the local normal cord b (median
 *     u of the cord within ~2 mm around it, outside every candidate) and the peak: the median of the
 *     plateau of focus voxels within PlateauWidth noise SDs (robust SD of u in that ring) below the
 *     PeakQuantile of u over the focus, and at least that quantile less its noise excess (z_q SDs; when all
 *     voxels are pure, noise raises the quantile by that much): (u - b) / (peak - b), unclamped inside the
 *     cord (noise averages out) and
 *     clamped to [0, 1] outside it (mixed with CSF rather than cord); a voxel of the enclosed core of a
 *     rim-enhancing focus counts at least 1 (the focus is measured whole). A focus not resolved across the
 *     slices (no voxel with the focus on both sides along the slice axis, e.g. 3-5 mm wide on 3 mm
 *     sagittal slices) never fills a voxel, so its peak under-estimates its pure enhancement; then the
 *     larger of the peak and a shape-prior estimate is used: the mean of the top tenth of its column
 *     integrals (enhancement summed along the slice axis x thickness = pure enhancement x chord) over the
 *     chord 2 x SliceExtentRatio x s, s its narrower in-plane semi-axis from the columns' second moments
 *     (an ellipsoid's projection has variance s^2 / 5 along a semi-axis); the core rule does not apply.
 *
 * Output: a label map (focus id per voxel). After Update(), GetFoci() describes each focus. Deterministic.
 *
 * \ingroup CordResponse
 */
template <typename TInputImage, typename TLabelImage>
class ITK_TEMPLATE_EXPORT EnhancingFociSegmentationImageFilter : public ImageToImageFilter<TInputImage, TLabelImage>
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(EnhancingFociSegmentationImageFilter);

  using Self = EnhancingFociSegmentationImageFilter;
  using Superclass = ImageToImageFilter<TInputImage, TLabelImage>;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;
  using InputImageType = TInputImage;
  using LabelImageType = TLabelImage;
  using PointType = typename TInputImage::PointType;

  itkNewMacro(Self);
  itkTypeMacro(EnhancingFociSegmentationImageFilter, ImageToImageFilter);

  /** One segmented focus. */
  struct Focus
  {
    unsigned int id{ 0 };
    std::size_t  voxelCount{ 0 };
    double       volume{ 0 };          ///< voxelCount x voxel volume (mm^3)
    double       partialVolume{ 0 };   ///< partial-volume-aware estimate (mm^3)
    PointType    centroid;             ///< LPS mm
    double       peakEnhancement{ 0 }; ///< relative to normal cord (0.9 = +90%)
    double       insideCordFraction{ 0 };
  };

  void
  SetCordMask(const TLabelImage * mask)
  {
    this->SetNthInput(1, const_cast<TLabelImage *>(mask));
  }
  const TLabelImage *
  GetCordMask() const
  {
    return itkDynamicCastInDebugMode<const TLabelImage *>(this->ProcessObject::GetInput(1));
  }
  void
  SetPreContrastImage(const TInputImage * image)
  {
    this->SetNthInput(2, const_cast<TInputImage *>(image));
  }
  const TInputImage *
  GetPreContrastImage() const
  {
    return itkDynamicCastInDebugMode<const TInputImage *>(this->ProcessObject::GetInput(2));
  }
  /** Optional: only foci seeded inside this region (non-zero, same grid) are kept, e.g. to re-examine one exam
   *  where another exam shows a focus (with relaxed thresholds). */
  void
  SetRegionOfInterest(const TLabelImage * mask)
  {
    this->SetNthInput(3, const_cast<TLabelImage *>(mask));
  }
  const TLabelImage *
  GetRegionOfInterest() const
  {
    return itkDynamicCastInDebugMode<const TLabelImage *>(this->ProcessObject::GetInput(3));
  }

  /** Seed threshold on the enhancement over normal cord. Default 0.5 (+50%). */
  itkSetMacro(SeedEnhancement, double);
  itkGetConstMacro(SeedEnhancement, double);
  /** Growing threshold. Default 0.25. */
  itkSetMacro(GrowEnhancement, double);
  itkGetConstMacro(GrowEnhancement, double);
  /** Seeds must also exceed MinimumZScore noise standard deviations. Default 5. */
  itkSetMacro(MinimumZScore, double);
  itkGetConstMacro(MinimumZScore, double);
  /** Boundary at this fraction of each focus's peak enhancement. Default 0.5. */
  itkSetClampMacro(RelativeBoundary, double, 0.05, 0.95);
  itkGetConstMacro(RelativeBoundary, double);
  /** Quantile of the enhancement of a candidate taken as its peak. Default 0.9. */
  itkSetClampMacro(PeakQuantile, double, 0.5, 1.0);
  itkGetConstMacro(PeakQuantile, double);
  /** Partial-volume unmixing (step 6): width, in noise standard deviations, of the plateau below the peak
   *  whose median is the focus's pure enhancement (noise raises the peak quantile of a focus with many pure
   *  voxels); 0 unmixes against the peak quantile itself. Default 2. */
  itkSetClampMacro(PlateauWidth, double, 0.0, 10.0);
  itkGetConstMacro(PlateauWidth, double);
  /** Extent of a focus along the slice axis relative to its narrower in-plane extent, assumed for foci not
   *  resolved across the slices (step 6). Default 1: a round cross-section. */
  itkSetClampMacro(SliceExtentRatio, double, 0.25, 4.0);
  itkGetConstMacro(SliceExtentRatio, double);
  /** Allowed exophytic extension beyond the cord mask (mm). Default 1.0. */
  itkSetMacro(ExophyticMargin, double);
  itkGetConstMacro(ExophyticMargin, double);
  /** Depth (mm) of the cord surface layer for the rejection of surface enhancement. Default 1.2. */
  itkSetMacro(SurfaceDepth, double);
  itkGetConstMacro(SurfaceDepth, double);
  /** Minimum fraction of a focus inside the cord eroded by SurfaceDepth. Default 0.2. */
  itkSetMacro(MinimumCoreFraction, double);
  itkGetConstMacro(MinimumCoreFraction, double);
  /** Minimum fraction of a focus inside the cord mask. Default 0.5. */
  itkSetMacro(MinimumInsideFraction, double);
  itkGetConstMacro(MinimumInsideFraction, double);
  /** Minimum focus volume (mm^3). Default 5. */
  itkSetMacro(MinimumVolume, double);
  itkGetConstMacro(MinimumVolume, double);
  /** Erosion depth (mm) separating touching foci; 0 disables splitting. Default 1.5. */
  itkSetMacro(SplitDepth, double);
  itkGetConstMacro(SplitDepth, double);
  /** Two cores separated by the SplitDepth erosion stay one (coalesced) focus when the neck between them is
   *  at least this fraction of the shallower core's depth; 0 splits whenever the erosion separates them.
   *  Default 0.4. */
  itkSetClampMacro(SplitNeckFraction, double, 0.0, 1.0);
  itkGetConstMacro(SplitNeckFraction, double);
  /** Window (mm) of the normal-cord reference along the cord. Default 30. */
  itkSetMacro(ReferenceLength, double);
  itkGetConstMacro(ReferenceLength, double);
  /** Quantile of the pooled cord signal used as the normal reference. Default 0.4. */
  itkSetClampMacro(ReferenceQuantile, double, 0.05, 0.95);
  itkGetConstMacro(ReferenceQuantile, double);

  /** After Update(): the foci, in id order. */
  const std::vector<Focus> &
  GetFoci() const
  {
    return m_Foci;
  }
  /** After Update(): the robust noise standard deviation of the enhancement in the cord. */
  itkGetConstMacro(NoiseSigma, double);

protected:
  EnhancingFociSegmentationImageFilter();
  ~EnhancingFociSegmentationImageFilter() override = default;
  void
  PrintSelf(std::ostream & os, Indent indent) const override;
  void
  GenerateInputRequestedRegion() override;
  void
  EnlargeOutputRequestedRegion(DataObject * output) override;
  void
  GenerateData() override;

private:
  /** Step 6: whether some voxel of the focus `id` has the focus on both sides along the slice axis. */
  template <typename TLabel>
  static bool
  ResolvedAcrossSlices(const SpinalCordGrid &           grid,
                       const std::vector<std::size_t> & voxels,
                       const TLabel *                   labels,
                       TLabel                           id);
  /** Step 6: the pure enhancement (above `normal`) of an unresolved focus from the column integrals of its
   *  neighbourhood's enhancement `e` (clamped at `normal` outside the `cord`); 0 when it cannot be estimated. */
  double
  PureEnhancementFromColumns(const SpinalCordGrid &            grid,
                             const std::vector<std::size_t> &  neighbourhood,
                             const std::vector<float> &        e,
                             const std::vector<std::uint8_t> & cord,
                             double                            normal) const;
  /** Step 4: the parts of one focus (grid offsets) after splitting at its necks; empty when it stays whole.
   *  `region` marks the focus's voxels on the whole grid. */
  std::vector<std::vector<std::size_t>>
  SplitAtNecks(const SpinalCordGrid &            grid,
               const std::vector<std::size_t> &  voxels,
               const std::vector<std::uint8_t> & region) const;

  double             m_SeedEnhancement{ 0.5 };
  double             m_GrowEnhancement{ 0.25 };
  double             m_MinimumZScore{ 5.0 };
  double             m_RelativeBoundary{ 0.5 };
  double             m_PeakQuantile{ 0.9 };
  double             m_PlateauWidth{ 2.0 };
  double             m_SliceExtentRatio{ 1.0 };
  double             m_ExophyticMargin{ 1.0 };
  double             m_SurfaceDepth{ 1.2 };
  double             m_MinimumCoreFraction{ 0.2 };
  double             m_MinimumInsideFraction{ 0.5 };
  double             m_MinimumVolume{ 5.0 };
  double             m_SplitDepth{ 1.5 };
  double             m_SplitNeckFraction{ 0.4 };
  double             m_ReferenceLength{ 30.0 };
  double             m_ReferenceQuantile{ 0.4 };
  double             m_NoiseSigma{ 0.0 };
  std::vector<Focus> m_Foci;
};
} // namespace itk

#ifndef ITK_MANUAL_INSTANTIATION
#include "itkEnhancingFociSegmentationImageFilter.hxx"
#endif

#endif
