#ifndef cordresponse_Transforms_h
#define cordresponse_Transforms_h

// Transform files, matrices and resampling. Conventions as in Registration.h: a transform maps a point
// of the fixed (baseline) space to the moving (follow-up) space, LPS, millimetres.

#include "cordresponse/Registration.h"

#include <filesystem>
#include <string>

namespace cordresponse {

/** Write a transform as an ITK text transform file (.tfm or .txt; Insight Transform File V1.0),
 *  atomically. 3D Slicer loads such a file as a linear transform (or a composite one when it holds a
 *  B-spline): T is stored as Slicer's "from parent" transform (fixed/baseline point -> moving/follow-up
 *  point, LPS; Slicer converts to RAS). Throws OutputError. */
void
WriteTransformFile(const TransformType * transform, const std::filesystem::path & path);

/** Read a transform written by WriteTransformFile (or any ITK 3-D double/float transform file the text
 *  reader understands). Throws InputError("<path>: <problem>") for a missing, empty, corrupt or wrong-kind
 *  (not 3-D, more than one unrelated transform) file. */
TransformType::Pointer
ReadTransformFile(const std::filesystem::path & path);

/** True when the transform is a matrix-and-offset transform (rigid, similarity, affine, identity...). */
bool
IsLinear(const TransformType * transform);

/** The 4x4 homogeneous matrix of a linear transform; for a composite transform, of its linear
 *  components composed (the B-spline part is left out). Throws std::invalid_argument otherwise. */
Matrix4
TransformMatrix(const TransformType * transform);

/** The matrix as four text rows ("m00 m01 m02 m03\n..."), full precision. */
std::string
FormatMatrix(const Matrix4 & matrix);

enum class Interpolation
{
  Linear,
  NearestNeighbour
};

/** `image` (in moving space) resampled onto the grid of `reference` (fixed space) through `transform`
 *  (fixed -> moving): output(p) = image(transform(p)); 0 outside. */
ImageType::Pointer
ResampleToReference(const ImageType *         image,
                    const itk::ImageBase<3> * reference,
                    const TransformType *     transform,
                    Interpolation             interpolation = Interpolation::Linear);

/** Label maps: nearest neighbour. */
LabelImageType::Pointer
ResampleLabelsToReference(const LabelImageType *    labels,
                          const itk::ImageBase<3> * reference,
                          const TransformType *     transform);

} // namespace cordresponse

#endif
