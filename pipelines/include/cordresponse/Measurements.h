#ifndef cordresponse_Measurements_h
#define cordresponse_Measurements_h

#include "cordresponse/ImageIO.h"

#include <optional>
#include <string>
#include <vector>

namespace cordresponse {

/** Measurements of one enhancing focus on its own image grid (no resampling). Lengths in mm, volumes in
 *  mm^3, positions in ITK physical space (LPS, mm). */
struct LesionMeasurement
{
  unsigned int          id{ 0 };
  std::size_t           voxelCount{ 0 };
  double                volumeMm3{ 0 };   // voxel count x voxel volume
  std::optional<double> partialVolumeMm3; // partial-volume estimate, when the segmentation gives one
  std::array<double, 3> centroidLps{ { 0, 0, 0 } };
  double                longestDiameter3dMm{ 0 };       // caliper diameter of the voxel set in 3-D
  double                sagittalLongestDiameterMm{ 0 }; // RANO-BM on sagittal protocols: longest in a sagittal plane
  double                sagittalPerpendicularMm{ 0 };   // extent perpendicular to it, in the same plane
  int                   sagittalSlices{ 0 };            // sagittal planes the focus appears on
  double                craniocaudalExtentMm{ 0 };
  std::string           levels;                        // e.g. "T9-T10"; empty when no level information
  double                meanEnhancementRatio{ 0 };     // mean T1 post in the focus / median of normal cord
  double                peakEnhancementRatio{ 0 };     // 95th percentile in the focus / median of normal cord
  bool                  ranoMeasurable{ false };       // LD >= 10 mm, perpendicular >= 5 mm, on >= 2 slices
  bool                  foundOnReexamination{ false }; // found by re-examining this exam where another showed it
};

/** The volume to compare across exams: the partial-volume estimate when there is one (on 3 mm slices the
 *  voxel count of a small focus swings by tens of percent with its position on the grid), else the
 *  voxel-count volume. */
inline double
ResponseVolume(const LesionMeasurement & m)
{
  return m.partialVolumeMm3.value_or(m.volumeMm3);
}

/** Edema and cord measurements of one timepoint. */
struct EdemaMeasurement
{
  std::size_t voxelCount{ 0 };
  double      volumeMm3{ 0 };
  double      craniocaudalExtentMm{ 0 };
  int         segments{ 0 }; // vertebral levels it touches (0 without level information)
  std::string levels;
};

/** RANO-BM measurability thresholds (Lin et al. 2015), with the sagittal-protocol reading: the longest
 *  diameter and its perpendicular are measured in a sagittal plane, on >= 2 contiguous sagittal slices. */
struct MeasurabilityCriteria
{
  double minimumLongestDiameterMm{ 10.0 };
  double minimumPerpendicularMm{ 5.0 };
  int    minimumSlices{ 2 };
};

/** Measure every focus of `lesions` (one id per focus). `t1post` (same grid) gives enhancement ratios
 *  against the normal-appearing cord (`cord` minus the foci); `levels` (same grid; cord voxels labelled with
 *  their SCT vertebral level, 0 elsewhere) gives level spans. Optional inputs may be null.
 *  The "sagittal" planes are the voxel planes across the image axis closest to left-right. */
std::vector<LesionMeasurement>
MeasureLesions(const LabelImageType *        lesions,
               const ImageType *             t1post,
               const LabelImageType *        cord,
               const LabelImageType *        levels,
               const MeasurabilityCriteria & criteria = {});

/** Measure a binary region (non-zero voxels): volume, cranio-caudal extent, level span and segments. */
EdemaMeasurement
MeasureRegion(const LabelImageType * region, const LabelImageType * levels);

/** Volume of the non-zero voxels (mm^3). */
double
LabelVolume(const LabelImageType * labels, unsigned int label = 0);

} // namespace cordresponse

#endif
