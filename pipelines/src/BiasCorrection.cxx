#include "cordresponse/BiasCorrection.h"

#include "cordresponse/Errors.h"

#include "itkFastN4BiasFieldCorrectionImageFilter.h"

#include <algorithm>

namespace cordresponse {

BiasCorrectionResult
CorrectBiasField(const ImageType * image, const BiasCorrectionParameters & p, const std::filesystem::path & path)
{
  using FilterType = itk::FastN4BiasFieldCorrectionImageFilter<ImageType>;
  auto filter = FilterType::New();
  filter->SetInput(image);
  filter->SetWorkingSpacing(p.workingSpacing);
  filter->SetForegroundFraction(p.foregroundFraction);
  filter->SetMaximumNumberOfFittedVoxels(p.maximumFittedVoxels);
  filter->SetNumberOfFittingLevels(p.fittingLevels);
  FilterType::VariableSizeArrayType iterations(1);
  iterations[0] = p.iterations;
  filter->SetMaximumNumberOfIterations(iterations);
  FilterType::ControlPointArrayType controlPoints;
  controlPoints.Fill(p.controlPoints);
  filter->SetNumberOfControlPoints(controlPoints);
  filter->SetConvergenceThreshold(p.convergenceThreshold);
  try
  {
    filter->Update();
  }
  catch (const itk::ExceptionObject & e)
  {
    throw InputError(path, std::string("bias-field correction failed: ") + e.GetDescription());
  }
  BiasCorrectionResult r;
  r.corrected = filter->GetOutput();
  r.corrected->DisconnectPipeline();
  r.field = filter->GetBiasFieldOutput();
  r.field->DisconnectPipeline();
  const auto * f = r.field->GetBufferPointer();
  const auto   n = r.field->GetPixelContainer()->Size();
  const auto   mm = std::minmax_element(f, f + n);
  r.minimumField = *mm.first;
  r.maximumField = *mm.second;
  r.iterations = filter->GetElapsedIterations();
  return r;
}

} // namespace cordresponse
