#ifndef cordresponse_QcImages_h
#define cordresponse_QcImages_h

#include "cordresponse/ImageIO.h"

#include <opencv2/core.hpp>

#include <filesystem>
#include <string>

namespace cordresponse {

/** Display planes, in radiological convention. Sagittal: screen right = posterior, screen down =
 *  inferior. Axial: screen right = patient left, screen down = posterior. */
enum class DisplayPlane
{
  Sagittal,
  Axial
};

/** A display window through physical space (LPS, mm), resampled independently of the voxel grid so
 *  that any image of the case can be shown in the same frame. */
struct SliceView
{
  DisplayPlane         plane{ DisplayPlane::Sagittal };
  ImageType::PointType centre; // centre of the view (LPS mm)
  double               widthMm{ 160 };
  double               heightMm{ 160 };
  double               pixelMm{ 0.4 };
};

/** Intensity window from robust percentiles of the image (low, high). */
std::pair<double, double>
RobustWindow(const ImageType * image, double lowPercentile = 1.0, double highPercentile = 99.5);

/** Grey-level rendering (BGR, 8 bit) of `image` in `view` (linear interpolation; black outside). */
cv::Mat
RenderSlice(const ImageType * image, const SliceView & view, std::pair<double, double> window);

/** Draw the outline of the voxels of `labels` equal to `label` (or of all non-zero voxels when `label`
 *  is 0) onto `canvas` in `colour` (BGR). */
void
DrawLabelContour(cv::Mat &              canvas,
                 const LabelImageType * labels,
                 const SliceView &      view,
                 unsigned int           label,
                 const cv::Scalar &     colour,
                 int                    thickness = 1);

/** Put a caption at the top-left corner. */
void
DrawCaption(cv::Mat & canvas, const std::string & text);

/** Encode as PNG and write atomically. Throws OutputError. */
void
SavePng(const cv::Mat & image, const std::filesystem::path & path);

} // namespace cordresponse

#endif
