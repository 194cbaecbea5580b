// QC images (OpenCV) and the self-contained report.html of a finished case.
#include "cordresponse/AtomicFile.h"
#include "cordresponse/CaseQc.h"
#include "cordresponse/QcImages.h"
#include "cordresponse/Text.h"
#include "cordresponse/Transforms.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <fstream>
#include <iomanip>
#include <sstream>

namespace cordresponse {
namespace fs = std::filesystem;

namespace {
const cv::Scalar LesionColour(0, 0, 255);  // red
const cv::Scalar EdemaColour(0, 220, 255); // yellow
const cv::Scalar CordColour(255, 200, 0);  // cyan

/** One exam in baseline space: its T1 post and label maps resampled onto the baseline grid. */
struct ExamInBaseline
{
  std::string             label;
  ImageType::Pointer      t1post;
  LabelImageType::Pointer cord, lesions, edema;
};

ExamInBaseline
InBaseline(const TimepointResult & t, const TimepointResult & baseline)
{
  ExamInBaseline e;
  e.label = t.inputs.label;
  if (&t == &baseline)
  {
    e.t1post = t.t1post, e.cord = t.segmentation.cord, e.lesions = t.segmentation.lesions,
    e.edema = t.segmentation.edema;
    return e;
  }
  e.t1post = ResampleToReference(t.t1post, baseline.t1post, t.toBaseline, Interpolation::Linear);
  e.cord = ResampleLabelsToReference(t.segmentation.cord, baseline.t1post, t.toBaseline);
  e.lesions = ResampleLabelsToReference(t.segmentation.lesions, baseline.t1post, t.toBaseline);
  e.edema = ResampleLabelsToReference(t.segmentation.edema, baseline.t1post, t.toBaseline);
  return e;
}

cv::Mat
Panel(const ExamInBaseline & e, const SliceView & view, std::pair<double, double> window, const std::string & caption)
{
  cv::Mat canvas = RenderSlice(e.t1post, view, window);
  DrawLabelContour(canvas, e.cord, view, 0, CordColour);
  DrawLabelContour(canvas, e.edema, view, 0, EdemaColour);
  DrawLabelContour(canvas, e.lesions, view, 0, LesionColour, 2);
  DrawCaption(canvas, caption);
  return canvas;
}

cv::Mat
SideBySide(const std::vector<cv::Mat> & panels)
{
  std::vector<cv::Mat> spaced;
  for (std::size_t i = 0; i < panels.size(); ++i)
  {
    if (i > 0)
    {
      spaced.emplace_back(panels[i].rows, 4, CV_8UC3, cv::Scalar(255, 255, 255));
    }
    spaced.push_back(panels[i]);
  }
  cv::Mat out;
  cv::hconcat(spaced, out);
  return out;
}

std::string
Fixed(double v, int digits = 1)
{
  std::ostringstream os;
  os << std::fixed << std::setprecision(digits) << v;
  return os.str();
}

/** One line chart of per-exam values with its own vertical scale. */
cv::Mat
LineChart(const std::vector<std::string> & labels,
          const std::string &              title,
          const std::vector<double> &      values,
          const cv::Scalar &               colour)
{
  const int width = 640, height = 220, left = 70, right = 60, top = 34, bottom = 40;
  cv::Mat   chart(height, width, CV_8UC3, cv::Scalar(255, 255, 255));
  double    maximum = 1.0;
  for (double v : values)
  {
    maximum = std::max(maximum, v);
  }
  const cv::Scalar axis(60, 60, 60);
  cv::putText(chart, title + " (mm^3)", { left, 20 }, cv::FONT_HERSHEY_SIMPLEX, 0.5, colour, 1, cv::LINE_AA);
  cv::line(chart, { left, height - bottom }, { width - right, height - bottom }, axis);
  cv::line(chart, { left, top }, { left, height - bottom }, axis);
  auto x = [&](std::size_t i) {
    return labels.size() < 2 ? left + (width - left - right) / 2
                             : left + 20 + static_cast<int>(i * (width - left - right - 40) / (labels.size() - 1));
  };
  auto y = [&](double v) { return height - bottom - static_cast<int>(v / maximum * (height - top - bottom)); };
  for (int k = 0; k <= 4; ++k)
  {
    const double v = maximum * k / 4.0;
    cv::putText(chart, Fixed(v, 0), { 5, y(v) + 4 }, cv::FONT_HERSHEY_SIMPLEX, 0.4, axis, 1, cv::LINE_AA);
    cv::line(chart, { left - 4, y(v) }, { left, y(v) }, axis);
  }
  for (std::size_t i = 0; i < labels.size(); ++i)
  {
    int        baseline = 0;
    const auto size = cv::getTextSize(labels[i], cv::FONT_HERSHEY_SIMPLEX, 0.45, 1, &baseline);
    cv::putText(chart, labels[i], { x(i) - size.width / 2, height - bottom + 20 }, cv::FONT_HERSHEY_SIMPLEX, 0.45, axis,
                1, cv::LINE_AA);
  }
  for (std::size_t i = 0; i < values.size(); ++i)
  {
    cv::circle(chart, { x(i), y(values[i]) }, 4, colour, cv::FILLED, cv::LINE_AA);
    if (i > 0)
    {
      cv::line(chart, { x(i - 1), y(values[i - 1]) }, { x(i), y(values[i]) }, colour, 2, cv::LINE_AA);
    }
  }
  return chart;
}

/** Stacked line charts, one per series (each with its own scale: foci and edema differ by orders). */
cv::Mat
TimelineChart(const std::vector<std::string> &                                 labels,
              const std::vector<std::pair<std::string, std::vector<double>>> & series)
{
  const cv::Scalar     colours[] = { { 0, 0, 220 }, { 0, 170, 230 }, { 200, 120, 0 }, { 0, 160, 0 } };
  std::vector<cv::Mat> panels;
  for (std::size_t s = 0; s < series.size(); ++s)
  {
    panels.push_back(LineChart(labels, series[s].first, series[s].second, colours[s % 4]));
  }
  cv::Mat out;
  cv::vconcat(panels, out);
  return out;
}

std::string
Base64(const std::vector<unsigned char> & bytes)
{
  static const char * table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string         out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3)
  {
    const unsigned int n =
      (bytes[i] << 16) | ((i + 1 < bytes.size() ? bytes[i + 1] : 0) << 8) | (i + 2 < bytes.size() ? bytes[i + 2] : 0);
    out += table[(n >> 18) & 63];
    out += table[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? table[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? table[n & 63] : '=';
  }
  return out;
}

} // namespace

std::vector<QcImage>
WriteQcImages(const CaseResult & result, const fs::path & directory)
{
  std::vector<QcImage>        written;
  const auto &                baseline = result.timepoints.front();
  std::vector<ExamInBaseline> exams;
  for (const auto & t : result.timepoints)
  {
    exams.push_back(InBaseline(t, baseline));
  }
  const auto window = RobustWindow(baseline.t1post, 1.0, 99.8);
  auto       save = [&](const cv::Mat & image, const std::string & name, const std::string & caption) {
    SavePng(image, directory / name);
    written.push_back({ name, caption });
  };

  // Each lesion of every exam, at its centroid in baseline space, in every exam side by side.
  struct Focus
  {
    std::string           name;
    std::array<double, 3> centre;
  };
  std::vector<Focus> foci;
  for (std::size_t i = 0; i < result.timepoints.size(); ++i)
  {
    const auto & t = result.timepoints[i];
    for (const auto & m : t.lesionMeasurements)
    {
      const std::array<double, 3> c = ToBaselineSpace(t, m.centroidLps);
      const bool                  seen = std::any_of(foci.begin(), foci.end(), [&](const Focus & f) {
        return std::hypot(f.centre[0] - c[0], f.centre[1] - c[1], f.centre[2] - c[2]) < 5.0;
      });
      if (!seen)
      {
        foci.push_back(
          { t.inputs.label + " lesion " + std::to_string(m.id) + (m.levels.empty() ? "" : " (" + m.levels + ")"), c });
      }
    }
  }
  for (std::size_t f = 0; f < foci.size(); ++f)
  {
    for (const auto plane : { DisplayPlane::Sagittal, DisplayPlane::Axial })
    {
      SliceView view;
      view.plane = plane;
      for (unsigned int d = 0; d < 3; ++d)
      {
        view.centre[d] = foci[f].centre[d];
      }
      view.widthMm = plane == DisplayPlane::Sagittal ? 60 : 50;
      view.heightMm = plane == DisplayPlane::Sagittal ? 90 : 50;
      view.pixelMm = plane == DisplayPlane::Sagittal ? 0.2 : 0.15;
      std::vector<cv::Mat> panels;
      for (const auto & e : exams)
      {
        panels.push_back(Panel(e, view, window, e.label));
      }
      const std::string planeName = plane == DisplayPlane::Sagittal ? "sagittal" : "axial";
      save(SideBySide(panels), "qc/focus" + std::to_string(f + 1) + "_" + planeName + ".png",
           foci[f].name + ", " + planeName + ", every exam in baseline space");
    }
  }
  // Overview: the whole baseline sagittal field of view, every exam.
  {
    SliceView                       view;
    const auto                      size = baseline.t1post->GetLargestPossibleRegion().GetSize();
    itk::ContinuousIndex<double, 3> middle;
    for (unsigned int d = 0; d < 3; ++d)
    {
      middle[d] = 0.5 * (size[d] - 1.0);
    }
    baseline.t1post->TransformContinuousIndexToPhysicalPoint(middle, view.centre);
    if (!baseline.lesionMeasurements.empty())
    {
      view.centre[0] = baseline.lesionMeasurements.front().centroidLps[0];
    }
    view.widthMm = 160, view.heightMm = 300, view.pixelMm = 0.5;
    std::vector<cv::Mat> panels;
    for (const auto & e : exams)
    {
      panels.push_back(Panel(e, view, window, e.label));
    }
    save(SideBySide(panels), "qc/overview_sagittal.png", "Sagittal overview: foci (red), edema (yellow), cord (cyan)");
  }
  // Timeline of volumes.
  std::vector<std::string> labels;
  std::vector<double>      enhancing, edema;
  for (const auto & t : result.timepoints)
  {
    labels.push_back(t.inputs.label);
    enhancing.push_back(EnhancingVolumeMm3(t));
    edema.push_back(t.edemaMeasurement.volumeMm3);
  }
  save(TimelineChart(labels, { { "enhancing foci (total)", enhancing }, { "edema", edema } }), "qc/timeline.png",
       "Volumes over time");
  return written;
}

void
WriteHtmlReport(const CaseResult & result, const std::vector<QcImage> & images, const fs::path & directory)
{
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>CordResponse report: "
    << EscapeMarkup(result.inputs.id) << "</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:1200px}"
    << "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:4px 8px;text-align:right}"
    << "th{background:#eee}td.l,th.l{text-align:left}.cat{font-weight:bold;font-size:1.2em}img{max-width:100%;"
    << "border:1px solid #ccc;margin:0.5em 0}.note{color:#555;font-size:0.9em}</style></head><body>\n";
  h << "<h1>Spinal cord lesion response: " << EscapeMarkup(result.inputs.id) << "</h1>\n";
  h << "<p class=\"note\">CordResponse: automatic measurements for research use; review the images. Coordinates: "
       "LPS mm. Volumes: partial-volume estimates where available.</p>\n";
  h << "<h2>Summary</h2>\n<table id=\"summary\"><tr><th class=\"l\">exam</th><th>enhancing foci</th>"
       "<th>enhancing volume (mm&sup3;)</th><th>edema (mm&sup3;)</th><th class=\"l\">edema levels</th>"
       "<th class=\"l\">RANO-BM</th><th class=\"l\">volumetric</th></tr>\n";
  for (std::size_t i = 0; i < result.timepoints.size(); ++i)
  {
    const auto & t = result.timepoints[i];
    const double v = EnhancingVolumeMm3(t);
    h << "<tr><td class=\"l\">" << EscapeMarkup(t.inputs.label) << "</td><td>" << t.lesionMeasurements.size()
      << "</td><td>" << Fixed(v) << "</td><td>" << Fixed(t.edemaMeasurement.volumeMm3) << "</td><td class=\"l\">"
      << EscapeMarkup(t.edemaMeasurement.levels) << "</td>";
    if (i == 0)
    {
      h << "<td class=\"l\">baseline</td><td class=\"l\">baseline</td>";
    }
    else
    {
      const auto & r = result.responses.at(i - 1);
      h << "<td class=\"l\"><span class=\"cat\">" << r.ranoBm << "</span> " << EscapeMarkup(r.ranoBmBasis)
        << "</td><td class=\"l\"><span class=\"cat\">" << r.volumetric << "</span> " << EscapeMarkup(r.volumetricBasis)
        << "</td>";
    }
    h << "</tr>\n";
  }
  h << "</table>\n";
  if (!result.responses.empty() && !result.responses.back().notJudged.empty())
  {
    h << "<p class=\"note\">Not judged by the tool: ";
    for (const auto & n : result.responses.back().notJudged)
    {
      h << EscapeMarkup(n) << "; ";
    }
    h << "</p>\n";
  }
  h << "<h2>Lesions</h2>\n<table id=\"lesions\"><tr><th class=\"l\">exam</th><th>id</th><th class=\"l\">levels</th>"
       "<th>volume (mm&sup3;)</th><th>partial volume (mm&sup3;)</th><th>sagittal LD (mm)</th><th>perpendicular "
       "(mm)</th>"
       "<th>3-D LD (mm)</th><th>enhancement (mean)</th><th class=\"l\">RANO-BM measurable</th></tr>\n";
  for (const auto & t : result.timepoints)
  {
    for (const auto & m : t.lesionMeasurements)
    {
      h << "<tr><td class=\"l\">" << EscapeMarkup(t.inputs.label) << "</td><td>" << m.id
        << (m.foundOnReexamination ? " (found on re-examination)" : "") << "</td><td class=\"l\">"
        << EscapeMarkup(m.levels) << "</td><td>" << Fixed(m.volumeMm3) << "</td><td>"
        << (m.partialVolumeMm3 ? Fixed(*m.partialVolumeMm3) : std::string("")) << "</td><td>"
        << Fixed(m.sagittalLongestDiameterMm) << "</td><td>" << Fixed(m.sagittalPerpendicularMm) << "</td><td>"
        << Fixed(m.longestDiameter3dMm) << "</td><td>" << Fixed(m.meanEnhancementRatio, 2) << "</td><td class=\"l\">"
        << (m.ranoMeasurable ? "yes" : "no") << "</td></tr>\n";
    }
  }
  h << "</table>\n<h2>Changes</h2>\n<table id=\"changes\"><tr><th class=\"l\">exam</th><th class=\"l\">from ids</th>"
       "<th class=\"l\">to ids</th><th class=\"l\">status</th><th>volume change (%)</th></tr>\n";
  for (std::size_t i = 1; i < result.timepoints.size(); ++i)
  {
    for (const auto & c : result.timepoints[i].changesFromPrevious)
    {
      auto ids = [](const std::vector<unsigned int> & v) {
        std::string s;
        for (unsigned int id : v)
        {
          s += (s.empty() ? "" : ", ") + std::to_string(id);
        }
        return s.empty() ? std::string("-") : s;
      };
      h << "<tr><td class=\"l\">" << EscapeMarkup(result.timepoints[i].inputs.label) << "</td><td class=\"l\">"
        << ids(c.fromIds) << "</td><td class=\"l\">" << ids(c.toIds) << "</td><td class=\"l\">" << c.status
        << "</td><td>" << (c.fromIds.empty() ? std::string("") : Fixed(c.volumePercent)) << "</td></tr>\n";
    }
  }
  h << "</table>\n<h2>Images</h2>\n";
  for (const auto & image : images)
  {
    std::ifstream              in(directory / image.file, std::ios::binary);
    std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    h << "<figure><img class=\"qc\" alt=\"" << EscapeMarkup(image.caption) << "\" src=\"data:image/png;base64,"
      << Base64(bytes) << "\"><figcaption>" << EscapeMarkup(image.caption) << "</figcaption></figure>\n";
  }
  // Lets a headless browser confirm the images decoded (tests read this attribute from the DOM).
  h << "<script>window.addEventListener('load',function(){var n=0;document.querySelectorAll('img.qc').forEach("
       "function(i){if(i.naturalWidth>0)n++;});document.body.setAttribute('data-images-decoded',n);});</script>\n";
  h << "</body></html>\n";
  WriteFileAtomically(directory / "report.html", h.str());
}

} // namespace cordresponse
