#include "SyntheticSpine.h"

#include "itkEuler3DTransform.h"
#include "itkImageRegionIterator.h"
#include "itkImageRegionIteratorWithIndex.h"
#include "itkMultiThreaderBase.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace cordresponse::test {
namespace {
constexpr double kPi = 3.14159265358979323846;

/** 0 outside, 1 inside, a smooth ramp of half-width w (mm) across the boundary at d = 0 (d > 0 inside). */
inline double
Inside(double d, double w = 0.7)
{
  double t = 0.5 + d / (2.0 * w);
  t = std::clamp(t, 0.0, 1.0);
  return t * t * (3.0 - 2.0 * t);
}

/** Approximate signed distance (mm, positive inside) to an ellipse of semi-axes a, b. */
inline double
EllipseDistance(double u, double v, double a, double b)
{
  const double r = std::sqrt((u * u) / (a * a) + (v * v) / (b * b));
  return (1.0 - r) * std::min(a, b);
}

inline void
Paint(double & value, double tissue, double alpha)
{
  value += (tissue - value) * alpha;
}

struct Tissues
{
  double muscle, fat, marrow, disc, bone, csf, cord;
};

const Tissues &
TissuesOf(SpineContrast contrast)
{
  static const Tissues t1post{ 100, 300, 220, 115, 170, 30, 135 };
  static const Tissues t1pre{ 100, 300, 215, 90, 170, 30, 130 };
  static const Tissues t2{ 60, 250, 150, 230, 90, 330, 110 };
  switch (contrast)
  {
    case SpineContrast::T2:
      return t2;
    case SpineContrast::T1Pre:
      return t1pre;
    default:
      return t1post;
  }
}

struct Segment
{
  double start, height, disc, bodyA, bodyB;
};

struct Blob
{
  double x, y, z, radius, t1, t2;
};

/** The fixed layout of the anatomy (irregular on purpose). */
struct Layout
{
  std::vector<Segment> segments;
  std::vector<double>  starts;
  std::vector<Blob>    blobs;
  Layout()
  {
    double z = -320.0;
    for (int i = 0; z < 320.0; ++i)
    {
      Segment s;
      s.start = z;
      s.height = 19.0 + 4.0 * std::sin(1.7 * i + 0.3) + 2.0 * std::cos(0.9 * i);
      s.disc = 5.5 + 1.5 * std::sin(2.3 * i);
      s.bodyA = 17.0 + 2.0 * std::sin(1.1 * i);
      s.bodyB = 12.5 + 1.5 * std::cos(1.3 * i);
      segments.push_back(s);
      starts.push_back(z);
      z += s.height + s.disc;
    }
    std::mt19937 rng(20240611u);
    auto         uniform = [&rng](double lo, double hi) { return lo + (hi - lo) * (rng() / 4294967296.0); };
    for (int i = 0; i < 70; ++i)
    {
      Blob b;
      b.x = uniform(-55.0, 55.0);
      b.y = uniform(-70.0, 60.0);
      b.z = uniform(-300.0, 300.0);
      b.radius = uniform(5.0, 14.0);
      b.t1 = uniform(40.0, 260.0);
      b.t2 = 330.0 - b.t1 + uniform(-30.0, 30.0);
      blobs.push_back(b);
    }
  }
};

const Layout &
TheLayout()
{
  static const Layout layout;
  return layout;
}

inline double
CordCentreX(double z)
{
  return 1.5 * std::sin(z / 110.0);
}
inline double
CordCentreY(double z)
{
  return 6.0 * std::sin(z / 70.0);
}
inline double
CordSemiAxisX(double z)
{
  return 4.5 + 1.0 * std::exp(-((z - 40.0) / 40.0) * ((z - 40.0) / 40.0));
}
constexpr double kCordSemiAxisY = 3.5;
} // namespace

ImageType::Pointer
MakeGrid(const std::array<unsigned int, 3> & size,
         const std::array<double, 3> &       spacing,
         const ImageType::DirectionType &    direction,
         const SpinePoint &                  centre)
{
  auto                  image = ImageType::New();
  ImageType::RegionType region;
  region.SetSize({ { size[0], size[1], size[2] } });
  image->SetRegions(region);
  image->SetSpacing(spacing.data());
  image->SetDirection(direction);
  ImageType::PointType origin;
  for (unsigned int r = 0; r < 3; ++r)
  {
    origin[r] = centre[r];
    for (unsigned int c = 0; c < 3; ++c)
    {
      origin[r] -= direction(r, c) * spacing[c] * 0.5 * (size[c] - 1.0);
    }
  }
  image->SetOrigin(origin);
  image->Allocate(true);
  return image;
}

ImageType::DirectionType
SagittalDirection()
{
  ImageType::DirectionType d;
  d.Fill(0.0);
  d(1, 0) = 1.0;  // i -> posterior
  d(2, 1) = -1.0; // j -> inferior
  d(0, 2) = -1.0; // k -> right
  return d;
}

bool
InsideSyntheticCord(const SpinePoint & p)
{
  const double z = p[2];
  return EllipseDistance(p[0] - CordCentreX(z), p[1] - CordCentreY(z), CordSemiAxisX(z), kCordSemiAxisY) > 0.0;
}

double
SpineIntensity(const SpinePoint & p, SpineContrast contrast)
{
  const Tissues & t = TissuesOf(contrast);
  const Layout &  layout = TheLayout();
  const double    x = p[0];
  const double    y = p[1];
  const double    z = p[2];

  // Body: muscle inside an elliptic cylinder, a subcutaneous fat layer near the skin.
  double       value = 0.0;
  const double body = EllipseDistance(x, y + 20.0, 140.0, 110.0);
  Paint(value, t.fat, Inside(body, 1.0));
  Paint(value, t.muscle, Inside(body - 12.0, 1.5));
  if (body < -2.0)
  {
    return 0.0;
  }
  // Irregular soft-tissue blobs (organs, fat planes, vessels).
  for (const Blob & b : layout.blobs)
  {
    const double dx = x - b.x, dy = y - b.y, dz = z - b.z;
    const double r2 = dx * dx + dy * dy + dz * dz;
    if (r2 < (b.radius + 2.0) * (b.radius + 2.0))
    {
      const double tissue = (contrast == SpineContrast::T2) ? b.t2 : b.t1;
      Paint(value, tissue, Inside(b.radius - std::sqrt(r2), 1.5));
    }
  }

  const double u = x - CordCentreX(z);
  const double v = y - CordCentreY(z);

  // Vertebral bodies and discs (anterior), posterior arches and spinous processes.
  auto            it = std::upper_bound(layout.starts.begin(), layout.starts.end(), z);
  const size_t    index = (it == layout.starts.begin()) ? 0 : static_cast<size_t>(it - layout.starts.begin() - 1);
  const Segment & s = layout.segments[index];
  const double    inVertebra = std::min(z - s.start, s.start + s.height - z);
  const double    inDisc = std::min(z - s.start - s.height, s.start + s.height + s.disc - z);
  const double    bodyV = v + 9.5 + s.bodyB; // vertebral body centre lies in front of the canal
  const double    bodyPlane = EllipseDistance(u, bodyV, s.bodyA, s.bodyB);
  if (bodyPlane > -2.0)
  {
    Paint(value, t.disc, Inside(std::min(bodyPlane, inDisc)));
    Paint(value, t.marrow, Inside(std::min(bodyPlane, inVertebra)));
    Paint(value, t.bone, Inside(std::min(std::min(bodyPlane, inVertebra), 1.5 - bodyPlane)));
  }
  const double archZ = std::min(z - s.start - 2.0, s.start + s.height - 2.0 - z);
  const double arch = std::min(EllipseDistance(u, v - 2.0, 13.0, 11.0), -EllipseDistance(u, v, 8.0, 6.5));
  Paint(value, t.bone, Inside(std::min(arch, archZ)));
  const double spinous = std::min({ 3.0 - std::abs(u), v - 8.0, 40.0 - v + 0.3 * (z - s.start) });
  Paint(value, t.bone, Inside(std::min(spinous, archZ)));

  // Canal (CSF) and cord.
  Paint(value, t.csf, Inside(EllipseDistance(u, v, 8.0, 6.5)));
  Paint(value, t.cord, Inside(EllipseDistance(u, v, CordSemiAxisX(z), kCordSemiAxisY), 0.5));

  // A smooth texture of +-6 %.
  return value * (1.0 + 0.06 * std::sin(0.11 * x + 0.07 * z) * std::cos(0.09 * y - 0.05 * z));
}

void
RenderSpine(ImageType *            grid,
            const SpineTransform * fixedToMoving,
            SpineContrast          contrast,
            double                 noiseSigma,
            std::uint32_t          seed)
{
  SpineTransform::ConstPointer inverse;
  if (fixedToMoving)
  {
    auto inv = SpineTransform::Pointer(fixedToMoving->GetInverseTransform().GetPointer());
    if (!inv)
    {
      throw std::runtime_error("RenderSpine: the motion has no inverse");
    }
    inverse = inv.GetPointer();
  }
  const auto spacing = grid->GetSpacing();
  int        sub[3];
  for (unsigned int d = 0; d < 3; ++d)
  {
    sub[d] = std::max(1, static_cast<int>(std::lround(spacing[d] / 1.0)));
  }
  const double                    weight = 1.0 / (sub[0] * sub[1] * sub[2]);
  const auto                      region = grid->GetLargestPossibleRegion();
  itk::MultiThreaderBase::Pointer threader = itk::MultiThreaderBase::New();
  threader->ParallelizeImageRegion<3>(
    region,
    [&](const ImageType::RegionType & part) {
      for (itk::ImageRegionIteratorWithIndex<ImageType> it(grid, part); !it.IsAtEnd(); ++it)
      {
        const auto idx = it.GetIndex();
        double     sum = 0.0;
        for (int a = 0; a < sub[0]; ++a)
        {
          for (int b = 0; b < sub[1]; ++b)
          {
            for (int c = 0; c < sub[2]; ++c)
            {
              itk::ContinuousIndex<double, 3> ci;
              ci[0] = idx[0] + (a + 0.5) / sub[0] - 0.5;
              ci[1] = idx[1] + (b + 0.5) / sub[1] - 0.5;
              ci[2] = idx[2] + (c + 0.5) / sub[2] - 0.5;
              SpinePoint q;
              grid->TransformContinuousIndexToPhysicalPoint(ci, q);
              sum += SpineIntensity(inverse ? inverse->TransformPoint(q) : q, contrast);
            }
          }
        }
        it.Set(static_cast<float>(sum * weight));
      }
    },
    nullptr);
  if (noiseSigma > 0.0)
  {
    std::mt19937 rng(seed);
    auto         unit = [&rng] { return (rng() + 0.5) / 4294967296.0; };
    for (itk::ImageRegionIterator<ImageType> it(grid, region); !it.IsAtEnd(); ++it)
    {
      const double g = std::sqrt(-2.0 * std::log(unit())) * std::cos(2.0 * kPi * unit());
      it.Set(static_cast<float>(it.Get() + noiseSigma * g));
    }
  }
}

LabelImageType::Pointer
RenderCordLabel(const itk::ImageBase<3> * grid)
{
  auto labels = LabelImageType::New();
  labels->CopyInformation(grid);
  labels->SetRegions(grid->GetLargestPossibleRegion());
  labels->Allocate(true);
  for (itk::ImageRegionIteratorWithIndex<LabelImageType> it(labels, labels->GetLargestPossibleRegion()); !it.IsAtEnd();
       ++it)
  {
    SpinePoint p;
    labels->TransformIndexToPhysicalPoint(it.GetIndex(), p);
    it.Set(InsideSyntheticCord(p) ? 1 : 0);
  }
  return labels;
}

std::vector<SpinePoint>
CordTargetPoints(const itk::ImageBase<3> * grid, double step)
{
  std::vector<SpinePoint> points;
  const auto              size = grid->GetLargestPossibleRegion().GetSize();
  const auto              spacing = grid->GetSpacing();
  auto                    inside = [&](const SpinePoint & p) {
    itk::ContinuousIndex<double, 3> ci;
    grid->TransformPhysicalPointToContinuousIndex(p, ci);
    for (unsigned int d = 0; d < 3; ++d)
    {
      const double margin = 2.0 / spacing[d];
      if (ci[d] < margin || ci[d] > size[d] - 1.0 - margin)
      {
        return false;
      }
    }
    return true;
  };
  for (double z = -400.0; z <= 400.0; z += step)
  {
    const double cx = CordCentreX(z);
    const double cy = CordCentreY(z);
    const double ring[5][2] = { { 0, 0 }, { 3, 0 }, { -3, 0 }, { 0, 3 }, { 0, -3 } };
    for (const auto & r : ring)
    {
      SpinePoint p;
      p[0] = cx + r[0];
      p[1] = cy + r[1];
      p[2] = z;
      if (inside(p))
      {
        points.push_back(p);
      }
    }
  }
  return points;
}

TargetError
MeasureTargetError(const SpineTransform *          estimated,
                   const SpineTransform *          truth,
                   const std::vector<SpinePoint> & points)
{
  TargetError e;
  for (const auto & p : points)
  {
    const double d = estimated->TransformPoint(p).EuclideanDistanceTo(truth->TransformPoint(p));
    e.mean += d;
    e.max = std::max(e.max, d);
  }
  if (!points.empty())
  {
    e.mean /= static_cast<double>(points.size());
  }
  return e;
}

SpineTransform::Pointer
MakeRigidMotion(const std::array<double, 3> & rotationDegrees,
                const std::array<double, 3> & translationMm,
                const SpinePoint &            centre)
{
  auto t = itk::Euler3DTransform<double>::New();
  t->SetComputeZYX(true);
  t->SetCenter(centre);
  t->SetRotation(rotationDegrees[0] * kPi / 180.0, rotationDegrees[1] * kPi / 180.0, rotationDegrees[2] * kPi / 180.0);
  itk::Euler3DTransform<double>::OutputVectorType translation;
  for (unsigned int d = 0; d < 3; ++d)
  {
    translation[d] = translationMm[d];
  }
  t->SetTranslation(translation);
  return t.GetPointer();
}

} // namespace cordresponse::test
