#ifndef itkMultiStartVersorRigid3DInitializer_hxx
#define itkMultiStartVersorRigid3DInitializer_hxx

#include "itkMultiStartVersorRigid3DInitializer.h"

#include "itkImageRegionConstIteratorWithIndex.h"
#include "itkMath.h"

#include <algorithm>
#include <cmath>
#include <iterator>
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
MultiStartVersorRigid3DInitializer<TFixedImage, TMovingImage>::Evaluate(MetricType *          metric,
                                                                        TransformType *       probe,
                                                                        const TransformType * transform,
                                                                        double &              value,
                                                                        double &              validFraction)
{
  value = 0.0;
  validFraction = 1.0;
  if (!metric)
  {
    return;
  }
  probe->SetFixedParameters(transform->GetFixedParameters());
  probe->SetParameters(transform->GetParameters());
  ++m_NumberOfEvaluations;
  try
  {
    value = metric->GetValue();
    validFraction = ValidFraction(metric);
  }
  catch (const ExceptionObject &)
  {
    value = std::numeric_limits<double>::max();
    validFraction = 0.0;
  }
}

template <typename TFixedImage, typename TMovingImage>
double
MultiStartVersorRigid3DInitializer<TFixedImage, TMovingImage>::ValidFraction(const MetricType * metric)
{
  const auto domain = metric->GetNumberOfDomainPoints();
  return domain ? static_cast<double>(metric->GetNumberOfValidPoints()) / static_cast<double>(domain) : 0.0;
}

template <typename TFixedImage, typename TMovingImage>
void
MultiStartVersorRigid3DInitializer<TFixedImage, TMovingImage>::Compute()
{
  if (!m_FixedImage || !m_MovingImage)
  {
    itkExceptionMacro("fixed and moving images are required");
  }
  const bool search = m_SearchRadii.GetNorm() > 0.0;
  if (search && !(m_SearchStep > 0.0))
  {
    itkExceptionMacro("SearchStep must be positive when SearchRadii are");
  }
  m_NumberOfEvaluations = 0;
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

  // Start translations: each base, shifted along the axis and over the search lattice.
  struct Start
  {
    VectorType translation;
    double     offset;
    double     value;
    double     validFraction;
    bool       base;
  };
  std::vector<VectorType> bases{ m_MovingCentre - m_FixedCentre };
  if (!m_GivenStartTranslations.empty())
  {
    bases = m_GivenStartTranslations;
  }
  else if (m_UseScannerStart)
  {
    VectorType zero;
    zero.Fill(0.0);
    bases.push_back(zero);
  }
  std::vector<Start> starts;
  // A translation within `tolerance` of one already listed adds nothing (lattices of nearby bases).
  auto add = [&starts](const VectorType & t, double offset, double tolerance, bool isBase) {
    for (const auto & s : starts)
    {
      if ((s.translation - t).GetNorm() <= tolerance)
      {
        return;
      }
    }
    starts.push_back(Start{ t, offset, 0.0, 1.0, isBase });
  };
  for (const auto & base : bases)
  {
    for (double offset : offsets)
    {
      add(base + axis * offset, offset, 1e-6, offset == 0.0);
    }
  }
  if (search)
  {
    int n[3];
    for (unsigned int d = 0; d < 3; ++d)
    {
      n[d] = static_cast<int>(std::floor(std::max(0.0, m_SearchRadii[d]) / m_SearchStep + 1e-9));
    }
    for (const auto & base : bases)
    {
      for (int k = -n[2]; k <= n[2]; ++k)
      {
        for (int j = -n[1]; j <= n[1]; ++j)
        {
          for (int i = -n[0]; i <= n[0]; ++i)
          {
            const int  index[3] = { i, j, k };
            VectorType shift;
            double     r2 = 0.0;
            for (unsigned int d = 0; d < 3; ++d)
            {
              shift[d] = index[d] * m_SearchStep;
              r2 += index[d] == 0 ? 0.0 : (shift[d] * shift[d]) / (m_SearchRadii[d] * m_SearchRadii[d]);
            }
            if (r2 <= 1.0 + 1e-9)
            {
              add(base + shift, shift * axis, 0.5 * m_SearchStep, false);
            }
          }
        }
      }
    }
  }

  auto probe = TransformType::New();
  auto searchProbe = TransformType::New();
  for (auto * p : { probe.GetPointer(), searchProbe.GetPointer() })
  {
    p->SetFixedParameters(m_CentredTransform->GetFixedParameters());
    p->SetParameters(m_CentredTransform->GetParameters());
  }
  if (m_Metric)
  {
    m_Metric->SetMovingTransform(probe);
    m_Metric->Initialize();
  }
  MetricType * searchMetric = m_SearchMetric ? m_SearchMetric.GetPointer() : m_Metric.GetPointer();
  if (m_SearchMetric)
  {
    m_SearchMetric->SetMovingTransform(searchProbe);
    m_SearchMetric->Initialize();
  }
  const double minimumValid = m_MinimumValidFraction;
  const bool   weight = m_WeightByOverlap;
  auto         better = [minimumValid, weight](double aValue, double aValid, double bValue, double bValid) {
    const bool aOk = aValid >= minimumValid;
    const bool bOk = bValid >= minimumValid;
    if (aOk != bOk)
    {
      return aOk;
    }
    return weight ? aValue * aValid < bValue * bValid : aValue < bValue;
  };

  // Too many translations for every rotation: score them without rotation, keep the best distinct ones.
  if (searchMetric && m_SearchKeep > 0 && starts.size() > m_SearchKeep)
  {
    auto t = TransformType::New();
    t->SetCenter(m_FixedCentre);
    for (auto & s : starts)
    {
      t->SetTranslation(s.translation);
      this->Evaluate(searchMetric, m_SearchMetric ? searchProbe.GetPointer() : probe.GetPointer(), t, s.value,
                     s.validFraction);
    }
    std::stable_sort(starts.begin(), starts.end(), [&better](const Start & a, const Start & b) {
      return better(a.value, a.validFraction, b.value, b.validFraction);
    });
    const double       exclusion = search ? 1.5 * m_SearchStep : 0.0;
    std::vector<Start> kept;
    std::copy_if(starts.begin(), starts.end(), std::back_inserter(kept), [](const Start & s) { return s.base; });
    const std::size_t limit = kept.size() + m_SearchKeep;
    for (const auto & s : starts)
    {
      if (kept.size() >= limit)
      {
        break;
      }
      if (s.base)
      {
        continue;
      }
      bool nearKept = false;
      for (const auto & k : kept)
      {
        nearKept = nearKept || (k.translation - s.translation).GetNorm() < exclusion;
      }
      if (!nearKept)
      {
        kept.push_back(s);
      }
    }
    starts = kept;
  }

  m_Candidates.clear();
  for (unsigned int g = 0; g < starts.size(); ++g)
  {
    for (unsigned int r = 0; r < rotations.size(); ++r)
    {
      Candidate c;
      c.offset = starts[g].offset;
      c.rotation = r;
      c.group = g;
      c.base = starts[g].base;
      c.transform = TransformType::New();
      c.transform->SetCenter(m_FixedCentre);
      c.transform->SetRotation(rotations[r]);
      c.transform->SetTranslation(starts[g].translation);
      this->Evaluate(m_Metric, probe, c.transform, c.value, c.validFraction);
      m_Candidates.push_back(c);
    }
  }
  std::stable_sort(m_Candidates.begin(), m_Candidates.end(), [&better](const Candidate & a, const Candidate & b) {
    return better(a.value, a.validFraction, b.value, b.validFraction);
  });
}

template <typename TFixedImage, typename TMovingImage>
auto
MultiStartVersorRigid3DInitializer<TFixedImage, TMovingImage>::GetDiverseCandidates(unsigned int count) const
  -> std::vector<Candidate>
{
  std::vector<Candidate>    chosen;
  std::vector<bool>         taken(m_Candidates.size(), false);
  std::vector<unsigned int> groupsSeen;
  for (std::size_t i = 0; i < m_Candidates.size() && chosen.size() < count; ++i)
  {
    const unsigned int group = m_Candidates[i].group;
    if (std::find(groupsSeen.begin(), groupsSeen.end(), group) == groupsSeen.end())
    {
      groupsSeen.push_back(group);
      chosen.push_back(m_Candidates[i]);
      taken[i] = true;
    }
  }
  for (std::size_t i = 0; i < m_Candidates.size() && chosen.size() < count; ++i)
  {
    if (!taken[i])
    {
      chosen.push_back(m_Candidates[i]);
      taken[i] = true;
    }
  }
  for (std::size_t i = 0; i < m_Candidates.size(); ++i)
  {
    const unsigned int group = m_Candidates[i].group;
    if (m_Candidates[i].base && std::find(groupsSeen.begin(), groupsSeen.end(), group) == groupsSeen.end())
    {
      groupsSeen.push_back(group);
      if (!taken[i])
      {
        chosen.push_back(m_Candidates[i]);
      }
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
  os << indent << "UseScannerStart: " << m_UseScannerStart << std::endl;
  os << indent << "GivenStartTranslations:";
  for (const auto & t : m_GivenStartTranslations)
  {
    os << " " << t;
  }
  os << std::endl;
  os << indent << "SearchRadii: " << m_SearchRadii << std::endl;
  os << indent << "WeightByOverlap: " << m_WeightByOverlap << std::endl;
  os << indent << "SearchStep: " << m_SearchStep << std::endl;
  os << indent << "SearchKeep: " << m_SearchKeep << std::endl;
  os << indent << "MinimumValidFraction: " << m_MinimumValidFraction << std::endl;
  os << indent << "FixedCentre: " << m_FixedCentre << std::endl;
  os << indent << "MovingCentre: " << m_MovingCentre << std::endl;
  os << indent << "Candidates: " << m_Candidates.size() << std::endl;
}
} // namespace itk

#endif
