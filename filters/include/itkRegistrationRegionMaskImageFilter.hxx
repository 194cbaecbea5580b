#ifndef itkRegistrationRegionMaskImageFilter_hxx
#define itkRegistrationRegionMaskImageFilter_hxx

#include "itkRegistrationRegionMaskImageFilter.h"

#include "itkBinShrinkImageFilter.h"
#include "itkImageRegionConstIterator.h"
#include "itkImageRegionIterator.h"
#include "itkSignedMaurerDistanceMapImageFilter.h"

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

namespace itk {

template <typename TInputImage, typename TLabelImage, typename TOutputImage>
RegistrationRegionMaskImageFilter<TInputImage, TLabelImage, TOutputImage>::RegistrationRegionMaskImageFilter()
{
  this->SetNumberOfRequiredInputs(1);
  this->AddOptionalInputName("RegionLabel");
  this->AddOptionalInputName("ExclusionLabel");
}

template <typename TInputImage, typename TLabelImage, typename TOutputImage>
void
RegistrationRegionMaskImageFilter<TInputImage, TLabelImage, TOutputImage>::SetRegionLabel(const LabelImageType * label)
{
  this->ProcessObject::SetInput("RegionLabel", const_cast<LabelImageType *>(label));
}

template <typename TInputImage, typename TLabelImage, typename TOutputImage>
auto
RegistrationRegionMaskImageFilter<TInputImage, TLabelImage, TOutputImage>::GetRegionLabel() const
  -> const LabelImageType *
{
  return itkDynamicCastInDebugMode<const LabelImageType *>(this->ProcessObject::GetInput("RegionLabel"));
}

template <typename TInputImage, typename TLabelImage, typename TOutputImage>
void
RegistrationRegionMaskImageFilter<TInputImage, TLabelImage, TOutputImage>::SetExclusionLabel(
  const LabelImageType * label)
{
  this->ProcessObject::SetInput("ExclusionLabel", const_cast<LabelImageType *>(label));
}

template <typename TInputImage, typename TLabelImage, typename TOutputImage>
auto
RegistrationRegionMaskImageFilter<TInputImage, TLabelImage, TOutputImage>::GetExclusionLabel() const
  -> const LabelImageType *
{
  return itkDynamicCastInDebugMode<const LabelImageType *>(this->ProcessObject::GetInput("ExclusionLabel"));
}

template <typename TInputImage, typename TLabelImage, typename TOutputImage>
auto
RegistrationRegionMaskImageFilter<TInputImage, TLabelImage, TOutputImage>::WorkingShrinkFactors() const ->
  typename RealImageType::SizeType
{
  const InputImageType *           input = this->GetInput();
  const auto                       size = input->GetLargestPossibleRegion().GetSize();
  const auto                       spacing = input->GetSpacing();
  typename RealImageType::SizeType factors;
  for (unsigned int d = 0; d < ImageDimension; ++d)
  {
    auto f = static_cast<SizeValueType>(std::floor(m_WorkingSpacing / spacing[d] + 0.25));
    f = std::max<SizeValueType>(1, std::min<SizeValueType>(f, std::max<SizeValueType>(1, size[d] / 8)));
    factors[d] = f;
  }
  return factors;
}

template <typename TInputImage, typename TLabelImage, typename TOutputImage>
void
RegistrationRegionMaskImageFilter<TInputImage, TLabelImage, TOutputImage>::GenerateOutputInformation()
{
  // The output grid is the working grid: the bin-shrunk input grid.
  const InputImageType * input = this->GetInput();
  if (!input)
  {
    return;
  }
  auto shell = RealImageType::New();
  shell->CopyInformation(input);
  shell->SetRegions(input->GetLargestPossibleRegion());
  using ShrinkType = BinShrinkImageFilter<RealImageType, RealImageType>;
  auto                                   shrink = ShrinkType::New();
  const auto                             factors = this->WorkingShrinkFactors();
  typename ShrinkType::ShrinkFactorsType shrinkFactors;
  for (unsigned int d = 0; d < ImageDimension; ++d)
  {
    shrinkFactors[d] = static_cast<unsigned int>(factors[d]);
  }
  shrink->SetShrinkFactors(shrinkFactors);
  shrink->SetInput(shell);
  shrink->UpdateOutputInformation();
  OutputImageType * output = this->GetOutput();
  output->CopyInformation(shrink->GetOutput());
  output->SetLargestPossibleRegion(shrink->GetOutput()->GetLargestPossibleRegion());
}

template <typename TInputImage, typename TLabelImage, typename TOutputImage>
void
RegistrationRegionMaskImageFilter<TInputImage, TLabelImage, TOutputImage>::GenerateInputRequestedRegion()
{
  for (const auto & name : { std::string("Primary"), std::string("RegionLabel"), std::string("ExclusionLabel") })
  {
    if (auto * input = dynamic_cast<ImageBase<ImageDimension> *>(this->ProcessObject::GetInput(name)))
    {
      input->SetRequestedRegionToLargestPossibleRegion();
    }
  }
}

template <typename TInputImage, typename TLabelImage, typename TOutputImage>
void
RegistrationRegionMaskImageFilter<TInputImage, TLabelImage, TOutputImage>::EnlargeOutputRequestedRegion(
  DataObject * output)
{
  Superclass::EnlargeOutputRequestedRegion(output);
  output->SetRequestedRegionToLargestPossibleRegion();
}

template <typename TInputImage, typename TLabelImage, typename TOutputImage>
template <typename TImage>
auto
RegistrationRegionMaskImageFilter<TInputImage, TLabelImage, TOutputImage>::ToReal(const TImage * image,
                                                                                  bool           binarize) const ->
  typename RealImageType::Pointer
{
  if constexpr (std::is_same_v<TImage, RealImageType>)
  {
    if (!binarize)
    {
      return const_cast<RealImageType *>(image); // already real: no copy
    }
  }
  auto real = RealImageType::New();
  real->CopyInformation(image);
  real->SetRegions(image->GetLargestPossibleRegion());
  real->Allocate();
  ImageRegionConstIterator<TImage>   in(image, image->GetLargestPossibleRegion());
  ImageRegionIterator<RealImageType> out(real, real->GetLargestPossibleRegion());
  for (; !in.IsAtEnd(); ++in, ++out)
  {
    const auto v = in.Get();
    out.Set(binarize ? (v != 0 ? 1.0f : 0.0f) : static_cast<float>(v));
  }
  return real;
}

template <typename TInputImage, typename TLabelImage, typename TOutputImage>
auto
RegistrationRegionMaskImageFilter<TInputImage, TLabelImage, TOutputImage>::ShrinkToWorkingGrid(
  const RealImageType * image) const -> typename RealImageType::Pointer
{
  using ShrinkType = BinShrinkImageFilter<RealImageType, RealImageType>;
  auto                                   shrink = ShrinkType::New();
  const auto                             factors = this->WorkingShrinkFactors();
  typename ShrinkType::ShrinkFactorsType shrinkFactors;
  for (unsigned int d = 0; d < ImageDimension; ++d)
  {
    shrinkFactors[d] = static_cast<unsigned int>(factors[d]);
  }
  shrink->SetShrinkFactors(shrinkFactors);
  shrink->SetInput(image);
  shrink->SetNumberOfWorkUnits(this->GetNumberOfWorkUnits());
  shrink->Update();
  return shrink->GetOutput();
}

template <typename TInputImage, typename TLabelImage, typename TOutputImage>
void
RegistrationRegionMaskImageFilter<TInputImage, TLabelImage, TOutputImage>::GenerateData()
{
  const InputImageType * input = this->GetInput();
  const LabelImageType * regionLabel = this->GetRegionLabel();
  const LabelImageType * exclusionLabel = this->GetExclusionLabel();
  for (const LabelImageType * label : { regionLabel, exclusionLabel })
  {
    if (label && label->GetLargestPossibleRegion().GetSize() != input->GetLargestPossibleRegion().GetSize())
    {
      itkExceptionMacro("label image size " << label->GetLargestPossibleRegion().GetSize()
                                            << " differs from the image size "
                                            << input->GetLargestPossibleRegion().GetSize());
    }
  }
  this->UpdateProgress(0.0f);

  // 1. The region on the working grid.
  using BinaryImageType = Image<unsigned char, ImageDimension>;
  auto binary = BinaryImageType::New();
  if (regionLabel)
  {
    auto shrunk = this->ShrinkToWorkingGrid(this->ToReal(regionLabel, true));
    binary->CopyInformation(shrunk);
    binary->SetRegions(shrunk->GetLargestPossibleRegion());
    binary->Allocate();
    ImageRegionConstIterator<RealImageType> in(shrunk, shrunk->GetLargestPossibleRegion());
    ImageRegionIterator<BinaryImageType>    out(binary, binary->GetLargestPossibleRegion());
    for (; !in.IsAtEnd(); ++in, ++out)
    {
      out.Set(in.Get() >= 0.25f ? 1 : 0);
    }
  }
  else
  {
    auto               shrunk = this->ShrinkToWorkingGrid(this->ToReal(input, false));
    std::vector<float> values;
    values.reserve(shrunk->GetLargestPossibleRegion().GetNumberOfPixels());
    for (ImageRegionConstIterator<RealImageType> it(shrunk, shrunk->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it)
    {
      values.push_back(it.Get());
    }
    const auto rank = static_cast<std::ptrdiff_t>(0.995 * static_cast<double>(values.size() - 1));
    std::nth_element(values.begin(), values.begin() + rank, values.end());
    const float low = *std::min_element(values.begin(), values.end());
    const float high = values[rank];
    const float threshold = low + static_cast<float>(m_ForegroundFraction) * (high - low);
    binary->CopyInformation(shrunk);
    binary->SetRegions(shrunk->GetLargestPossibleRegion());
    binary->Allocate();
    ImageRegionConstIterator<RealImageType> in(shrunk, shrunk->GetLargestPossibleRegion());
    ImageRegionIterator<BinaryImageType>    out(binary, binary->GetLargestPossibleRegion());
    for (; !in.IsAtEnd(); ++in, ++out)
    {
      out.Set(in.Get() > threshold ? 1 : 0);
    }
  }
  this->UpdateProgress(0.4f);

  // 2. Dilation by an exact Euclidean distance (mm).
  using DistanceType = SignedMaurerDistanceMapImageFilter<BinaryImageType, RealImageType>;
  auto distance = DistanceType::New();
  distance->SetInput(binary);
  distance->SetUseImageSpacing(true);
  distance->SetSquaredDistance(false);
  distance->SetInsideIsPositive(false);
  distance->SetBackgroundValue(0);
  distance->SetNumberOfWorkUnits(this->GetNumberOfWorkUnits());
  distance->Update();
  this->UpdateProgress(0.8f);

  typename RealImageType::Pointer excluded;
  if (exclusionLabel)
  {
    excluded = this->ShrinkToWorkingGrid(this->ToReal(exclusionLabel, true));
  }

  // 3. Output: dilated region minus exclusion.
  OutputImageType * output = this->GetOutput();
  output->SetBufferedRegion(output->GetRequestedRegion());
  output->Allocate();
  const auto                              radius = static_cast<float>(m_DilationRadius);
  ImageRegionConstIterator<RealImageType> dist(distance->GetOutput(), output->GetRequestedRegion());
  ImageRegionIterator<OutputImageType>    out(output, output->GetRequestedRegion());
  m_NumberOfMaskVoxels = 0;
  // An empty region gives a distance map of +max everywhere: no voxel is set.
  bool anyInside = false;
  for (ImageRegionConstIterator<BinaryImageType> b(binary, binary->GetLargestPossibleRegion()); !b.IsAtEnd(); ++b)
  {
    if (b.Get())
    {
      anyInside = true;
      break;
    }
  }
  for (; !out.IsAtEnd(); ++dist, ++out)
  {
    bool inside = anyInside && dist.Get() <= radius;
    if (inside && excluded && excluded->GetPixel(out.GetIndex()) > 0.0f)
    {
      inside = false;
    }
    out.Set(inside ? 1 : 0);
    m_NumberOfMaskVoxels += inside ? 1 : 0;
  }
  this->UpdateProgress(1.0f);
}

template <typename TInputImage, typename TLabelImage, typename TOutputImage>
void
RegistrationRegionMaskImageFilter<TInputImage, TLabelImage, TOutputImage>::PrintSelf(std::ostream & os,
                                                                                     Indent         indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "WorkingSpacing: " << m_WorkingSpacing << std::endl;
  os << indent << "DilationRadius: " << m_DilationRadius << std::endl;
  os << indent << "ForegroundFraction: " << m_ForegroundFraction << std::endl;
  os << indent << "NumberOfMaskVoxels: " << m_NumberOfMaskVoxels << std::endl;
}
} // namespace itk

#endif
