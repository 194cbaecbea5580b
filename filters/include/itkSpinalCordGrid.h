#ifndef itkSpinalCordGrid_h
#define itkSpinalCordGrid_h

#include "CordResponseExport.h"

#include "itkImageBase.h"
#include "itkImageRegionConstIterator.h"
#include "itkMatrix.h"
#include "itkPoint.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace itk {
/** \class SpinalCordGrid
 * \brief Geometry of a 3-D image grid as seen by the spinal cord filters: which voxel axis runs
 * cranio-caudally, voxel offsets, physical points, plus small robust-statistics helpers.
 *
 * The filters never assume that voxel axes are anatomical axes: the cranio-caudal axis is the voxel axis
 * whose direction cosine is most aligned with the LPS S axis (for sagittal data: one of the in-plane
 * axes), and the two other axes span the "cross-section planes" that the filters process one at a time.
 * Works for oblique and flipped directions (PSR, RAS, LPS, ...).
 *
 * \ingroup CordResponse
 */
class CordResponse_EXPORT SpinalCordGrid
{
public:
  using PointType = itk::Point<double, 3>;
  using IndexArray = std::array<long, 3>;

  SpinalCordGrid() = default;
  explicit SpinalCordGrid(const ImageBase<3> * image);

  /** Voxel axis most aligned with the patient's cranio-caudal (LPS z) axis. */
  unsigned int
  CranioCaudalAxis() const
  {
    return m_CranioCaudalAxis;
  }
  /** The two other voxel axes (in increasing order). */
  std::array<unsigned int, 2>
  InPlaneAxes() const
  {
    return m_InPlaneAxes;
  }
  /** +1 if increasing the cranio-caudal index moves superiorly, -1 otherwise. */
  int
  SuperiorSign() const
  {
    return m_SuperiorSign;
  }
  /** The unit vector (LPS) of voxel axis `axis`. */
  Vector<double, 3>
  AxisDirection(unsigned int axis) const;
  /** Position (mm) of the voxel at `offset` along the LPS direction of voxel axis `axis` (the projection of its
   *  physical point on AxisDirection(axis)): e.g. along the cord, for cranio-caudal extents. */
  double
  PositionAlong(std::size_t offset, unsigned int axis) const;

  long
  Size(unsigned int axis) const
  {
    return m_Size[axis];
  }
  double
  Spacing(unsigned int axis) const
  {
    return m_Spacing[axis];
  }
  std::size_t
  NumberOfVoxels() const
  {
    return static_cast<std::size_t>(m_Size[0]) * m_Size[1] * m_Size[2];
  }
  /** Volume of one voxel (mm^3). */
  double
  VoxelVolume() const
  {
    return m_Spacing[0] * m_Spacing[1] * m_Spacing[2];
  }
  std::size_t
  Offset(const IndexArray & i) const
  {
    return static_cast<std::size_t>(i[0] + m_Size[0] * (i[1] + m_Size[1] * i[2]));
  }
  IndexArray
  Index(std::size_t offset) const;
  bool
  Inside(const IndexArray & i) const
  {
    return i[0] >= 0 && i[1] >= 0 && i[2] >= 0 && i[0] < m_Size[0] && i[1] < m_Size[1] && i[2] < m_Size[2];
  }
  /** Call visit(offset) for every voxel of the 3 x 3 x 3 block centred on `i` (the centre included) that lies
   *  inside the grid, in z, y, x order. */
  template <typename Visit>
  void
  ForEachInBlock(const IndexArray & i, Visit && visit) const
  {
    for (long dz = -1; dz <= 1; ++dz)
      for (long dy = -1; dy <= 1; ++dy)
        for (long dx = -1; dx <= 1; ++dx)
        {
          const IndexArray j{ { i[0] + dx, i[1] + dy, i[2] + dz } };
          if (Inside(j))
          {
            visit(Offset(j));
          }
        }
  }
  /** Physical point (LPS mm) of a (continuous) index. */
  PointType
  Point(const IndexArray & i) const;
  PointType
  Point(const std::array<double, 3> & i) const;
  /** Continuous index of a physical point. */
  std::array<double, 3>
  ContinuousIndex(const PointType & p) const;

  /** Number of voxels r such that a box of 2r+1 voxels along `axis` spans about 2 `halfWidth` mm. */
  long
  BoxRadius(unsigned int axis, double halfWidth) const;
  /** Largest r with r * spacing <= `distance` (a structuring-element radius that never exceeds it). */
  long
  BallRadius(unsigned int axis, double distance) const;

  /** The q-quantile (0..1) of `values` (reordered in place; nearest rank). 0 for an empty vector. */
  static double
  Quantile(std::vector<float> & values, double q);

  /** The non-zero voxels of `image` (its largest possible region, in buffer order) as a 0/1 mask. */
  template <typename TImage>
  static std::vector<std::uint8_t>
  NonZero(const TImage * image)
  {
    std::vector<std::uint8_t>        mask;
    ImageRegionConstIterator<TImage> it(image, image->GetLargestPossibleRegion());
    for (; !it.IsAtEnd(); ++it)
    {
      mask.push_back(it.Get() != 0 ? 1 : 0);
    }
    return mask;
  }

  /** Box mean of `values` over the voxels of `mask`: for each voxel of `mask`, the mean over the mask voxels
   *  of the box of +-radii[d] voxels along each axis d around it; 0 outside `mask`. */
  std::vector<float>
  MaskedBoxMean(const std::vector<std::uint8_t> & mask,
                const std::vector<float> &        values,
                const std::array<long, 3> &       radii) const;

  /** Robust standard deviation: 1.4826 x the median absolute deviation from the median (0 for no values). */
  static double
  RobustSigma(std::vector<float> values);

  /** Noise standard deviation of `values` estimated from the differences between voxels `lag` voxels apart
   *  along `axis`, both in `mask`: RobustSigma(differences) / sqrt(2). Insensitive to structures that vary
   *  slowly along `axis` (an edema, a bias field). Noise correlated between neighbours (a zero-filled
   *  acquisition, a box mean) is underestimated at lag 1; a lag beyond the correlation length measures it. */
  double
  NeighbourDifferenceSigma(const std::vector<std::uint8_t> & mask,
                           const std::vector<float> &        values,
                           unsigned int                      axis,
                           long                              lag = 1) const;

  /** Running quantile of a per-plane series: each output is the `q`-quantile of the valid values within
   *  +-`halfWindow` entries (invalid entries are NaN and stay NaN only where no valid value is in reach). */
  static std::vector<double>
  RunningQuantile(const std::vector<double> & series, long halfWindow, double q);

  /** Voxel axis of the thickest slices (largest spacing); among equal spacings the one most aligned with
   *  the LPS x (left-right) axis: 2-D operations "per slice" work in the planes normal to it. */
  unsigned int
  SliceAxis() const;

  /** Physical length (mm) of an index offset. */
  double
  OffsetLength(const IndexArray & offset) const;

  /** Offsets of the voxels within physical distance `radius` of a voxel (the centre included). */
  std::vector<IndexArray>
  BallOffsets(double radius) const;

  /** Binary morphology on a mask stored as one byte per voxel (non-zero = inside), with a ball of
   *  physical radius `radius` (see BallOffsets); voxels outside the grid count as outside. */
  std::vector<std::uint8_t>
  Dilate(const std::vector<std::uint8_t> & mask, double radius) const;
  std::vector<std::uint8_t>
  Erode(const std::vector<std::uint8_t> & mask, double radius) const;
  /** Morphology with an ellipsoid of the given radii in voxels per axis. */
  std::vector<std::uint8_t>
  Dilate(const std::vector<std::uint8_t> & mask, const std::array<long, 3> & radii) const;
  std::vector<std::uint8_t>
  Erode(const std::vector<std::uint8_t> & mask, const std::array<long, 3> & radii) const;

  /** Fill the holes of `mask` in every slice normal to `sliceAxis` (background not 4-connected to the
   *  slice border). Only voxels where `allowed` is non-zero (if given) are filled. */
  void
  FillHolesPerSlice(std::vector<std::uint8_t> &       mask,
                    unsigned int                      sliceAxis,
                    const std::vector<std::uint8_t> * allowed = nullptr) const;

  /** 26-connected components of the non-zero voxels, numbered 1..count in scan order (0 = background). */
  std::vector<unsigned int>
  Components(const std::vector<std::uint8_t> & mask, unsigned int & count) const;

private:
  std::vector<std::uint8_t>
  DilateWith(const std::vector<std::uint8_t> & mask, const std::vector<IndexArray> & offsets) const;
  std::vector<std::uint8_t>
  ErodeWith(const std::vector<std::uint8_t> & mask, const std::vector<IndexArray> & offsets) const;

  std::array<long, 3>         m_Size{ { 0, 0, 0 } };
  std::array<double, 3>       m_Spacing{ { 1, 1, 1 } };
  PointType                   m_Origin;
  Matrix<double, 3, 3>        m_IndexToPhysical; // direction * diag(spacing)
  Matrix<double, 3, 3>        m_PhysicalToIndex;
  unsigned int                m_CranioCaudalAxis{ 2 };
  std::array<unsigned int, 2> m_InPlaneAxes{ { 0, 1 } };
  int                         m_SuperiorSign{ 1 };
};
} // namespace itk

#endif
