#ifndef itkRegistrationRegionMaskImageFilter_h
#define itkRegistrationRegionMaskImageFilter_h

#include "itkImage.h"
#include "itkImageToImageFilter.h"

namespace itk {
/** \class RegistrationRegionMaskImageFilter
 * \brief The region a registration metric should be computed on: a spine region or the body,
 * dilated, minus excluded structures, on a coarse working grid.
 *
 * The output is a binary mask (1 inside) on a coarse "working grid": the input grid bin-shrunk by
 * integer factors so that each axis's spacing approaches WorkingSpacing (mm). Axes whose spacing is
 * already at least WorkingSpacing (e.g. 3 mm slices) are not shrunk. The mask covers the same physical
 * extent as the input; use it through ImageMaskSpatialObject, whose look-ups are in physical space
 * (LPS, mm), so that its grid does not need to match the images'.
 *
 * The region is, in order:
 *   1. the non-zero voxels of the RegionLabel input when one is given (e.g. a cord or spine mask on
 *      any grid of the same physical space), otherwise the foreground of the intensity image:
 *      voxels of the bin-averaged image above ForegroundFraction x its 99.5th percentile;
 *   2. dilated by DilationRadius (mm, exact Euclidean distance in physical units);
 *   3. minus the non-zero voxels of the ExclusionLabel input when one is given (e.g. lesion and
 *      edema, so that changing tissue does not drive the metric).
 *
 * Inputs: 0 = intensity image (required, defines the grid); "RegionLabel" and "ExclusionLabel"
 * (optional label images, non-zero = inside; they must be on the same grid as the intensity image).
 *
 * \ingroup CordResponse
 */
template <typename TInputImage,
          typename TLabelImage = Image<unsigned short, TInputImage::ImageDimension>,
          typename TOutputImage = Image<unsigned char, TInputImage::ImageDimension>>
class ITK_TEMPLATE_EXPORT RegistrationRegionMaskImageFilter : public ImageToImageFilter<TInputImage, TOutputImage>
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(RegistrationRegionMaskImageFilter);

  using Self = RegistrationRegionMaskImageFilter;
  using Superclass = ImageToImageFilter<TInputImage, TOutputImage>;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;

  itkNewMacro(Self);
  itkTypeMacro(RegistrationRegionMaskImageFilter, ImageToImageFilter);

  static constexpr unsigned int ImageDimension = TInputImage::ImageDimension;
  using InputImageType = TInputImage;
  using LabelImageType = TLabelImage;
  using OutputImageType = TOutputImage;
  using RealImageType = Image<float, ImageDimension>;

  /** Optional label whose non-zero voxels define the region (instead of the image foreground). */
  void
  SetRegionLabel(const LabelImageType * label);
  const LabelImageType *
  GetRegionLabel() const;

  /** Optional label whose non-zero voxels are removed from the region (after dilation). */
  void
  SetExclusionLabel(const LabelImageType * label);
  const LabelImageType *
  GetExclusionLabel() const;

  /** Target spacing of the working grid, mm (default 2). */
  itkSetMacro(WorkingSpacing, double);
  itkGetConstMacro(WorkingSpacing, double);

  /** Dilation of the region, mm (default 10). */
  itkSetMacro(DilationRadius, double);
  itkGetConstMacro(DilationRadius, double);

  /** Foreground threshold as a fraction of the 99.5th intensity percentile (default 0.1). */
  itkSetMacro(ForegroundFraction, double);
  itkGetConstMacro(ForegroundFraction, double);

  /** Number of voxels set in the last output. */
  itkGetConstMacro(NumberOfMaskVoxels, SizeValueType);

protected:
  RegistrationRegionMaskImageFilter();
  ~RegistrationRegionMaskImageFilter() override = default;

  void
  GenerateOutputInformation() override;
  void
  GenerateInputRequestedRegion() override;
  void
  EnlargeOutputRequestedRegion(DataObject * output) override;
  void
  GenerateData() override;
  void
  PrintSelf(std::ostream & os, Indent indent) const override;

private:
  typename RealImageType::Pointer
  ShrinkToWorkingGrid(const RealImageType * image) const;
  template <typename TImage>
  typename RealImageType::Pointer
  ToReal(const TImage * image, bool binarize) const;
  typename RealImageType::SizeType
  WorkingShrinkFactors() const;

  double        m_WorkingSpacing{ 2.0 };
  double        m_DilationRadius{ 10.0 };
  double        m_ForegroundFraction{ 0.1 };
  SizeValueType m_NumberOfMaskVoxels{ 0 };
};
} // namespace itk

#ifndef ITK_MANUAL_INSTANTIATION
#include "itkRegistrationRegionMaskImageFilter.hxx"
#endif

#endif
