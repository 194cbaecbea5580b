#ifndef cordresponse_SegmentationMetrics_h
#define cordresponse_SegmentationMetrics_h

#include "cordresponse/ImageIO.h"

#include "itkPoint.h"

#include <cstddef>
#include <optional>
#include <vector>

namespace cordresponse {

/** Segmentation metrics on label maps (LabelImageType), independent of files: Dice, the 95% Hausdorff
 *  distance, volumes, connected components and per-label statistics. Unless a function says otherwise,
 *  a mask is "every non-zero voxel" of a label map, two maps compared voxel by voxel must be on the same
 *  grid (see SameGrid / ResampleToGrid), and every distance, volume and point is in ITK physical space:
 *  LPS, millimetres. */

/** Volume of one voxel (mm^3): the product of the spacing. */
double
VoxelVolume(const itk::ImageBase<3> * image);

/** Number of non-zero voxels. */
std::size_t
CountForeground(const LabelImageType * labels);

/** True when the two grids agree: same size, spacing and origin within 1e-3 of the smallest spacing,
 *  direction cosines within 1e-4. */
bool
SameGrid(const itk::ImageBase<3> * a, const itk::ImageBase<3> * b);

/** `labels` resampled onto the grid of `reference` by nearest neighbour (identity transform in physical
 *  space; label values are kept; voxels outside `labels` become 0). */
LabelImageType::Pointer
ResampleToGrid(const LabelImageType * labels, const itk::ImageBase<3> * reference);

/** A label map on the grid of `reference` (size, spacing, origin, direction), every voxel 0. */
LabelImageType::Pointer
EmptyLabelMap(const itk::ImageBase<3> * reference);

/** A label map of the same grid with 1 where `labels` equals `value` (or is non-zero when value is 0). */
LabelImageType::Pointer
BinaryMask(const LabelImageType * labels, LabelImageType::PixelType value = 0);

/** Connected components of the non-zero voxels (all non-zero values are one class), 26-connected (face,
 *  edge and corner neighbours), numbered 1..N. Throws std::runtime_error if ITK fails (e.g. more than
 *  65535 components). */
LabelImageType::Pointer
ConnectedComponents26(const LabelImageType * mask);

/** Size and centroid of one label. */
struct LabelStatistics
{
  LabelImageType::PixelType label{ 0 };
  std::size_t               voxelCount{ 0 };
  double                    volume{ 0 }; ///< voxelCount x voxel volume (mm^3)
  itk::Point<double, 3>     centroid;    ///< mean of the voxel centres (LPS mm)
  double
  EquivalentRadius() const; ///< radius of the sphere of the same volume (mm)
};

/** Statistics of every non-zero label present, in increasing label order. */
std::vector<LabelStatistics>
ComputeLabelStatistics(const LabelImageType * labels);

/** Dice coefficient 2|A n B| / (|A| + |B|) of the non-zero voxels of two maps on the same grid.
 *  Both empty: 1 (the empty prediction of an empty truth is perfect). Throws std::invalid_argument if the
 *  grids differ. */
double
Dice(const LabelImageType * a, const LabelImageType * b);

/** Surface voxels of a mask: non-zero voxels with at least one face neighbour (6-connectivity) that is
 *  zero or outside the image. */
LabelImageType::Pointer
SurfaceVoxels(const LabelImageType * mask);

/** Distance (mm, spacing taken into account) from the centre of each surface voxel of `from` to the
 *  centre of the nearest surface voxel of `to` (same grid). Empty if either surface is empty. Computed with
 *  itk::SignedMaurerDistanceMapImageFilter (exact Euclidean distance transform) on the bounding box of the
 *  two surfaces. */
std::vector<double>
SurfaceDistances(const LabelImageType * from, const LabelImageType * to);

/** The q-th quantile (0 <= q <= 1) with linear interpolation between closest ranks (numpy's default):
 *  sorted values v[0..n-1], position q (n - 1). Empty input: std::nullopt. */
std::optional<double>
Quantile(std::vector<double> values, double q);

/** Symmetric 95% Hausdorff distance (mm): Quantile(0.95) of the pooled surface-to-surface distances
 *  (SurfaceDistances(a, b) followed by SurfaceDistances(b, a)). Both masks empty: 0. Exactly one empty:
 *  std::nullopt (undefined). */
std::optional<double>
HausdorffDistance95(const LabelImageType * a, const LabelImageType * b);

/** Comparison of a truth mask with a result mask on the same grid. */
struct OverlapMetrics
{
  std::size_t           truthVoxels{ 0 };
  std::size_t           resultVoxels{ 0 };
  std::size_t           intersectionVoxels{ 0 };
  double                truthVolume{ 0 };  ///< mm^3
  double                resultVolume{ 0 }; ///< mm^3
  double                dice{ 0 };         ///< see Dice()
  std::optional<double> hausdorff95;       ///< mm, see HausdorffDistance95()

  /** result - truth (mm^3). */
  double
  VolumeError() const
  {
    return resultVolume - truthVolume;
  }
  /** 100 (result - truth) / truth; std::nullopt when the truth is empty. */
  std::optional<double>
  VolumeErrorPercent() const;
};

/** Dice, HD95 and volumes of the non-zero voxels of `truth` and `result` (same grid). */
OverlapMetrics
CompareMasks(const LabelImageType * truth, const LabelImageType * result);

} // namespace cordresponse

#endif
