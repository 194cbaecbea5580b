#ifndef cordresponse_LesionMatching_h
#define cordresponse_LesionMatching_h

#include "cordresponse/ImageIO.h"

#include <array>
#include <string>
#include <vector>

namespace cordresponse {

/** How lesions of two timepoints are linked and how their change is named. */
struct MatchingCriteria
{
  /** Centroid fallback for lesions that overlap nothing: linked when their centroids are closer than the
   *  sum of their equivalent-sphere radii plus this margin (mm). */
  double centroidMarginMm{ 3.0 };
  /** Per-lesion volume change thresholds (%): the volumetric equivalents of RANO-BM's -30% / +20% in
   *  diameter for a sphere. Between them a lesion is "stable". */
  double shrinkingPercent{ -65.0 };
  double growingPercent{ 73.0 };
  /** A lesion absent before is "new" only when at least this large and seen on >= minimumNewSlices
   *  sagittal slices (RANO-BM: unequivocal); otherwise "equivocal-new". */
  double minimumNewVolumeMm3{ 10.0 };
  int    minimumNewSlices{ 2 };
};

/** A lesion at one timepoint as the matching sees it. The centroid is in the EARLIER timepoint's space
 *  (LPS mm; follow-up centroids mapped there through the registration); the volume is the native one. */
struct MatchedLesion
{
  unsigned int          id{ 0 };
  double                volumeMm3{ 0 };
  std::array<double, 3> centroid{ { 0, 0, 0 } };
  int                   sagittalSlices{ 0 };
};

/** One connected piece of the overlap graph: which lesions became which, and what that is called:
 *  new, equivocal-new, resolved, shrinking, stable, growing, merged, split or complex. */
struct LesionChange
{
  std::vector<unsigned int> fromIds;
  std::vector<unsigned int> toIds;
  std::string               status;
  double                    fromVolumeMm3{ 0 };
  double                    toVolumeMm3{ 0 };
  double                    volumePercent{ 0 };
};

/** Link the lesions of an earlier timepoint (`from`, its own grid) with those of a later one
 *  (`toInFromSpace`: the later lesion map resampled into the earlier grid with nearest neighbour) by
 *  voxel overlap, with the centroid fallback for lesions that overlap nothing, and classify each
 *  connected group. `fromLesions` / `toLesions` list every lesion id of each map. Deterministic: groups
 *  are ordered by their smallest earlier id, then new lesions by id. */
std::vector<LesionChange>
MatchLesionsAcrossTime(const LabelImageType *             from,
                       const LabelImageType *             toInFromSpace,
                       const std::vector<MatchedLesion> & fromLesions,
                       const std::vector<MatchedLesion> & toLesions,
                       const MatchingCriteria &           criteria = {});

/** Edema change between two timepoints on the earlier grid: volume gained, volume lost, and the net. */
struct RegionChange
{
  double grownMm3{ 0 };
  double shrunkMm3{ 0 };
  double
  NetMm3() const
  {
    return grownMm3 - shrunkMm3;
  }
};
RegionChange
CompareRegions(const LabelImageType * before, const LabelImageType * afterInBeforeSpace);

} // namespace cordresponse

#endif
