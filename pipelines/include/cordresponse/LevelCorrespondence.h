#ifndef cordresponse_LevelCorrespondence_h
#define cordresponse_LevelCorrespondence_h

// Where the same vertebral levels lie in two exams: a start for the longitudinal registration that no
// repeating vertebra can mislead. Physical space is ITK's LPS, millimetres.

#include "cordresponse/ImageIO.h"

#include <array>
#include <filesystem>
#include <map>
#include <optional>

namespace cordresponse {

/** One label value of a vertebral label map: the centroid of its voxels (LPS mm) and their number. */
struct LabelCentroid
{
  std::array<double, 3> centroidMm{};
  std::size_t           voxels{ 0 };
};

/** Every non-zero label value of `labels` (Spinal Cord Toolbox disc labels, one voxel per disc, or a cord
 *  labelled by vertebral level) with its centroid. Empty for a null or empty map. */
std::map<unsigned int, LabelCentroid>
LabelCentroids(const LabelImageType * labels);

/** The translation (LPS mm, fixed -> moving: p_moving = p_fixed + t) that brings the levels of the fixed
 *  exam onto the same levels of the moving exam: per axis, the median over the shared label values of
 *  (moving centroid - fixed centroid). A level cut by the edge of one field of view has a displaced
 *  centroid, so only the shared labels whose voxel counts agree within `completeRatio` are used when
 *  there are any (disc labels always agree). Nothing when fewer than `minimumShared` label values are
 *  present in both, or when one map holds points (disc labels: at most 27 voxels per label) and the other
 *  regions (a labelled cord), whose label v lie half a vertebra apart. Assumes the two maps use the same
 *  numbering (SCT's). */
std::optional<std::array<double, 3>>
LevelCorrespondenceTranslation(const std::map<unsigned int, LabelCentroid> & fixed,
                               const std::map<unsigned int, LabelCentroid> & moving,
                               unsigned int                                  minimumShared = 2,
                               double                                        completeRatio = 0.8);

/** LevelCorrespondenceTranslation of two vertebral label files (any grids). InputError naming the file for
 *  an unreadable or empty map, or for maps that share fewer than two levels or differ in kind. */
std::array<double, 3>
LevelCorrespondenceFromFiles(const std::filesystem::path & fixedLabels, const std::filesystem::path & movingLabels);

} // namespace cordresponse

#endif
