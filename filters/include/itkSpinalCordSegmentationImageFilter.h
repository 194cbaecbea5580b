#ifndef itkSpinalCordSegmentationImageFilter_h
#define itkSpinalCordSegmentationImageFilter_h

#include "itkImageToImageFilter.h"
#include "itkSpinalCordGrid.h"

#include <ostream>
#include <vector>

namespace itk {

/** Contrast of the spinal cord against the cerebrospinal fluid around it. */
enum class SpinalCordContrastEnum : std::uint8_t
{
  T2 = 0, ///< dark cord in bright CSF (T2-weighted)
  T1 = 1  ///< cord brighter than CSF (T1-weighted, with or without contrast agent)
};
inline std::ostream &
operator<<(std::ostream & os, SpinalCordContrastEnum c)
{
  return os << (c == SpinalCordContrastEnum::T2 ? "T2" : "T1");
}

/** \class SpinalCordSegmentationImageFilter
 * \brief Automatic segmentation of the spinal cord on a T2- or T1-weighted image (any orientation, e.g.
 * anisotropic sagittal slices, oblique directions), robust to bias field and noise.
 *
 * Method (all sizes in millimetres, ITK physical space):
 *  1. Cranio-caudal axis: the voxel axis most aligned with LPS z (see SpinalCordGrid); each plane of
 *     constant cranio-caudal index is a cord cross-section.
 *  2. Centreline detection on an image averaged to about 1 mm voxels (BinShrinkImageFilter): a tube
 *     detector compares the mean of a box of half-width CordRadius * 0.6 (the cord) with the mean of the
 *     surrounding box of half-width CanalRadius (the CSF-filled canal), both DetectionLength long, in
 *     summed-area tables. Response = e (canal - cord - max(0, surroundings - canal)), the surroundings a
 *     box of half-width SurroundRadius, e the CSF-likeness of the canal (its signal over the image's 99th
 *     percentile on T2, one minus it on T1); only positions whose surround box fits in the image count.
 *     Dynamic programming along the cranio-caudal axis picks the path of maximal response with at most
 *     one (~1 mm) voxel of displacement per plane and a quadratic displacement penalty
 *     (CentrelineStiffness per mm^2); the path is smoothed over +-CentrelineSmoothing mm. The path crosses
 *     every plane, the cord need not: its ends are where the path's response, averaged over DetectionLength,
 *     falls below EndScoreFraction of its maximum (below the conus the path lies on the cauda equina, the
 *     filum or tissue beside the thecal sac, with a fraction of the cord's response); planes beyond hold no
 *     cord. Weak stretches between the ends (an edematous or expanded segment) are kept.
 *  3. Boundary per plane, relative to local references (bias-field invariant): the cord reference is the
 *     median intensity within CoreRadius of the centreline, the CSF reference the 75th percentile (in the
 *     CSF direction) of a ShellWidth-thick shell around a first segmentation; both are smoothed with
 *     running medians over ReferenceLength. A voxel is cord where its intensity lies on the cord side of
 *     cord + BoundaryLevel * (CSF - cord) (0.5 = at least half of the voxel is cord, as partial-volume
 *     truth defines it), 8-connected in the plane to the centreline core, within MaximumCordRadius of the
 *     centreline and, as a per-level regularisation, within LeakFactor times the running median of the
 *     equivalent cord radius; holes are filled. Two limits stop leaks where the CSF layer is thin or
 *     missing (real cervical data): along 72 rays from the centreline, a profile that rises to a CSF peak
 *     without reaching the threshold (by CsfPeakFraction of the contrast) and falls again ends the cord
 *     half-way to that peak (on thick slices also along the fine in-plane axis within each slice, on the
 *     image averaged along the cord over the slice thickness, where the rise counts from the line's darkest
 *     point and a fall of CsfDipFraction suffices: a surface vessel behind a blur-filled CSF sliver, next to
 *     edematous cord); and voxels whose 3x3 mean
 * lies beyond normal cord, away from CSF, by DarkTissueFraction of the contrast (dura, ligaments, bone on T2; fat on
 * T1) are excluded. Then the radial extent of the cross-section in 24 angular sectors is smoothed by a running median
 * over RegularisationLength along the cord and a circular median over 5 sectors; voxels beyond it (leaks through gaps
 * in the CSF) are removed. Planes whose relative cord/CSF contrast is below MinimumContrast hold no cord (e.g. below
 * the conus).
 *  4. The 3-D connected component spanning the most cross-sections is kept (ConnectedComponentImageFilter,
 *     RelabelComponentImageFilter): the cord is the longest tube, a bulkier structure segmented beyond the
 *     conus must not win. The centreline is recomputed as the centroid of each cross-section.
 *
 * Output: a binary mask (1 = cord) on the input grid. After Update(), GetCentreline() holds one point per
 * cranio-caudal plane holding cord. Deterministic, single pass; progress is reported per plane.
 *
 * \ingroup CordResponse
 */
template <typename TInputImage, typename TOutputImage>
class ITK_TEMPLATE_EXPORT SpinalCordSegmentationImageFilter : public ImageToImageFilter<TInputImage, TOutputImage>
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(SpinalCordSegmentationImageFilter);

  using Self = SpinalCordSegmentationImageFilter;
  using Superclass = ImageToImageFilter<TInputImage, TOutputImage>;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;
  using InputImageType = TInputImage;
  using OutputImageType = TOutputImage;
  using OutputPixelType = typename TOutputImage::PixelType;
  using PointType = typename TInputImage::PointType;
  using ContrastEnum = SpinalCordContrastEnum;

  static_assert(TInputImage::ImageDimension == 3, "3-D images only");

  itkNewMacro(Self);
  itkTypeMacro(SpinalCordSegmentationImageFilter, ImageToImageFilter);

  /** One point of the centreline. */
  struct CentrelinePoint
  {
    long      plane{ 0 }; ///< index along the cranio-caudal voxel axis
    PointType point;      ///< centroid of the cross-section (LPS mm)
    double    area{ 0 };  ///< cross-section area (mm^2) in the plane
  };

  /** Cord/CSF contrast of the input. Default T2. */
  itkSetMacro(Contrast, ContrastEnum);
  itkGetConstMacro(Contrast, ContrastEnum);
  /** Typical cord semi-axis (mm) for the tube detector (its cord box has a half-width of 0.6 times this).
   * Default 5: the box then covers the cervical cord (semi-axes ~4 x 6.5 mm) as well as the thoracic one. */
  itkSetMacro(CordRadius, double);
  itkGetConstMacro(CordRadius, double);
  /** Half-width of the canal (CSF) box of the tube detector (mm). Default 6. */
  itkSetMacro(CanalRadius, double);
  itkGetConstMacro(CanalRadius, double);
  /** Half-width of the box around the canal (bone, fat, ligaments) of the tube detector (mm). Default 10. */
  itkSetMacro(SurroundRadius, double);
  itkGetConstMacro(SurroundRadius, double);
  /** Length of the detector boxes along the cord (mm). Default 10. */
  itkSetMacro(DetectionLength, double);
  itkGetConstMacro(DetectionLength, double);
  /** Quadratic penalty of the centreline displacement between planes (per mm^2, in units of the
   *  normalised detector response). Default 0.05. */
  itkSetMacro(CentrelineStiffness, double);
  itkGetConstMacro(CentrelineStiffness, double);
  /** Half-window (mm) of the running mean smoothing the detected centreline. Default 3. */
  itkSetMacro(CentrelineSmoothing, double);
  itkGetConstMacro(CentrelineSmoothing, double);
  /** Radius (mm) around the centreline where the cord reference intensity is measured. Default 1.5. */
  itkSetMacro(CoreRadius, double);
  itkGetConstMacro(CoreRadius, double);
  /** Thickness (mm) of the shell around the cord where the CSF reference is measured. Default 1.8. */
  itkSetMacro(ShellWidth, double);
  itkGetConstMacro(ShellWidth, double);
  /** Window (mm) of the running medians of the references along the cord. Default 20. */
  itkSetMacro(ReferenceLength, double);
  itkGetConstMacro(ReferenceLength, double);
  /** Threshold position between the cord (0) and CSF (1) references. Default 0.5. */
  itkSetClampMacro(BoundaryLevel, double, 0.05, 0.95);
  itkGetConstMacro(BoundaryLevel, double);
  /** No cord voxel farther than this from the centreline (mm). Default 9. */
  itkSetMacro(MaximumCordRadius, double);
  itkGetConstMacro(MaximumCordRadius, double);
  /** A cross-section may extend up to LeakFactor times the running median equivalent radius. Default 1.5. */
  itkSetMacro(LeakFactor, double);
  itkGetConstMacro(LeakFactor, double);
  /** Window (mm) of the running median of the radial extent of the cross-section, per angular sector,
   *  along the cord (the per-level boundary regularisation). Default 6. */
  itkSetMacro(RegularisationLength, double);
  itkGetConstMacro(RegularisationLength, double);
  /** Minimum relative contrast |CSF - cord| / max(|CSF|, |cord|) for a plane to hold cord. Default 0.15. */
  itkSetMacro(MinimumContrast, double);
  itkGetConstMacro(MinimumContrast, double);
  /** Thin CSF layers: walking out from the centreline, a profile that rises by at least this fraction of the
   * cord/CSF contrast without reaching the threshold, then falls by as much again (a partial-volumed CSF
   * layer with dark tissue behind it) ends the cord half-way between the cord and that peak. Default 0.35. */
  itkSetMacro(CsfPeakFraction, double);
  itkGetConstMacro(CsfPeakFraction, double);
  /** Thick slices (slice spacing >= 1.5 x the fine in-plane spacing): the CSF-peak rule also runs within each
   * slice on the line of voxels along the fine in-plane axis, where a fall of this fraction of the contrast
   * after the peak ends the cord (a surface vessel or root of intermediate T2 signal behind a CSF sliver that
   * an acquisition's blur half fills; rays between two slices interpolate it with the next slice's CSF and
   * miss it). Default 0.1. */
  itkSetMacro(CsfDipFraction, double);
  itkGetConstMacro(CsfDipFraction, double);
  /** Tissue on the far side of the cord from CSF (dura, ligaments, bone where the CSF layer is missing;
   * fat on T1): a voxel whose 3x3 in-plane mean lies beyond normal cord by more than this fraction of the
   * cord/CSF contrast is not cord. Normal cord is the lower of the plane's cord reference and the lower
   * quartile of the references of the planes between the cord's ends (robust to long edematous stretches).
   * Default 0.1. */
  itkSetMacro(DarkTissueFraction, double);
  itkGetConstMacro(DarkTissueFraction, double);
  /** The cord's ends: where the centreline's tube score, averaged over the detector length, falls below this
   * fraction of its maximum at the caudal and cranial ends of the path (below the conus the path lies on
   * cauda equina roots, the filum or tissue beside the thecal sac); planes beyond are not segmented. Weak
   * stretches between the ends (an edematous segment) are kept. In [0, 1]; 0 keeps the whole path. Default 0.3. */
  itkSetClampMacro(EndScoreFraction, double, 0.0, 1.0);
  itkGetConstMacro(EndScoreFraction, double);

  /** The centreline after Update(), ordered by plane index. */
  const std::vector<CentrelinePoint> &
  GetCentreline() const
  {
    return m_Centreline;
  }

protected:
  SpinalCordSegmentationImageFilter();
  ~SpinalCordSegmentationImageFilter() override = default;
  void
  PrintSelf(std::ostream & os, Indent indent) const override;
  void
  GenerateInputRequestedRegion() override;
  void
  EnlargeOutputRequestedRegion(DataObject * output) override;
  void
  GenerateData() override;

private:
  ContrastEnum                 m_Contrast{ ContrastEnum::T2 };
  double                       m_CordRadius{ 5.0 };
  double                       m_CanalRadius{ 6.0 };
  double                       m_SurroundRadius{ 10.0 };
  double                       m_DetectionLength{ 10.0 };
  double                       m_CentrelineStiffness{ 0.05 };
  double                       m_CentrelineSmoothing{ 3.0 };
  double                       m_CoreRadius{ 1.5 };
  double                       m_ShellWidth{ 1.8 };
  double                       m_ReferenceLength{ 20.0 };
  double                       m_BoundaryLevel{ 0.5 };
  double                       m_MaximumCordRadius{ 9.0 };
  double                       m_LeakFactor{ 1.5 };
  double                       m_RegularisationLength{ 6.0 };
  double                       m_MinimumContrast{ 0.15 };
  double                       m_CsfPeakFraction{ 0.35 };
  double                       m_CsfDipFraction{ 0.1 };
  double                       m_DarkTissueFraction{ 0.1 };
  double                       m_EndScoreFraction{ 0.3 };
  std::vector<CentrelinePoint> m_Centreline;
};
} // namespace itk

#ifndef ITK_MANUAL_INSTANTIATION
#include "itkSpinalCordSegmentationImageFilter.hxx"
#endif

#endif
