#ifndef itkPhysicalStepGradientDescentOptimizerv4_hxx
#define itkPhysicalStepGradientDescentOptimizerv4_hxx

#include "itkPhysicalStepGradientDescentOptimizerv4.h"

#include "itkCompensatedSummation.h"

#include <algorithm>
#include <cmath>

namespace itk {

template <typename TInternalComputationValueType>
void
PhysicalStepGradientDescentOptimizerv4<TInternalComputationValueType>::AdvanceOneStep()
{
  const ScalesType & scales = this->GetScales();
  if (scales.size() != this->m_Gradient.Size())
  {
    itkExceptionMacro(<< "The size of Scales is " << scales.size() << ", but the number of parameters of the metric is "
                      << this->m_Gradient.Size() << ".");
  }

  // Direction d = g/s, in place. (The superclass also rescales the previous gradient, which already is
  // the previous step's direction; here it is kept as it is, so that the two can be compared.)
  const ScalesType & weights = this->GetWeights();
  for (SizeValueType i = 0; i < this->m_Gradient.Size(); ++i)
  {
    const SizeValueType k = i % scales.Size();
    const double        w = this->GetWeightsAreIdentity() ? 1.0 : weights[k];
    this->m_Gradient[i] *= w / scales[k];
  }

  // Physical length of the direction: |g/sqrt(s)| = sqrt(sum_i s_i (g_i/s_i)^2).
  CompensatedSummation<double> physical;
  CompensatedSummation<double> previous;
  CompensatedSummation<double> product;
  for (SizeValueType i = 0; i < this->m_Gradient.Size(); ++i)
  {
    const double s = scales[i % scales.Size()];
    const double d = this->m_Gradient[i];
    const double q = this->m_PreviousGradient[i];
    physical += s * d * d;
    previous += s * q * q;
    product += s * d * q;
  }
  const double magnitude = std::sqrt(physical.GetSum());
  if (magnitude < this->GetGradientMagnitudeTolerance())
  {
    this->m_StopCondition = StopConditionObjectToObjectOptimizerEnum::GRADIENT_MAGNITUDE_TOLEARANCE;
    this->m_StopConditionDescription << "Gradient magnitude tolerance met after " << this->m_CurrentIteration
                                     << " iterations. Gradient magnitude (" << magnitude
                                     << ") is less than gradient magnitude tolerance ("
                                     << this->GetGradientMagnitudeTolerance() << ").";
    this->StopOptimization();
    return;
  }
  if (product.GetSum() < 0)
  {
    this->SetCurrentLearningRateRelaxation(this->GetCurrentLearningRateRelaxation() * this->GetRelaxationFactor());
  }
  else if (m_GrowthFactor > 1.0 && previous.GetSum() > 0.0 &&
           product.GetSum() > m_GrowthCosine * magnitude * std::sqrt(previous.GetSum()))
  {
    this->SetCurrentLearningRateRelaxation(std::min(1.0, this->GetCurrentLearningRateRelaxation() * m_GrowthFactor));
  }
  const double stepLength = this->GetCurrentLearningRateRelaxation() * this->m_LearningRate;
  if (stepLength < this->GetMinimumStepLength())
  {
    this->m_StopCondition = StopConditionObjectToObjectOptimizerEnum::STEP_TOO_SMALL;
    this->m_StopConditionDescription << "Step too small after " << this->m_CurrentIteration
                                     << " iterations. Current step (" << stepLength << ") is less than minimum step ("
                                     << this->GetMinimumStepLength() << ").";
    this->StopOptimization();
    return;
  }
  this->EstimateLearningRate();
  this->ModifyGradientByLearningRate(); // m_Gradient *= relaxation x learning rate
  try
  {
    this->m_Metric->UpdateTransformParameters(this->m_Gradient, 1.0 / magnitude);
  }
  catch (ExceptionObject &)
  {
    this->m_StopCondition = StopConditionObjectToObjectOptimizerEnum::UPDATE_PARAMETERS_ERROR;
    this->m_StopConditionDescription << "UpdateTransformParameters error";
    this->StopOptimization();
    throw;
  }
  this->InvokeEvent(IterationEvent());
}
template <typename TInternalComputationValueType>
void
PhysicalStepGradientDescentOptimizerv4<TInternalComputationValueType>::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "GrowthFactor: " << m_GrowthFactor << std::endl;
  os << indent << "GrowthCosine: " << m_GrowthCosine << std::endl;
}
} // namespace itk

#endif
