#ifndef itkFastN4BiasFieldCorrectionImageFilter_hxx
#define itkFastN4BiasFieldCorrectionImageFilter_hxx

#include "itkFastN4BiasFieldCorrectionImageFilter.h"

#include "itkBSplineControlPointImageFilter.h"
#include "itkImageRegionConstIterator.h"
#include "itkImageRegionIterator.h"
#include "itkIterationReporter.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace itk {

template <typename TInputImage, typename TMaskImage, typename TOutputImage>
FastN4BiasFieldCorrectionImageFilter<TInputImage, TMaskImage, TOutputImage>::FastN4BiasFieldCorrectionImageFilter()
{
  this->SetNumberOfRequiredInputs(1);
  this->AddOptionalInputName("MaskImage", 1);
  this->SetNumberOfRequiredOutputs(2);
  this->SetNthOutput(0, this->MakeOutput(0));
  this->SetNthOutput(1, this->MakeOutput(1));
  m_MaximumNumberOfIterations.SetSize(1);
  m_MaximumNumberOfIterations.Fill(5);
  m_NumberOfControlPoints.Fill(4);
  m_ShrinkFactors.Fill(1.0);
  m_WorkingSize.Fill(0);
}

template <typename TInputImage, typename TMaskImage, typename TOutputImage>
DataObject::Pointer
FastN4BiasFieldCorrectionImageFilter<TInputImage, TMaskImage, TOutputImage>::MakeOutput(
  DataObjectPointerArraySizeType idx)
{
  if (idx == 1)
  {
    return BiasFieldImageType::New().GetPointer();
  }
  return Superclass::MakeOutput(idx);
}

template <typename TInputImage, typename TMaskImage, typename TOutputImage>
auto
FastN4BiasFieldCorrectionImageFilter<TInputImage, TMaskImage, TOutputImage>::GetBiasFieldOutput()
  -> BiasFieldImageType *
{
  return itkDynamicCastInDebugMode<BiasFieldImageType *>(this->ProcessObject::GetOutput(1));
}

template <typename TInputImage, typename TMaskImage, typename TOutputImage>
auto
FastN4BiasFieldCorrectionImageFilter<TInputImage, TMaskImage, TOutputImage>::GetBiasFieldOutput() const
  -> const BiasFieldImageType *
{
  return itkDynamicCastInDebugMode<const BiasFieldImageType *>(this->ProcessObject::GetOutput(1));
}

template <typename TInputImage, typename TMaskImage, typename TOutputImage>
void
FastN4BiasFieldCorrectionImageFilter<TInputImage, TMaskImage, TOutputImage>::GenerateInputRequestedRegion()
{
  Superclass::GenerateInputRequestedRegion();
  for (auto & input : this->GetInputs())
  {
    if (auto * image = dynamic_cast<ImageBase<ImageDimension> *>(input.GetPointer()))
    {
      image->SetRequestedRegionToLargestPossibleRegion();
    }
  }
}

template <typename TInputImage, typename TMaskImage, typename TOutputImage>
void
FastN4BiasFieldCorrectionImageFilter<TInputImage, TMaskImage, TOutputImage>::EnlargeOutputRequestedRegion(
  DataObject * output)
{
  Superclass::EnlargeOutputRequestedRegion(output);
  output->SetRequestedRegionToLargestPossibleRegion();
}

template <typename TInputImage, typename TMaskImage, typename TOutputImage>
void
FastN4BiasFieldCorrectionImageFilter<TInputImage, TMaskImage, TOutputImage>::GenerateOutputInformation()
{
  Superclass::GenerateOutputInformation(); // output 0 copies the input's geometry
  const InputImageType * input = this->GetInput();
  BiasFieldImageType *   bias = this->GetBiasFieldOutput();
  bias->CopyInformation(input);
  bias->SetLargestPossibleRegion(input->GetLargestPossibleRegion());
}

template <typename TInputImage, typename TMaskImage, typename TOutputImage>
void
FastN4BiasFieldCorrectionImageFilter<TInputImage, TMaskImage, TOutputImage>::VerifyPreconditions() ITKv5_CONST
{
  Superclass::VerifyPreconditions();
  const InputImageType * input = this->GetInput();
  const auto             size = input->GetLargestPossibleRegion().GetSize();
  for (unsigned int d = 0; d < ImageDimension; ++d)
  {
    if (size[d] < m_SplineOrder + 1)
    {
      itkExceptionMacro("the image has " << size[d] << " voxel(s) along axis " << d
                                         << "; bias-field fitting needs at least " << m_SplineOrder + 1
                                         << " on every axis (a volume, not a single slice)");
    }
    if (m_NumberOfControlPoints[d] < m_SplineOrder + 1)
    {
      itkExceptionMacro("NumberOfControlPoints must be at least SplineOrder + 1 = " << m_SplineOrder + 1
                                                                                    << " on every axis");
    }
  }
  if (m_MaximumNumberOfIterations.Size() != 1 && m_MaximumNumberOfIterations.Size() != m_NumberOfFittingLevels)
  {
    itkExceptionMacro("MaximumNumberOfIterations has " << m_MaximumNumberOfIterations.Size()
                                                       << " values; give one, or one per fitting level ("
                                                       << m_NumberOfFittingLevels << ")");
  }
  if (const MaskImageType * mask = this->GetMaskImage())
  {
    const auto & a = mask->GetLargestPossibleRegion();
    const auto & b = input->GetLargestPossibleRegion();
    if (a != b || !mask->GetOrigin().GetVnlVector().is_equal(input->GetOrigin().GetVnlVector(), 1e-4) ||
        !mask->GetSpacing().GetVnlVector().is_equal(input->GetSpacing().GetVnlVector(), 1e-6))
    {
      itkExceptionMacro("the mask must be on the image grid (same size, origin and spacing)");
    }
  }
}

template <typename TInputImage, typename TMaskImage, typename TOutputImage>
std::vector<float>
FastN4BiasFieldCorrectionImageFilter<TInputImage, TMaskImage, TOutputImage>::ToWorkingGrid(
  std::vector<float>               values,
  typename RealImageType::SizeType size,
  const WorkingSizeType &          working) const
{
  for (unsigned int d = 0; d < ImageDimension; ++d)
  {
    const SizeValueType n = size[d];
    const SizeValueType m = working[d];
    if (m == n)
    {
      continue;
    }
    // Sample i sits at input continuous index p = i r and averages the voxels overlapping [p - r/2, p + r/2]
    // (each voxel j covers [j - 1/2, j + 1/2]), weighted by the overlap.
    const double r = static_cast<double>(n - 1) / static_cast<double>(m - 1);
    std::vector<std::vector<std::pair<SizeValueType, float>>> taps(m);
    for (SizeValueType i = 0; i < m; ++i)
    {
      const double lo = std::max(-0.5, i * r - 0.5 * r);
      const double hi = std::min(n - 0.5, i * r + 0.5 * r);
      double       total = 0.0;
      const auto   first = static_cast<SizeValueType>(std::max(0.0, std::floor(lo + 0.5)));
      const auto   last = std::min<SizeValueType>(n - 1, static_cast<SizeValueType>(std::floor(hi + 0.5)));
      for (SizeValueType j = first; j <= last; ++j)
      {
        const double w = std::min(hi, j + 0.5) - std::max(lo, j - 0.5);
        if (w > 1e-9)
        {
          taps[i].emplace_back(j, static_cast<float>(w));
          total += w;
        }
      }
      for (auto & t : taps[i])
      {
        t.second = static_cast<float>(t.second / total);
      }
    }
    SizeValueType inner = 1, outer = 1;
    for (unsigned int a = 0; a < d; ++a)
    {
      inner *= size[a];
    }
    for (unsigned int a = d + 1; a < ImageDimension; ++a)
    {
      outer *= size[a];
    }
    std::vector<float> out(inner * m * outer, 0.0f);
    for (SizeValueType o = 0; o < outer; ++o)
    {
      const float * src = values.data() + o * n * inner;
      float *       dst = out.data() + o * m * inner;
      for (SizeValueType i = 0; i < m; ++i)
      {
        float * row = dst + i * inner;
        for (const auto & t : taps[i])
        {
          const float * in = src + t.first * inner;
          for (SizeValueType k = 0; k < inner; ++k)
          {
            row[k] += t.second * in[k];
          }
        }
      }
    }
    values.swap(out);
    size[d] = m;
  }
  return values;
}

template <typename TInputImage, typename TMaskImage, typename TOutputImage>
std::vector<float>
FastN4BiasFieldCorrectionImageFilter<TInputImage, TMaskImage, TOutputImage>::FromWorkingGrid(
  std::vector<float>               values,
  typename RealImageType::SizeType size,
  const WorkingSizeType &          full) const
{
  for (unsigned int d = 0; d < ImageDimension; ++d)
  {
    const SizeValueType m = size[d];
    const SizeValueType n = full[d];
    if (m == n)
    {
      continue;
    }
    // Output voxel j sits at working continuous index q = j (m - 1) / (n - 1): linear interpolation.
    const double               r = static_cast<double>(m - 1) / static_cast<double>(n - 1);
    std::vector<SizeValueType> lower(n);
    std::vector<float>         fraction(n);
    for (SizeValueType j = 0; j < n; ++j)
    {
      const double q = j * r;
      lower[j] = std::min<SizeValueType>(m - 2, static_cast<SizeValueType>(q));
      fraction[j] = static_cast<float>(q - static_cast<double>(lower[j]));
    }
    SizeValueType inner = 1, outer = 1;
    for (unsigned int a = 0; a < d; ++a)
    {
      inner *= size[a];
    }
    for (unsigned int a = d + 1; a < ImageDimension; ++a)
    {
      outer *= size[a];
    }
    std::vector<float> out(inner * n * outer);
    for (SizeValueType o = 0; o < outer; ++o)
    {
      const float * src = values.data() + o * m * inner;
      float *       dst = out.data() + o * n * inner;
      for (SizeValueType j = 0; j < n; ++j)
      {
        const float * a = src + lower[j] * inner;
        const float * b = a + inner;
        const float   f = fraction[j];
        float *       row = dst + j * inner;
        for (SizeValueType k = 0; k < inner; ++k)
        {
          row[k] = a[k] + f * (b[k] - a[k]);
        }
      }
    }
    values.swap(out);
    size[d] = n;
  }
  return values;
}

template <typename TInputImage, typename TMaskImage, typename TOutputImage>
void
FastN4BiasFieldCorrectionImageFilter<TInputImage, TMaskImage, TOutputImage>::GenerateData()
{
  const InputImageType * input = this->GetInput();
  const MaskImageType *  mask = this->GetMaskImage();
  const auto             region = input->GetLargestPossibleRegion();
  const auto             size = region.GetSize();
  const auto             spacing = input->GetSpacing();
  m_NumberOfFittedVoxels = 0;
  m_ElapsedIterations = 0;
  m_ConvergenceMeasurement = 0.0;
  m_LogScale = 0.0;
  m_LogBiasFieldControlPointLattice = nullptr;
  this->UpdateProgress(0.0f);

  // 1. Working grid: same extent, spacing close to WorkingSpacing; thick axes untouched.
  // Slice axes (spacing over twice the finest spacing) are never resampled, whatever the working spacing.
  const double                        finest = *std::min_element(spacing.Begin(), spacing.End());
  typename RealImageType::SpacingType workingSpacing;
  for (unsigned int d = 0; d < ImageDimension; ++d)
  {
    SizeValueType m = size[d];
    if (spacing[d] < m_WorkingSpacing && spacing[d] <= 2.0 * finest)
    {
      const double extent = spacing[d] * static_cast<double>(size[d] - 1);
      m = static_cast<SizeValueType>(std::lround(extent / m_WorkingSpacing)) + 1;
      m = std::min<SizeValueType>(size[d], std::max<SizeValueType>(m_SplineOrder + 1, m));
    }
    m_WorkingSize[d] = m;
    workingSpacing[d] = spacing[d] * static_cast<double>(size[d] - 1) / static_cast<double>(m - 1);
    m_ShrinkFactors[d] = workingSpacing[d] / spacing[d];
  }
  const SizeValueType n = region.GetNumberOfPixels();
  std::vector<float>  values(n);
  {
    ImageRegionConstIterator<InputImageType> it(input, region);
    for (SizeValueType k = 0; !it.IsAtEnd(); ++it, ++k)
    {
      values[k] = static_cast<float>(it.Get());
    }
  }
  const std::vector<float> working = ToWorkingGrid(values, size, m_WorkingSize);
  std::vector<float>       inside;
  if (mask)
  {
    ImageRegionConstIterator<MaskImageType> it(mask, region);
    for (SizeValueType k = 0; !it.IsAtEnd(); ++it, ++k)
    {
      values[k] = it.Get() != NumericTraits<typename MaskImageType::PixelType>::ZeroValue() ? 1.0f : 0.0f;
    }
    inside = ToWorkingGrid(std::move(values), size, m_WorkingSize);
  }
  else
  {
    values.clear();
    values.shrink_to_fit();
  }
  this->UpdateProgress(0.05f);

  // 2. Fitting region on the working grid.
  auto workingImage = RealImageType::New();
  workingImage->SetRegions(m_WorkingSize);
  workingImage->SetOrigin(input->GetOrigin());
  workingImage->SetSpacing(workingSpacing);
  workingImage->SetDirection(input->GetDirection());
  workingImage->Allocate();
  std::copy(working.begin(), working.end(), workingImage->GetBufferPointer());
  auto workingMask = WorkingMaskImageType::New();
  workingMask->CopyInformation(workingImage);
  workingMask->SetRegions(m_WorkingSize);
  workingMask->Allocate();
  double threshold = 0.0;
  if (!mask)
  {
    std::vector<float> sorted(working);
    const auto         q = static_cast<std::size_t>(0.995 * static_cast<double>(sorted.size() - 1));
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(q), sorted.end());
    threshold = m_ForegroundFraction * sorted[q];
  }
  std::vector<float> fittedInput, fittedCorrected;
  {
    unsigned char * m = workingMask->GetBufferPointer();
    SizeValueType   candidates = 0;
    for (std::size_t k = 0; k < working.size(); ++k)
    {
      const bool in = (mask ? inside[k] >= 0.5f : working[k] > threshold) && working[k] > 0.0f;
      m[k] = in ? 1 : 0;
      candidates += in;
    }
    if (candidates == 0)
    {
      itkExceptionMacro(<< (mask ? "the mask is empty (or covers only non-positive voxels)"
                                 : "the image has no positive foreground to fit the bias field on"));
    }
    // N4's B-spline fit costs about the same per sample and iteration: beyond MaximumNumberOfFittedVoxels, keep
    // a uniform pseudo-random subset, keyed by the sample index (deterministic, spatially unbiased).
    const double keep = m_MaximumNumberOfFittedVoxels > 0 && candidates > m_MaximumNumberOfFittedVoxels
                          ? static_cast<double>(m_MaximumNumberOfFittedVoxels) / static_cast<double>(candidates)
                          : 1.0;
    const auto   threshold64 = static_cast<std::uint64_t>(keep * 18446744073709551615.0);
    for (std::size_t k = 0; k < working.size(); ++k)
    {
      if (m[k] && keep < 1.0)
      {
        std::uint64_t h = (k + 1) * 0x9E3779B97F4A7C15ULL; // splitmix64 finaliser
        h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ULL;
        h = (h ^ (h >> 27)) * 0x94D049BB133111EBULL;
        h ^= h >> 31;
        m[k] = h <= threshold64 ? 1 : 0;
      }
      if (m[k])
      {
        fittedInput.push_back(working[k]);
      }
    }
  }
  m_NumberOfFittedVoxels = fittedInput.size();

  // 3. N4 on the working grid.
  auto n4 = N4FilterType::New();
  n4->SetInput(workingImage);
  n4->SetMaskImage(workingMask);
  n4->SetNumberOfWorkUnits(this->GetNumberOfWorkUnits());
  typename N4FilterType::ArrayType levels;
  levels.Fill(m_NumberOfFittingLevels);
  n4->SetNumberOfFittingLevels(levels);
  VariableSizeArrayType iterations(m_NumberOfFittingLevels);
  unsigned int          totalIterations = 0;
  for (unsigned int l = 0; l < m_NumberOfFittingLevels; ++l)
  {
    iterations[l] = m_MaximumNumberOfIterations[m_MaximumNumberOfIterations.Size() == 1 ? 0 : l];
    totalIterations += iterations[l];
  }
  n4->SetMaximumNumberOfIterations(iterations);
  typename N4FilterType::ArrayType controlPoints;
  for (unsigned int d = 0; d < ImageDimension; ++d)
  {
    controlPoints[d] = m_NumberOfControlPoints[d];
  }
  n4->SetNumberOfControlPoints(controlPoints);
  n4->SetConvergenceThreshold(static_cast<typename N4FilterType::RealType>(m_ConvergenceThreshold));
  n4->SetSplineOrder(m_SplineOrder);
  n4->SetNumberOfHistogramBins(m_NumberOfHistogramBins);
  n4->SetWienerFilterNoise(static_cast<typename N4FilterType::RealType>(m_WienerFilterNoise));
  n4->SetBiasFieldFullWidthAtHalfMaximum(
    static_cast<typename N4FilterType::RealType>(m_BiasFieldFullWidthAtHalfMaximum));
  n4->AddObserver(IterationEvent(), [this, totalIterations](const EventObject &) {
    ++m_ElapsedIterations;
    this->UpdateProgress(
      static_cast<float>(0.05 + 0.8 * std::min(1.0, m_ElapsedIterations / std::max(1.0, double(totalIterations)))));
  });
  n4->Update();
  m_ConvergenceMeasurement = n4->GetCurrentConvergenceMeasurement();
  m_LogBiasFieldControlPointLattice = n4->GetLogBiasFieldControlPointLattice();

  // 5. Scale: keep the input's median inside the fitting region.
  {
    const float *         corrected = n4->GetOutput()->GetBufferPointer();
    const unsigned char * m = workingMask->GetBufferPointer();
    for (std::size_t k = 0; k < working.size(); ++k)
    {
      if (m[k])
      {
        fittedCorrected.push_back(corrected[k]);
      }
    }
    const auto median = [](std::vector<float> & v) {
      const std::size_t h = (v.size() - 1) / 2;
      std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(h), v.end());
      return static_cast<double>(v[h]);
    };
    const double medianInput = median(fittedInput);
    const double medianCorrected = median(fittedCorrected);
    if (medianInput > 0.0 && medianCorrected > 0.0)
    {
      m_LogScale = std::log(medianCorrected / medianInput);
    }
  }
  this->UpdateProgress(0.85f);

  // 4. The log field from the lattice on the working grid (exact B-spline values), then linearly interpolated
  //    to the input grid (same extent); 6. outputs.
  using ScalarImageType = typename N4FilterType::ScalarImageType;
  using ReconstructorType = BSplineControlPointImageFilter<ControlPointLatticeType, ScalarImageType>;
  auto reconstructor = ReconstructorType::New();
  reconstructor->SetInput(m_LogBiasFieldControlPointLattice);
  reconstructor->SetOrigin(workingImage->GetOrigin());
  reconstructor->SetSpacing(workingImage->GetSpacing());
  reconstructor->SetDirection(workingImage->GetDirection());
  reconstructor->SetSize(m_WorkingSize);
  reconstructor->SetSplineOrder(m_SplineOrder);
  reconstructor->SetNumberOfWorkUnits(this->GetNumberOfWorkUnits());
  reconstructor->Update();
  std::vector<float> logField(working.size());
  {
    const auto * lattice = reconstructor->GetOutput()->GetBufferPointer();
    for (std::size_t k = 0; k < working.size(); ++k)
    {
      logField[k] = static_cast<float>(lattice[k][0] + m_LogScale);
    }
  }
  logField = FromWorkingGrid(std::move(logField), m_WorkingSize, size);
  this->UpdateProgress(0.95f);

  BiasFieldImageType * bias = this->GetBiasFieldOutput();
  bias->SetBufferedRegion(region);
  bias->Allocate();
  OutputImageType * output = this->GetOutput();
  output->SetBufferedRegion(region);
  output->Allocate();
  {
    float *                                  b = bias->GetBufferPointer();
    ImageRegionConstIterator<InputImageType> in(input, region);
    ImageRegionIterator<OutputImageType>     out(output, region);
    using OutputPixelType = typename OutputImageType::PixelType;
    for (SizeValueType k = 0; !in.IsAtEnd(); ++in, ++out, ++k)
    {
      const float field = std::exp(logField[k]);
      b[k] = field;
      out.Set(static_cast<OutputPixelType>(static_cast<double>(in.Get()) / field));
    }
  }
  this->UpdateProgress(1.0f);
}

template <typename TInputImage, typename TMaskImage, typename TOutputImage>
void
FastN4BiasFieldCorrectionImageFilter<TInputImage, TMaskImage, TOutputImage>::PrintSelf(std::ostream & os,
                                                                                       Indent         indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "WorkingSpacing: " << m_WorkingSpacing << std::endl;
  os << indent << "ForegroundFraction: " << m_ForegroundFraction << std::endl;
  os << indent << "MaximumNumberOfFittedVoxels: " << m_MaximumNumberOfFittedVoxels << std::endl;
  os << indent << "NumberOfFittingLevels: " << m_NumberOfFittingLevels << std::endl;
  os << indent << "MaximumNumberOfIterations: " << m_MaximumNumberOfIterations << std::endl;
  os << indent << "NumberOfControlPoints: " << m_NumberOfControlPoints << std::endl;
  os << indent << "ConvergenceThreshold: " << m_ConvergenceThreshold << std::endl;
  os << indent << "SplineOrder: " << m_SplineOrder << std::endl;
  os << indent << "NumberOfHistogramBins: " << m_NumberOfHistogramBins << std::endl;
  os << indent << "WienerFilterNoise: " << m_WienerFilterNoise << std::endl;
  os << indent << "BiasFieldFullWidthAtHalfMaximum: " << m_BiasFieldFullWidthAtHalfMaximum << std::endl;
  os << indent << "ShrinkFactors: " << m_ShrinkFactors << std::endl;
  os << indent << "WorkingSize: " << m_WorkingSize << std::endl;
  os << indent << "NumberOfFittedVoxels: " << m_NumberOfFittedVoxels << std::endl;
  os << indent << "ElapsedIterations: " << m_ElapsedIterations << std::endl;
  os << indent << "ConvergenceMeasurement: " << m_ConvergenceMeasurement << std::endl;
  os << indent << "LogScale: " << m_LogScale << std::endl;
}

} // namespace itk

#endif
