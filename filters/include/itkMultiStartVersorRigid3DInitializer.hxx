#ifndef itkMultiStartVersorRigid3DInitializer_hxx
#define itkMultiStartVersorRigid3DInitializer_hxx

#include "itkMultiStartVersorRigid3DInitializer.h"

#include "itkImageRegionConstIteratorWithIndex.h"
#include "itkMath.h"

#include <algorithm>
#include <limits>

namespace itk {

template <typename TFixedImage, typename TMovingImage>
MultiStartVersorRigid3DInitializer<TFixedImage, TMovingImage>::MultiStartVersorRigid3DInitializer()
{
  m_TranslationAxis.Fill(0.0);
  m_TranslationAxis[2] = 1.0;
  m_FixedCentre.Fill(0.0);
  m_MovingCentre.Fill(0.0);
}

template <typename TFixedImage, typename TMovingImage>
template <typename TImage>
auto
MultiStartVersorRigid3DInitializer<TFixedImage, TMovingImage>::Centre(const TImage * image, const MaskType * mask) const
  -> PointType
{
  const auto region = image->GetLargestPossibleRegion();
  PointType  centre;
  if (m_UseMoments)
  {
    double    mass = 0.0;
    PointType point;
    double    sum[3] = { 0.0, 0.0, 0.0 };
    for (ImageRegionConstIteratorWithIndex<TImage> it(image, region); !it.IsAtEnd(); ++it)
    {
      const double v = static_cast<double>(it.Get());
      if (v <= 0.0)
      {
        continue;
      }
      image->TransformIndexToPhysicalPoint(it.GetIndex(), point);
      if (mask && !mask->IsInsideInWorldSpace(point))
      {
        continue;
      }
      mass += v;
      for (unsigned int d = 0; d < 3; ++d)
      {
        sum[d] += v * point[d];
      }
    }
    if (mass > 0.0)
    {
      for (unsigned int d = 0; d < 3; ++d)
      {
        centre[d] = sum[d] / mass;
      }
      return centre;
    }
  }
  // Geometric centre of the grid.
  ContinuousIndex<double, 3> middle;
  for (unsigned int d = 0; d < 3; ++d)
  {
    middle[d] = region.GetIndex()[d] + 0.5 * (region.GetSize()[d] - 1.0);
  }
  image->TransformContinuousIndexToPhysicalPoint(middle, centre);
  return centre;
}

template <typename TFixedImage, typename TMovingImage>
void
MultiStartVersorRigid3DInitializer<TFixedImage, TMovingImage>::Compute()
{
  if (!m_FixedImage || !m_MovingImage)
  {
    itkExceptionMacro("fixed and moving images are required");
  }
  m_FixedCentre = this->Centre(m_FixedImage.GetPointer(), m_FixedMask.GetPointer());
  m_MovingCentre = this->Centre(m_MovingImage.GetPointer(), m_MovingMask.GetPointer());

  m_CentredTransform = TransformType::New();
  m_CentredTransform->SetCenter(m_FixedCentre);
  m_CentredTransform->SetTranslation(m_MovingCentre - m_FixedCentre);

  // Rotation starts: identity, then +-a about each physical axis.
  std::vector<typename TransformType::VersorType> rotations(1);
  rotations[0].SetIdentity();
  for (double angle : m_RotationAngles)
  {
    if (angle == 0.0)
    {
      continue;
    }
    for (unsigned int axis = 0; axis < 3; ++axis)
    {
      for (double sign : { 1.0, -1.0 })
      {
        typename TransformType::AxisType a;
        a.Fill(0.0);
        a[axis] = 1.0;
        typename TransformType::VersorType versor;
        versor.Set(a, sign * angle * itk::Math::pi / 180.0);
        rotations.push_back(versor);
      }
    }
  }
  std::vector<double> offsets{ 0.0 };
  for (double o : m_TranslationOffsets)
  {
    if (o != 0.0)
    {
      offsets.push_back(o);
      offsets.push_back(-o);
    }
  }
  VectorType axis = m_TranslationAxis;
  if (axis.GetNorm() > 0.0)
  {
    axis.Normalize();
  }

  m_Candidates.clear();
  auto probe = TransformType::New();
  if (m_Metric)
  {
    probe->SetFixedParameters(m_CentredTransform->GetFixedParameters());
    probe->SetParameters(m_CentredTransform->GetParameters());
    m_Metric->SetMovingTransform(probe);
    m_Metric->Initialize();
  }
  for (double offset : offsets)
  {
    for (unsigned int r = 0; r < rotations.size(); ++r)
    {
      const auto & versor = rotations[r];
      Candidate    c;
      c.offset = offset;
      c.rotation = r;
      c.transform = TransformType::New();
      c.transform->SetCenter(m_FixedCentre);
      c.transform->SetRotation(versor);
      c.transform->SetTranslation(m_MovingCentre - m_FixedCentre + axis * offset);
      c.value = 0.0;
      c.validFraction = 1.0;
      if (m_Metric)
      {
        probe->SetFixedParameters(c.transform->GetFixedParameters());
        probe->SetParameters(c.transform->GetParameters());
        try
        {
          c.value = m_Metric->GetValue();
          const auto domain = m_Metric->GetNumberOfDomainPoints();
          c.validFraction = domain ? static_cast<double>(m_Metric->GetNumberOfValidPoints()) / domain : 0.0;
        }
        catch (const ExceptionObject &)
        {
          c.value = std::numeric_limits<double>::max();
          c.validFraction = 0.0;
        }
      }
      m_Candidates.push_back(c);
    }
  }
  const double minimumValid = m_MinimumValidFraction;
  std::stable_sort(m_Candidates.begin(), m_Candidates.end(), [minimumValid](const Candidate & a, const Candidate & b) {
    const bool aValid = a.validFraction >= minimumValid;
    const bool bValid = b.validFraction >= minimumValid;
    if (aValid != bValid)
    {
      return aValid;
    }
    return a.value < b.value;
  });
}

template <typename TFixedImage, typename TMovingImage>
auto
MultiStartVersorRigid3DInitializer<TFixedImage, TMovingImage>::GetDiverseCandidates(unsigned int count) const
  -> std::vector<Candidate>
{
  std::vector<Candidate> chosen;
  std::vector<bool>      taken(m_Candidates.size(), false);
  std::vector<double>    offsetsSeen;
  for (std::size_t i = 0; i < m_Candidates.size() && chosen.size() < count; ++i)
  {
    const double offset = m_Candidates[i].offset;
    if (std::find(offsetsSeen.begin(), offsetsSeen.end(), offset) == offsetsSeen.end())
    {
      offsetsSeen.push_back(offset);
      chosen.push_back(m_Candidates[i]);
      taken[i] = true;
    }
  }
  for (std::size_t i = 0; i < m_Candidates.size() && chosen.size() < count; ++i)
  {
    if (!taken[i])
    {
      chosen.push_back(m_Candidates[i]);
    }
  }
  return chosen;
}

template <typename TFixedImage, typename TMovingImage>
void
MultiStartVersorRigid3DInitializer<TFixedImage, TMovingImage>::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "RotationAngles:";
  for (double a : m_RotationAngles)
  {
    os << " " << a;
  }
  os << std::endl << indent << "TranslationOffsets:";
  for (double o : m_TranslationOffsets)
  {
    os << " " << o;
  }
  os << std::endl;
  os << indent << "TranslationAxis: " << m_TranslationAxis << std::endl;
  os << indent << "UseMoments: " << m_UseMoments << std::endl;
  os << indent << "MinimumValidFraction: " << m_MinimumValidFraction << std::endl;
  os << indent << "FixedCentre: " << m_FixedCentre << std::endl;
  os << indent << "MovingCentre: " << m_MovingCentre << std::endl;
  os << indent << "Candidates: " << m_Candidates.size() << std::endl;
}
} // namespace itk

#endif
