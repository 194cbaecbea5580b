#ifndef itkCordEdemaSegmentationImageFilter_h
#define itkCordEdemaSegmentationImageFilter_h

#include "itkImageToImageFilter.h"
#include "itkSpinalCordGrid.h"

#include <array>
#include <cstdint>
#include <vector>

namespace itk {

/** \class CordEdemaSegmentationImageFilter
 * \brief Segments T2-hyperintense cord (edema, including T2-bright foci) inside a spinal cord mask,
 * relative to the normal-appearing cord, excluding the CSF partial volume at the cord border.
 *
 * Inputs: 0 the T2-weighted image; 1 (SetCordMask) the cord mask on the same grid; 2 (SetLesionMask, optional)
 * the enhancing foci on the same grid (non-zero = focus), e.g. the T1 post-contrast foci mapped onto the T2 grid.
 *
 * Method (sizes in mm):
 *  1. Intensities are normalised by the local CSF signal (bias-field invariant): per cranio-caudal plane,
 *     the 75th percentile of the T2 signal in a ShellWidth-thick shell around the cord, smoothed by a
 *     running median over ReferenceLength. q = T2 / CSF.
 *  2. The cord is eroded by BorderDepth (voxels that mix cord and CSF are excluded). Normal-appearing cord:
 *     the lowest mode of the per-plane medians of q in the eroded cord, i.e. the median of the plane medians
 *     within 15% of their NormalQuantile (edema may cover most of the field of view, so the lower part of
 *     the distribution is the normal cord). Increase i = q / q0 - 1. Planes whose eroded cross-section is
 *     smaller than MinimumSectionFraction of the median (conus, cord ends) hold no edema.
 *  3. Hysteresis in the eroded cord: seeds i >= SeedIncrease, grown through i >= GrowIncrease; each
 *     component is re-thresholded at RelativeBoundary x its median increase (half-way between normal cord
 *     and edema: voxels at least half covered), and kept if its cranio-caudal extent is at least
 *     MinimumLength and its volume at least MinimumVolume (mm^3).
 *     Planes where the edema covers less than MinimumPlaneFraction of the eroded cross-section are
 *     dropped, so are the planes at either end of a run whose edema reaches none of their deep cord (one
 *     voxel deeper than the eroded cord along every cross-section axis: on thick slices the lateral slice of
 *     the cord mixes with CSF, the more under a scanner's in-plane blur), and runs of planes shorter than
 *     MinimumLength or that fill less than FilledPlaneFraction of the eroded cross-section over at least
 *     half of MinimumLength (partial volume with CSF at a thin or tapering cord, T2-bright foci without
 *     edema; a voxel counts as filled when the edema holds it in its plane or the next one either way, since
 *     noise leaves holes that do not line up). Beyond each end of a kept run, its tail is kept: plane after
 *     plane, the voxels 26-connected to the edema kept in the previous plane that are deep edema voxels or
 *     central voxels (one voxel deeper than the eroded cord along the fine in-plane axis) that stand out
 *     from their own plane (a fusiform edema tapers to a thin central core): the increase averaged along the
 *     cord over +-1.5 mm at least max(GrowIncrease, 3 sigma, RelativeBoundary x the median increase of the
 *     kept edema) above the lower quartile of the plane's deep voxels (where it has at least three, else its
 *     eroded voxels); sigma: the noise of that average, from differences between averages one window apart
 *     along the cord (a zero-filled acquisition correlates neighbouring planes' noise).
 *  4. With a lesion mask: a connected edema region is dropped when its voxels away from every focus (farther
 *     than 1.5 mm and than the next voxel along each axis) span less than MinimumLength along the cord or
 *     are fewer than its voxels near the foci (a T2-bright focus is not edema by itself; edema around a
 *     focus keeps the focus, as the phantoms' truth does).
 *  5. The result is dilated back by BorderDepth within the cord (the border layer excluded in 2).
 *
 * Output: a binary mask (1 = edema). Deterministic.
 *
 * \ingroup CordResponse
 */
template <typename TInputImage, typename TLabelImage>
class ITK_TEMPLATE_EXPORT CordEdemaSegmentationImageFilter : public ImageToImageFilter<TInputImage, TLabelImage>
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(CordEdemaSegmentationImageFilter);

  using Self = CordEdemaSegmentationImageFilter;
  using Superclass = ImageToImageFilter<TInputImage, TLabelImage>;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;

  itkNewMacro(Self);
  itkTypeMacro(CordEdemaSegmentationImageFilter, ImageToImageFilter);

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

  /** Optional: the enhancing foci on the T2 grid; regions that are only T2-bright foci are not edema. */
  void
  SetLesionMask(const TLabelImage * mask)
  {
    this->SetNthInput(2, const_cast<TLabelImage *>(mask));
  }
  const TLabelImage *
  GetLesionMask() const
  {
    return itkDynamicCastInDebugMode<const TLabelImage *>(this->ProcessObject::GetInput(2));
  }

  /** Seed threshold on the T2 increase over normal cord. Default 0.22. */
  itkSetMacro(SeedIncrease, double);
  itkGetConstMacro(SeedIncrease, double);
  /** Growing threshold. Default 0.12. */
  itkSetMacro(GrowIncrease, double);
  itkGetConstMacro(GrowIncrease, double);
  /** Boundary at this fraction of each component's median increase. Default 0.5. */
  itkSetClampMacro(RelativeBoundary, double, 0.05, 0.95);
  itkGetConstMacro(RelativeBoundary, double);
  /** Erosion depth (mm) excluding the CSF partial volume at the cord border. Default 0.7. */
  itkSetMacro(BorderDepth, double);
  itkGetConstMacro(BorderDepth, double);
  /** Thickness (mm) of the CSF shell around the cord. Default 1.8. */
  itkSetMacro(ShellWidth, double);
  itkGetConstMacro(ShellWidth, double);
  /** Window (mm) of the running median of the CSF reference. Default 20. */
  itkSetMacro(ReferenceLength, double);
  itkGetConstMacro(ReferenceLength, double);
  /** Quantile of the per-plane cord medians taken as normal-appearing cord. Default 0.15. */
  itkSetClampMacro(NormalQuantile, double, 0.0, 1.0);
  itkGetConstMacro(NormalQuantile, double);
  /** Minimum cranio-caudal extent of an edema component (mm). Default 6. */
  itkSetMacro(MinimumLength, double);
  itkGetConstMacro(MinimumLength, double);
  /** Minimum volume of an edema component (mm^3). Default 20. */
  itkSetMacro(MinimumVolume, double);
  itkGetConstMacro(MinimumVolume, double);

  /** Planes whose eroded cross-section has fewer voxels than this fraction of the median plane (conus,
   *  cord ends: partial volume with CSF) hold no edema. Default 0.35. */
  itkSetMacro(MinimumSectionFraction, double);
  itkGetConstMacro(MinimumSectionFraction, double);
  /** Planes where the edema covers less than this fraction of the eroded cross-section are dropped
   *  (scattered partial-volume voxels; edema is fusiform and fills the cross-section). Default 0.2. */
  itkSetMacro(MinimumPlaneFraction, double);
  itkGetConstMacro(MinimumPlaneFraction, double);
  /** A run of edema planes is kept only if, over at least half of MinimumLength, it covers at least this
   *  fraction of the eroded cross-section: edema fills the cross-section in its middle, whereas partial
   *  volume with CSF (thin or tapering cord, conus) and T2-bright foci brighten only part of it. Default 0.8. */
  itkSetClampMacro(FilledPlaneFraction, double, 0.0, 1.0);
  itkGetConstMacro(FilledPlaneFraction, double);
  /** After Update(): the normal-cord T2/CSF ratio. */
  itkGetConstMacro(NormalRatio, double);

protected:
  CordEdemaSegmentationImageFilter();
  ~CordEdemaSegmentationImageFilter() override = default;
  void
  PrintSelf(std::ostream & os, Indent indent) const override;
  void
  GenerateInputRequestedRegion() override;
  void
  EnlargeOutputRequestedRegion(DataObject * output) override;
  void
  GenerateData() override;

private:
  /** The cord and its layers on the grid: eroded by BorderDepth (`border` voxels per axis), and deep (at least
   *  one voxel along every cross-section axis). */
  struct CordLayers
  {
    const std::vector<std::uint8_t> & cord;
    const std::vector<std::uint8_t> & eroded;
    const std::vector<std::uint8_t> & deep;
    std::array<long, 3>               border;
  };
  /** Step 3's tails: outside the kept planes, `edema` becomes the tails of the kept runs. */
  void
  KeepFusiformTails(const SpinalCordGrid &            grid,
                    const CordLayers &                layers,
                    const std::vector<float> &        increase,
                    const std::vector<std::uint8_t> & keepPlane,
                    std::vector<std::uint8_t> &       edema) const;
  /** Step 4: removes the edema regions that are mostly T2-bright foci. */
  void
  DropFociOnlyRegions(const SpinalCordGrid &      grid,
                      const TLabelImage *         lesionImage,
                      std::vector<std::uint8_t> & edema) const;

  double m_SeedIncrease{ 0.22 };
  double m_GrowIncrease{ 0.12 };
  double m_RelativeBoundary{ 0.5 };
  double m_BorderDepth{ 0.7 };
  double m_ShellWidth{ 1.8 };
  double m_ReferenceLength{ 20.0 };
  double m_NormalQuantile{ 0.15 };
  double m_MinimumLength{ 6.0 };
  double m_MinimumVolume{ 20.0 };
  double m_MinimumSectionFraction{ 0.35 };
  double m_MinimumPlaneFraction{ 0.2 };
  double m_FilledPlaneFraction{ 0.8 };
  double m_NormalRatio{ 0.0 };
};
} // namespace itk

#ifndef ITK_MANUAL_INSTANTIATION
#include "itkCordEdemaSegmentationImageFilter.hxx"
#endif

#endif
