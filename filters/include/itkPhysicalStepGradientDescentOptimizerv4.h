#ifndef itkPhysicalStepGradientDescentOptimizerv4_h
#define itkPhysicalStepGradientDescentOptimizerv4_h

#include "itkRegularStepGradientDescentOptimizerv4.h"

namespace itk {
/** \class PhysicalStepGradientDescentOptimizerv4
 * \brief Regular-step gradient descent whose step length is a physical distance.
 *
 * RegularStepGradientDescentOptimizerv4 moves the parameters along the scaled gradient g/s by a step of
 * length L measured in parameter space, |dp| = L. With scales from RegistrationParameterScalesFromShiftBase
 * (s_i = squared physical shift per unit of parameter i, the usual v4 set-up) the direction g/s is the
 * physically preconditioned descent direction, but a step of length L then moves points by L mm when
 * translation dominates the gradient and by about L x (radius of the domain) mm when rotation does: the
 * optimiser overshoots, reverses, relaxes, and may stop early.
 *
 * This optimiser keeps the direction g/s and normalises the step physically: dp = L (g/s) / |g/sqrt(s)|,
 * so that sum_i s_i dp_i^2 = L^2, i.e. the step moves the scale-estimation points by about L (mm with
 * physical-shift scales) whatever mix of parameters it changes. Learning rate, relaxation, minimum step
 * length and the stop rules are those of the superclass, in the same physical unit.
 *
 * Optionally (GrowthFactor > 1) the step also grows again, by GrowthFactor up to the initial learning
 * rate, when two successive directions agree (cosine above GrowthCosine): one reversal early on then no
 * longer condemns the optimiser to creep along a narrow valley with a tiny step. GrowthFactor = 1 (the
 * default) gives the superclass's behaviour.
 *
 * \ingroup CordResponse
 */
template <typename TInternalComputationValueType = double>
class ITK_TEMPLATE_EXPORT PhysicalStepGradientDescentOptimizerv4
  : public RegularStepGradientDescentOptimizerv4<TInternalComputationValueType>
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(PhysicalStepGradientDescentOptimizerv4);

  using Self = PhysicalStepGradientDescentOptimizerv4;
  using Superclass = RegularStepGradientDescentOptimizerv4<TInternalComputationValueType>;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;

  itkNewMacro(Self);
  itkTypeMacro(PhysicalStepGradientDescentOptimizerv4, RegularStepGradientDescentOptimizerv4);

  using ScalesType = typename Superclass::ScalesType;

  /** Step growth on agreeing directions (default 1: off). */
  itkSetMacro(GrowthFactor, double);
  itkGetConstMacro(GrowthFactor, double);
  /** Cosine between successive directions above which the step grows (default 0.9). */
  itkSetMacro(GrowthCosine, double);
  itkGetConstMacro(GrowthCosine, double);

protected:
  PhysicalStepGradientDescentOptimizerv4() = default;
  ~PhysicalStepGradientDescentOptimizerv4() override = default;

  void
  AdvanceOneStep() override;
  void
  PrintSelf(std::ostream & os, Indent indent) const override;

private:
  double m_GrowthFactor{ 1.0 };
  double m_GrowthCosine{ 0.9 };
};
} // namespace itk

#ifndef ITK_MANUAL_INSTANTIATION
#include "itkPhysicalStepGradientDescentOptimizerv4.hxx"
#endif

#endif
