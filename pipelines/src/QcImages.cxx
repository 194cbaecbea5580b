#include "cordresponse/QcImages.h"

#include "cordresponse/AtomicFile.h"
#include "cordresponse/Errors.h"

#include "itkLinearInterpolateImageFunction.h"
#include "itkNearestNeighborInterpolateImageFunction.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <vector>

namespace cordresponse {
namespace {
/** Physical point of display pixel (row, col). */
ImageType::PointType
PixelToPoint(const SliceView & view, int row, int col, int rows, int cols)
{
  ImageType::PointType p = view.centre;
  const double         u = (col + 0.5 - 0.5 * cols) * view.pixelMm; // screen right
  const double         v = (row + 0.5 - 0.5 * rows) * view.pixelMm; // screen down
  if (view.plane == DisplayPlane::Sagittal)
  {
    p[1] += u; // posterior
    p[2] -= v; // inferior
  }
  else
  {
    p[0] += u; // patient left
    p[1] += v; // posterior
  }
  return p;
}

cv::Size
ViewSize(const SliceView & view)
{
  return { std::max(1, static_cast<int>(view.widthMm / view.pixelMm)),
           std::max(1, static_cast<int>(view.heightMm / view.pixelMm)) };
}
} // namespace

std::pair<double, double>
RobustWindow(const ImageType * image, double lowPercentile, double highPercentile)
{
  const float *      p = image->GetBufferPointer();
  const std::size_t  n = image->GetPixelContainer()->Size();
  std::vector<float> sample;
  sample.reserve(n / 7 + 1);
  for (std::size_t i = 0; i < n; i += 7)
  {
    sample.push_back(p[i]);
  }
  auto at = [&](double percentile) {
    const auto k = static_cast<std::size_t>(percentile / 100.0 * (sample.size() - 1));
    std::nth_element(sample.begin(), sample.begin() + k, sample.end());
    return static_cast<double>(sample[k]);
  };
  const double lo = at(lowPercentile);
  const double hi = at(highPercentile);
  return { lo, hi > lo ? hi : lo + 1.0 };
}

cv::Mat
RenderSlice(const ImageType * image, const SliceView & view, std::pair<double, double> window)
{
  const cv::Size size = ViewSize(view);
  cv::Mat        out(size, CV_8UC3, cv::Scalar(0, 0, 0));
  auto           interpolator = itk::LinearInterpolateImageFunction<ImageType, double>::New();
  interpolator->SetInputImage(image);
  const double scale = 255.0 / (window.second - window.first);
  for (int r = 0; r < size.height; ++r)
  {
    auto * row = out.ptr<cv::Vec3b>(r);
    for (int c = 0; c < size.width; ++c)
    {
      const auto                      p = PixelToPoint(view, r, c, size.height, size.width);
      itk::ContinuousIndex<double, 3> ci;
      if (!image->TransformPhysicalPointToContinuousIndex(p, ci) || !interpolator->IsInsideBuffer(ci))
      {
        continue;
      }
      const double v = std::clamp((interpolator->EvaluateAtContinuousIndex(ci) - window.first) * scale, 0.0, 255.0);
      const auto   g = static_cast<unsigned char>(v);
      row[c] = cv::Vec3b(g, g, g);
    }
  }
  return out;
}

void
DrawLabelContour(cv::Mat &              canvas,
                 const LabelImageType * labels,
                 const SliceView &      view,
                 unsigned int           label,
                 const cv::Scalar &     colour,
                 int                    thickness)
{
  const cv::Size size = ViewSize(view);
  cv::Mat        mask(size, CV_8UC1, cv::Scalar(0));
  auto           nearest = itk::NearestNeighborInterpolateImageFunction<LabelImageType, double>::New();
  nearest->SetInputImage(labels);
  for (int r = 0; r < size.height; ++r)
  {
    auto * row = mask.ptr<unsigned char>(r);
    for (int c = 0; c < size.width; ++c)
    {
      const auto                      p = PixelToPoint(view, r, c, size.height, size.width);
      itk::ContinuousIndex<double, 3> ci;
      if (!labels->TransformPhysicalPointToContinuousIndex(p, ci) || !nearest->IsInsideBuffer(ci))
      {
        continue;
      }
      const auto v = static_cast<unsigned int>(nearest->EvaluateAtContinuousIndex(ci));
      row[c] = (label == 0 ? v != 0 : v == label) ? 255 : 0;
    }
  }
  std::vector<std::vector<cv::Point>> contours;
  cv::findContours(mask, contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_NONE);
  cv::drawContours(canvas, contours, -1, colour, thickness, cv::LINE_AA);
}

void
DrawCaption(cv::Mat & canvas, const std::string & text)
{
  cv::putText(canvas, text, { 8, 20 }, cv::FONT_HERSHEY_SIMPLEX, 0.5, cv::Scalar(0, 0, 0), 3, cv::LINE_AA);
  cv::putText(canvas, text, { 8, 20 }, cv::FONT_HERSHEY_SIMPLEX, 0.5, cv::Scalar(255, 255, 255), 1, cv::LINE_AA);
}

void
SavePng(const cv::Mat & image, const std::filesystem::path & path)
{
  std::vector<unsigned char> bytes;
  if (!cv::imencode(".png", image, bytes))
  {
    throw OutputError(path, "PNG encoding failed");
  }
  WriteFileAtomically(path, std::string_view(reinterpret_cast<const char *>(bytes.data()), bytes.size()));
}

} // namespace cordresponse
