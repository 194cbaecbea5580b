#ifndef cordresponse_test_SyntheticSpine_h
#define cordresponse_test_SyntheticSpine_h

// A small analytic, spine-like phantom for registration tests and benchmarks (not the clinical phantom
// of `cordresponse phantom`). The anatomy is a continuous function of an anatomical point given in mm in
// an LPS frame whose origin lies on the cord: x = left, y = posterior, z = superior. The cord runs along z
// (with a gentle sagittal curve), the spinal canal (CSF) surrounds it, vertebral bodies of irregular
// heights with discs lie anterior (y < 0), posterior elements behind, muscle and fat around, plus
// irregular soft-tissue blobs and a smooth texture that break the quasi-periodicity of the spine.
//
// Rendering a volume samples the anatomy at every voxel (averaging sub-samples across thick voxels, as a
// slice profile would) after moving it by a known rigid motion, so registration tests know the truth.

#include "cordresponse/ImageIO.h"

#include "itkTransform.h"

#include <array>
#include <cstdint>
#include <vector>

namespace cordresponse::test {

enum class SpineContrast
{
  T1Post,
  T1Pre,
  T2
};

using SpinePoint = itk::Point<double, 3>;
using SpineTransform = itk::Transform<double, 3, 3>;

/** An allocated, zero-filled grid: size, spacing (mm), direction, and the physical (LPS) point of its
 *  centre. */
ImageType::Pointer
MakeGrid(const std::array<unsigned int, 3> & size,
         const std::array<double, 3> &       spacing,
         const ImageType::DirectionType &    direction,
         const SpinePoint &                  centre);

/** Direction of a typical sagittal acquisition: i -> posterior, j -> inferior, k -> right (proper
 *  rotation). */
ImageType::DirectionType
SagittalDirection();

/** Intensity of the anatomy at an anatomical point (mm). */
double
SpineIntensity(const SpinePoint & anatomical, SpineContrast contrast);

/** True when the anatomical point lies inside the cord. */
bool
InsideSyntheticCord(const SpinePoint & anatomical);

/** Fill `grid` with the anatomy after `fixedToMoving` (may be null: identity). The baseline/fixed image
 *  is rendered with no motion; a follow-up/moving image rendered on any grid with motion T satisfies
 *  moving(T(p)) == fixed(p), i.e. T maps fixed points to moving points (ITK's registration convention).
 *  Gaussian noise of `noiseSigma` (seeded, deterministic) is added; 0 disables it. */
void
RenderSpine(ImageType *            grid,
            const SpineTransform * fixedToMoving,
            SpineContrast          contrast = SpineContrast::T1Post,
            double                 noiseSigma = 0.0,
            std::uint32_t          seed = 1);

/** Cord label (1 inside the cord, 0 elsewhere) on `grid`, anatomy not moved. */
LabelImageType::Pointer
RenderCordLabel(const itk::ImageBase<3> * grid);

/** Points on and around the cord centreline (centreline plus a ring of 3 mm radius, every `step` mm along
 *  z) that fall inside `grid`'s physical extent (with a 2 mm margin): where target errors are measured. */
std::vector<SpinePoint>
CordTargetPoints(const itk::ImageBase<3> * grid, double step = 2.0);

/** Mean and maximum distance |estimated(p) - truth(p)| over the points (mm). */
struct TargetError
{
  double mean{ 0 };
  double max{ 0 };
};
TargetError
MeasureTargetError(const SpineTransform *          estimated,
                   const SpineTransform *          truth,
                   const std::vector<SpinePoint> & points);

/** A rigid fixed->moving transform: rotations about x, y, z (degrees, applied about `centre`, in the
 *  order z * y * x) followed by a translation (mm). */
SpineTransform::Pointer
MakeRigidMotion(const std::array<double, 3> & rotationDegrees,
                const std::array<double, 3> & translationMm,
                const SpinePoint &            centre);

} // namespace cordresponse::test

#endif
