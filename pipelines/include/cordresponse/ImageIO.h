#ifndef cordresponse_ImageIO_h
#define cordresponse_ImageIO_h

#include "itkImage.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace cordresponse {

/** Intensity images: any scalar input is converted to float on reading. */
using ImageType = itk::Image<float, 3>;
/** Label maps (cord, lesion ids, edema, vertebral levels): 0 is background. */
using LabelImageType = itk::Image<std::uint16_t, 3>;

/** How to read an image. */
struct ReadOptions
{
  /** For a DICOM directory holding several series, the SeriesInstanceUID to read. */
  std::string dicomSeriesUid;
};

/** Read a 3-D scalar intensity image from NIfTI (.nii, .nii.gz, .hdr/.img), NRRD (.nrrd, .nhdr),
 *  MetaImage (.mha, .mhd), or a directory holding a DICOM series (slices sorted by position).
 *
 *  The physical geometry (origin, spacing, direction) is kept as ITK gives it: LPS, millimetres.
 *  Before returning, the image is validated: the file is complete (truncated or corrupt files are
 *  caught even where ITK's own reader would zero-fill), 3-D (a 4-D file with one volume is accepted),
 *  scalar, at least 2 voxels and at most 4096 along every axis, spacing positive and finite, direction
 *  orthonormal, every voxel finite, and not blank (all voxels equal).
 *  Throws InputError("<path>: <problem>") otherwise. */
ImageType::Pointer
LoadImage(const std::filesystem::path & path, const ReadOptions & options = {});

/** Read a label map: as LoadImage, but values must be whole numbers in [0, 65535]. An all-zero
 *  label map is valid here; callers that need a non-empty mask check with RequireNonEmpty(). */
LabelImageType::Pointer
LoadLabelImage(const std::filesystem::path & path, const ReadOptions & options = {});

/** Throws InputError if `labels` has no non-zero voxel (`what` names the map, e.g. "cord mask"). */
void
RequireNonEmpty(const LabelImageType * labels, const std::filesystem::path & path, const std::string & what);

/** How SaveImage stores intensities: as 32-bit floats, or rounded and clamped to 16-bit integers (as
 *  scanners and DICOM store MR magnitude images; half the size, compresses better). */
enum class PixelStorage
{
  Float32,
  Int16
};

/** Write an image or label map atomically (temporary sibling + rename, see AtomicOutputPath). The
 *  format follows the extension: .nii.gz / .nii / .nrrd / .mha (compressed where the format allows).
 *  Two-file formats (.mhd/.raw, .hdr/.img, .nhdr) are refused: they cannot be written atomically.
 *  Throws OutputError. */
void
SaveImage(const ImageType * image, const std::filesystem::path & path, PixelStorage storage = PixelStorage::Float32);
void
SaveLabelImage(const LabelImageType * labels, const std::filesystem::path & path);

/** SeriesInstanceUIDs of the DICOM series in a directory (empty if none). */
std::vector<std::string>
ListDicomSeries(const std::filesystem::path & directory);

/** Register the ITK image and transform I/O factories this project uses (idempotent, thread-safe).
 *  Called by every read/write function; exposed for code that uses ITK readers directly. */
void
RegisterIOFactories();

} // namespace cordresponse

#endif
