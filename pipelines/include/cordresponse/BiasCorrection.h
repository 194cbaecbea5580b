#ifndef cordresponse_BiasCorrection_h
#define cordresponse_BiasCorrection_h

#include "cordresponse/ImageIO.h"

#include <filesystem>

namespace cordresponse {

/** Preprocessing of every image of a case before alignment and segmentation: N4 bias-field correction fitted
 *  on a coarse in-plane working grid inside the body foreground and applied at full resolution
 *  (itk::FastN4BiasFieldCorrectionImageFilter). See docs/preprocessing.md for the choices. */
struct BiasCorrectionParameters
{
  bool         enabled{ true };       ///< off: images are used as read (`--no-bias-correction`)
  double       workingSpacing{ 4.0 }; ///< target spacing of the fitting grid (mm); thicker axes are kept
  unsigned int fittingLevels{ 3 };    ///< B-spline levels (control-point spans double per level)
  unsigned int iterations{ 5 };       ///< maximum N4 iterations per level
  unsigned int controlPoints{ 4 };    ///< control points per axis at the first level
  double       convergenceThreshold{ 0.001 };
  double       foregroundFraction{ 0.1 };   ///< fitting region: above this fraction of the 99.5th percentile
  unsigned int maximumFittedVoxels{ 5000 }; ///< at most this many working samples are fitted (uniform subset)
};

/** What a correction did (for reports and QC). */
struct BiasCorrectionResult
{
  ImageType::Pointer corrected; ///< input / field, on the input grid, same intensity scale (median kept)
  ImageType::Pointer field;     ///< the multiplicative bias field (positive, smooth)
  double             minimumField{ 0 }, maximumField{ 0 };
  unsigned int       iterations{ 0 };
};

/** Correct one image. Throws InputError naming `path` when the image cannot be corrected (e.g. a single slice,
 *  no positive foreground). */
BiasCorrectionResult
CorrectBiasField(const ImageType *                image,
                 const BiasCorrectionParameters & parameters,
                 const std::filesystem::path &    path);

} // namespace cordresponse

#endif
