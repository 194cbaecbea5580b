// Renders a phantom case and writes its images, truth label maps, truth transform and truth JSON.
#include "cordresponse/Phantom.h"

#include "cordresponse/AtomicFile.h"
#include "cordresponse/Errors.h"
#include "cordresponse/ImageIO.h"
#include "cordresponse/Measurements.h"
#include "cordresponse/Response.h"
#include "cordresponse/Version.h"

#include "itkAffineTransform.h"
#include "itkMath.h"
#include "itkSpinalLevels.h"
#include "itkSpinalPhantomImageSource.h"
#include "itkTransformFileWriter.h"

#include <nlohmann/json.hpp>
#include <tbb/parallel_for_each.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <map>
#include <set>

namespace cordresponse {
namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {
using Model = itk::SpinalPhantomModel;
using Source = itk::SpinalPhantomImageSource;
using Matrix3 = itk::Matrix<double, 3, 3>;
using Vector3 = itk::Vector<double, 3>;

Matrix3
Rotation(const std::array<double, 3> & degrees)
{
  const double a = degrees[0] * itk::Math::pi / 180.0;
  const double b = degrees[1] * itk::Math::pi / 180.0;
  const double g = degrees[2] * itk::Math::pi / 180.0;
  Matrix3      rx, ry, rz;
  rx.SetIdentity();
  ry.SetIdentity();
  rz.SetIdentity();
  rx(1, 1) = std::cos(a), rx(1, 2) = -std::sin(a), rx(2, 1) = std::sin(a), rx(2, 2) = std::cos(a);
  ry(0, 0) = std::cos(b), ry(0, 2) = std::sin(b), ry(2, 0) = -std::sin(b), ry(2, 2) = std::cos(b);
  rz(0, 0) = std::cos(g), rz(0, 1) = -std::sin(g), rz(1, 0) = std::sin(g), rz(1, 1) = std::cos(g);
  return rz * ry * rx;
}

/** Where a timepoint's exam is: grid geometry and the patient motion (body -> scanner). */
struct Exam
{
  Source::SizeType      size;
  Source::SpacingType   spacing;
  Source::PointType     origin;
  Source::DirectionType direction;
  Matrix3               rotation;
  Vector3               translation;

  Model::PointType
  ToScanner(const Model::PointType & p) const
  {
    Model::PointType q;
    for (unsigned int r = 0; r < 3; ++r)
    {
      q[r] = translation[r];
      for (unsigned int c = 0; c < 3; ++c)
      {
        q[r] += rotation(r, c) * p[c];
      }
    }
    return q;
  }
  PhantomExamGeometry
  Geometry() const
  {
    return { size, spacing, origin, direction, rotation, translation };
  }
};

/** The body-frame point at the centre of the field of view. */
Model::PointType
FieldOfViewCentre(const PhantomCase & c, const Model & model)
{
  Model::PointType centre;
  double           z = 0.0;
  double           yOffset = 0.0;
  switch (c.grid)
  {
    case PhantomGrid::Clinical:
      z = model.DiscAbove(19); // T11-T12: the field of view spans about T6 to L3
      yOffset = -55.0;         // the torso's centre: whole antero-posterior extent in view
      break;
    case PhantomGrid::Isotropic:
      z = model.DiscAbove(19);
      yOffset = -30.0;
      break;
    case PhantomGrid::Test:
      z = 0.5 * (model.DiscAbove(17) + model.DiscAbove(20)); // T9-T10 to T12-L1
      yOffset = -12.0;
      break;
  }
  centre = model.CordCentre(z);
  centre[1] += yOffset;
  return centre;
}

Exam
MakeExam(const PhantomCase & c, const PhantomTimepoint & t, const Model & model)
{
  Exam e;
  switch (c.grid)
  {
    case PhantomGrid::Clinical:
      e.size = { { 512, 512, 20 } };
      e.spacing[0] = 0.6, e.spacing[1] = 0.6, e.spacing[2] = 3.0;
      break;
    case PhantomGrid::Isotropic:
      e.size = { { 240, 300, 60 } };
      e.spacing.Fill(1.0);
      break;
    case PhantomGrid::Test:
      e.size = { { 200, 280, 16 } };
      e.spacing[0] = 0.6, e.spacing[1] = 0.6, e.spacing[2] = 3.0;
      break;
  }
  if (c.sliceThickness > 0.0)
  {
    const double extent = e.spacing[2] * e.size[2];
    e.size[2] =
      std::max<itk::SizeValueType>(1, static_cast<itk::SizeValueType>(std::lround(extent / c.sliceThickness)));
    e.spacing[2] = c.sliceThickness;
  }
  // Sagittal: columns run anterior -> posterior, rows superior -> inferior, slices right -> left,
  // tilted slightly (oblique planning) so the direction cosines are not trivial.
  Matrix3 sagittal;
  sagittal.Fill(0.0);
  sagittal(1, 0) = 1.0;
  sagittal(2, 1) = -1.0;
  sagittal(0, 2) = -1.0;
  e.direction = Rotation({ 4.0, 0.0, 2.0 }) * sagittal;

  const Model::PointType centre = FieldOfViewCentre(c, model);
  Model::PointType       gridCentre = centre;
  for (unsigned int d = 0; d < 3; ++d)
  {
    gridCentre[d] += t.fieldOfViewShift[d];
  }
  for (unsigned int r = 0; r < 3; ++r)
  {
    e.origin[r] = gridCentre[r];
    for (unsigned int a = 0; a < 3; ++a)
    {
      e.origin[r] -= e.direction(r, a) * e.spacing[a] * 0.5 * (e.size[a] - 1.0);
    }
  }
  // Motion about the centre of the field of view: q = R (p - C) + C + T.
  e.rotation = Rotation(t.motion.rotationDegrees);
  for (unsigned int r = 0; r < 3; ++r)
  {
    e.translation[r] = centre[r] + t.motion.translation[r];
    for (unsigned int a = 0; a < 3; ++a)
    {
      e.translation[r] -= e.rotation(r, a) * centre[a];
    }
  }
  return e;
}

json
Point(const Model::PointType & p)
{
  return json::array({ p[0], p[1], p[2] });
}

/** Geometric truth of one lesion (all ellipsoids with its id), computed in the body frame. */
struct LesionTruth
{
  unsigned int     id{ 0 };
  double           analyticVolume{ 0 };
  bool             closedForm{ false };
  double           numericVolume{ 0 };
  Model::PointType centroid;
  double           zMin{ 0 }, zMax{ 0 };
  double           longest3d{ 0 };
  double           sagittalLongest{ 0 };
  double           sagittalPerpendicular{ 0 };
  std::string      enhancement;
};

bool
InsideLesion(const Model & model, const std::vector<Model::Lesion> & parts, const Model::PointType & p)
{
  const auto cord = model.CordCentre(p[2]);
  const auto axes = model.CordSemiAxes(p[2]);
  if (axes[0] <= 0.0 ||
      std::pow((p[0] - cord[0]) / (axes[0] + 1.0), 2) + std::pow((p[1] - cord[1]) / (axes[1] + 1.0), 2) > 1.0)
  {
    return false;
  }
  for (const auto & l : parts)
  {
    if (model.InsideLesionEllipsoid(l, p))
    {
      return true;
    }
  }
  return false;
}

/** Points on the surface of an ellipsoid (or on its section by the plane x = planeX when sagittal). */
std::vector<Model::PointType>
SurfacePoints(const Model & model, const Model::Lesion & l, bool sagittal, double planeX)
{
  std::vector<Model::PointType> points;
  const auto                    centre = model.CordCentre(l.z);
  const double                  slope = model.CentrelineSlope(l.z);
  const double                  norm = std::sqrt(1.0 + slope * slope);
  auto                          emit = [&](double u, double v, double w) {
    // local (u, v, w) -> body: x = u; (y, z) = v * n + w * t with t = (slope, 1)/norm, n = (1, -slope)/norm
    Model::PointType p;
    p[0] = centre[0] + l.offsetX + u;
    p[1] = centre[1] + l.offsetY + (v + w * slope) / norm;
    p[2] = l.z + (w - v * slope) / norm;
    points.push_back(p);
  };
  if (sagittal)
  {
    const double u = planeX - (centre[0] + l.offsetX);
    const double s = 1.0 - std::pow(u / l.semiAxes[0], 2);
    if (s <= 0.0)
    {
      return points;
    }
    for (int i = 0; i < 720; ++i)
    {
      const double t = 2.0 * itk::Math::pi * i / 720.0;
      emit(u, l.semiAxes[1] * std::sqrt(s) * std::cos(t), l.semiAxes[2] * std::sqrt(s) * std::sin(t));
    }
    return points;
  }
  for (int i = 0; i <= 36; ++i)
  {
    const double th = itk::Math::pi * i / 36.0;
    for (int k = 0; k < 72; ++k)
    {
      const double ph = 2.0 * itk::Math::pi * k / 72.0;
      emit(l.semiAxes[0] * std::sin(th) * std::cos(ph), l.semiAxes[1] * std::sin(th) * std::sin(ph),
           l.semiAxes[2] * std::cos(th));
    }
  }
  return points;
}

/** Longest distance within a point set, and the extent perpendicular to it (in the set's plane). */
std::array<double, 2>
Diameters(const std::vector<Model::PointType> & points)
{
  double      longest = 0.0;
  std::size_t ia = 0, ib = 0;
  for (std::size_t i = 0; i < points.size(); ++i)
  {
    for (std::size_t j = i + 1; j < points.size(); ++j)
    {
      const double d = points[i].EuclideanDistanceTo(points[j]);
      if (d > longest)
      {
        longest = d, ia = i, ib = j;
      }
    }
  }
  if (points.size() < 2)
  {
    return { 0.0, 0.0 };
  }
  // Perpendicular within the sagittal (y, z) plane.
  const double dy = points[ib][1] - points[ia][1];
  const double dz = points[ib][2] - points[ia][2];
  const double n = std::hypot(dy, dz);
  double       lo = 1e300, hi = -1e300;
  for (const auto & p : points)
  {
    const double s = (p[1] * (-dz) + p[2] * dy) / std::max(n, 1e-12);
    lo = std::min(lo, s);
    hi = std::max(hi, s);
  }
  return { longest, hi - lo };
}

std::vector<LesionTruth>
ComputeLesionTruth(const Model & model)
{
  std::map<unsigned int, std::vector<Model::Lesion>> byId;
  for (const auto & l : model.GetLesions())
  {
    byId[l.id].push_back(l);
  }
  std::vector<LesionTruth> out;
  for (const auto & entry : byId)
  {
    const auto & parts = entry.second;
    LesionTruth  t;
    t.id = entry.first;
    t.enhancement = parts.front().enhancement == Model::Enhancement::Rim ? "rim" : "homogeneous";
    // Numeric volume and centroid on a 0.1 mm grid over the bounding box.
    double lo[3] = { 1e300, 1e300, 1e300 }, hi[3] = { -1e300, -1e300, -1e300 };
    for (const auto & l : parts)
    {
      const auto   c = model.CordCentre(l.z);
      const double r = std::max({ l.semiAxes[0], l.semiAxes[1], l.semiAxes[2] }) + 0.5;
      const double centre[3] = { c[0] + l.offsetX, c[1] + l.offsetY, l.z };
      for (unsigned int d = 0; d < 3; ++d)
      {
        lo[d] = std::min(lo[d], centre[d] - r);
        hi[d] = std::max(hi[d], centre[d] + r);
      }
    }
    const double h = 0.1;
    double       count = 0.0;
    double       sum[3] = { 0, 0, 0 };
    t.zMin = 1e300, t.zMax = -1e300;
    Model::PointType p;
    for (p[2] = lo[2] + 0.5 * h; p[2] < hi[2]; p[2] += h)
    {
      for (p[1] = lo[1] + 0.5 * h; p[1] < hi[1]; p[1] += h)
      {
        for (p[0] = lo[0] + 0.5 * h; p[0] < hi[0]; p[0] += h)
        {
          if (InsideLesion(model, parts, p))
          {
            count += 1.0;
            for (unsigned int d = 0; d < 3; ++d)
            {
              sum[d] += p[d];
            }
            t.zMin = std::min(t.zMin, p[2]);
            t.zMax = std::max(t.zMax, p[2]);
          }
        }
      }
    }
    t.numericVolume = count * h * h * h;
    for (unsigned int d = 0; d < 3; ++d)
    {
      t.centroid[d] = count > 0 ? sum[d] / count : 0.0;
    }
    t.zMin -= 0.5 * h;
    t.zMax += 0.5 * h;
    const auto & first = parts.front();
    const double closedForm = 4.0 / 3.0 * itk::Math::pi * first.semiAxes[0] * first.semiAxes[1] * first.semiAxes[2];
    // The closed form holds for a single ellipsoid that the cord surface (+1 mm) does not clip.
    t.closedForm = parts.size() == 1 && std::abs(t.numericVolume - closedForm) < 0.03 * closedForm;
    t.analyticVolume = t.closedForm ? closedForm : t.numericVolume;
    if (parts.size() == 1)
    {
      const auto & a = first.semiAxes;
      t.longest3d = 2.0 * std::max({ a[0], a[1], a[2] });
      t.sagittalLongest = 2.0 * std::max(a[1], a[2]);
      t.sagittalPerpendicular = 2.0 * std::min(a[1], a[2]);
    }
    else
    {
      std::vector<Model::PointType> surface, section;
      for (const auto & l : parts)
      {
        for (const auto & q : SurfacePoints(model, l, false, 0.0))
        {
          surface.push_back(q);
        }
        for (const auto & q : SurfacePoints(model, l, true, t.centroid[0]))
        {
          section.push_back(q);
        }
      }
      t.longest3d = Diameters(surface)[0];
      const auto sag = Diameters(section);
      t.sagittalLongest = sag[0];
      t.sagittalPerpendicular = sag[1];
    }
    out.push_back(t);
  }
  return out;
}

/** Edema truth: numeric volume and cranio-caudal extent of the T2-hyperintense cord (body frame). */
struct EdemaTruth
{
  double volume{ 0 };
  double zMin{ 0 }, zMax{ 0 };
};

EdemaTruth
ComputeEdemaTruth(const Model & model)
{
  EdemaTruth t;
  if (model.GetEdemas().empty())
  {
    return t;
  }
  double zlo = 1e300, zhi = -1e300;
  for (const auto & e : model.GetEdemas())
  {
    zlo = std::min(zlo, e.z - 0.5 * e.length);
    zhi = std::max(zhi, e.z + 0.5 * e.length);
  }
  const double h = 0.2;
  double       count = 0.0;
  t.zMin = 1e300, t.zMax = -1e300;
  Model::PointType p;
  for (p[2] = zlo + 0.5 * h; p[2] < zhi; p[2] += h)
  {
    const auto c = model.CordCentre(p[2]);
    const auto a = model.CordSemiAxes(p[2]);
    for (p[1] = c[1] - a[1] - 1.0; p[1] < c[1] + a[1] + 1.0; p[1] += h)
    {
      for (p[0] = c[0] - a[0] - 1.0; p[0] < c[0] + a[0] + 1.0; p[0] += h)
      {
        if (model.Classify(p).edema)
        {
          count += 1.0;
          t.zMin = std::min(t.zMin, p[2]);
          t.zMax = std::max(t.zMax, p[2]);
        }
      }
    }
  }
  t.volume = count * h * h * h;
  if (count == 0)
  {
    t.zMin = t.zMax = 0.0;
  }
  return t;
}

std::string
LevelSpan(const Model & model, double zMin, double zMax)
{
  return itk::SpinalLevels::SpanName(model.LevelAt(zMax), model.LevelAt(zMin));
}

template <typename TImage>
std::size_t
CountLabel(const TImage * image, unsigned int value, std::set<long> * slices = nullptr)
{
  std::size_t  n = 0;
  const auto   size = image->GetLargestPossibleRegion().GetSize();
  const auto * buffer = image->GetBufferPointer();
  for (std::size_t i = 0; i < image->GetPixelContainer()->Size(); ++i)
  {
    if (buffer[i] == value)
    {
      ++n;
      if (slices)
      {
        slices->insert(static_cast<long>(i / (size[0] * size[1])));
      }
    }
  }
  return n;
}

void
WriteTruthTransform(const Exam & baseline, const Exam & followup, const fs::path & path, json & out)
{
  // Baseline scanner point -> body point -> follow-up scanner point.
  const Matrix3 rbT(baseline.rotation.GetTranspose());
  const Matrix3 m = followup.rotation * rbT;
  Vector3       offset = followup.translation - m * baseline.translation;
  auto          transform = itk::AffineTransform<double, 3>::New();
  transform->SetMatrix(m);
  transform->SetOffset(offset);
  AtomicOutputPath destination(path);
  auto             writer = itk::TransformFileWriterTemplate<double>::New();
  writer->SetInput(transform);
  writer->SetFileName(destination.TemporaryPath().string());
  try
  {
    writer->Update();
  }
  catch (const itk::ExceptionObject & e)
  {
    throw OutputError(path, std::string("cannot write the transform: ") + e.GetDescription());
  }
  destination.Commit();
  json matrix = json::array();
  for (unsigned int r = 0; r < 4; ++r)
  {
    json row = json::array();
    for (unsigned int c = 0; c < 4; ++c)
    {
      row.push_back(r < 3 ? (c < 3 ? m(r, c) : offset[r]) : (c < 3 ? 0.0 : 1.0));
    }
    matrix.push_back(row);
  }
  out = { { "file", (path.parent_path().filename() / path.filename()).string() },
          { "matrix_lps", matrix },
          { "maps", "a baseline point (LPS mm) to the same anatomical point in the follow-up exam (ITK convention)" } };
}

LabelImageType::Pointer
DiscLabels(const Model & model, const Exam & exam, const ImageType * reference)
{
  auto labels = LabelImageType::New();
  labels->CopyInformation(reference);
  labels->SetRegions(reference->GetLargestPossibleRegion());
  labels->Allocate();
  labels->FillBuffer(0);
  for (const auto & v : model.GetVertebrae())
  {
    // Posterior tip of the disc above vertebra v (SCT disc label v), on the midline.
    const double     z = model.DiscAbove(v.level);
    Model::PointType p = model.CordCentre(z);
    p[1] += Model::CanalOffsetY - model.CanalSemiAxes(z)[1];
    const auto                q = exam.ToScanner(p);
    LabelImageType::IndexType index;
    if (labels->TransformPhysicalPointToIndex(q, index))
    {
      labels->SetPixel(index, static_cast<LabelImageType::PixelType>(v.level));
    }
  }
  return labels;
}

double
SumOfTargetDiameters(const std::vector<LesionTruth> & lesions, const std::set<unsigned int> & targets)
{
  double sum = 0.0;
  for (const auto & l : lesions)
  {
    sum += targets.count(l.id) ? l.sagittalLongest : 0.0;
  }
  return sum;
}

} // namespace

PhantomExamGeometry
ExamGeometry(const PhantomCase & c, std::size_t timepoint)
{
  return MakeExam(c, c.timepoints.at(timepoint), c.Model(timepoint)).Geometry();
}

PhantomWriteReport
WritePhantomCase(const PhantomCase & c, const fs::path & directory)
{
  using Clock = std::chrono::steady_clock;
  auto seconds = [](Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); };
  PhantomWriteReport report;
  RegisterIOFactories();
  json truth;
  truth["format"] = "cordresponse-phantom-truth";
  truth["version"] = 1;
  truth["generator"] = { { "tool", "cordresponse phantom" },
                         { "version", CORDRESPONSE_VERSION_STRING },
                         { "preset", c.preset },
                         { "seed", c.seed },
                         { "grid", ToString(c.grid) } };
  if (c.sliceThickness > 0.0)
  {
    truth["generator"]["slice_thickness_mm"] = c.sliceThickness;
  }
  if (c.acquiredInPlaneSpacing[0] > 0.0 || c.acquiredInPlaneSpacing[1] > 0.0)
  {
    truth["generator"]["acquired_in_plane_spacing_mm"] = c.acquiredInPlaneSpacing;
  }
  if (c.greyMatter)
  {
    truth["generator"]["grey_matter"] = true;
  }
  if (c.caudaEquina)
  {
    truth["generator"]["cauda_equina"] = true;
  }
  truth["description"] = c.description;
  truth["coordinates"] = "ITK physical space: LPS, millimetres";
  json caseFile;
  caseFile["format"] = "cordresponse-case";
  caseFile["version"] = 1;
  caseFile["case_id"] = "phantom-" + c.preset + "-seed" + std::to_string(c.seed);

  std::vector<Exam>                     exams;
  std::vector<std::vector<LesionTruth>> lesionTruths;
  std::vector<double>                   edemaVolumes;
  json                                  timepoints = json::array();
  for (std::size_t ti = 0; ti < c.timepoints.size(); ++ti)
  {
    const PhantomTimepoint & tp = c.timepoints[ti];
    const Model              model = c.Model(ti);
    const Exam               exam = MakeExam(c, tp, model);
    exams.push_back(exam);

    auto t0 = Clock::now();
    auto source = Source::New();
    source->SetModel(model);
    source->SetSize(exam.size);
    source->SetSpacing(exam.spacing);
    source->SetOrigin(exam.origin);
    source->SetDirection(exam.direction);
    source->SetMotionRotation(exam.rotation);
    source->SetMotionTranslation(exam.translation);
    source->SetSNR(tp.snr);
    source->SetBiasAmplitude(c.biasAmplitude);
    Source::SpacingType acquired;
    acquired[0] = c.acquiredInPlaneSpacing[0];
    acquired[1] = c.acquiredInPlaneSpacing[1];
    acquired[2] = 0.0; // 2-D multi-slice: no k-space along the slices
    source->SetAcquiredSpacing(acquired);
    source->SetSeed(c.seed * 1000003ULL + ti);
    source->Update();
    auto t1 = Clock::now();
    report.renderSeconds += seconds(t0, t1);

    const fs::path tpDir = directory / tp.label;
    const fs::path truthDir = directory / "truth";
    const char *   names[] = { "t1pre", "t1post", "t2" };
    json           images;
    json           truthMaps;
    // Files are independent: compress and write them concurrently.
    std::vector<std::function<void()>> writes;
    for (unsigned int s = 0; s < itk::PhantomSequenceCount; ++s)
    {
      const fs::path file = tpDir / (std::string(names[s]) + ".nii.gz");
      const auto *   image = source->GetSequenceOutput(static_cast<itk::PhantomSequence>(s));
      writes.emplace_back([image, file] { SaveImage(image, file, PixelStorage::Int16); });
      images[names[s]] = (fs::path(tp.label) / file.filename()).string();
    }
    const auto * reference = source->GetSequenceOutput(itk::PhantomSequence::T1Post);
    const auto   discs = DiscLabels(model, exam, reference);
    writes.emplace_back([&discs, tpDir] { SaveLabelImage(discs, tpDir / "labels-disc.nii.gz"); });
    const std::pair<const char *, LabelImageType *> maps[] = { { "cord", source->GetCordLabelOutput() },
                                                               { "lesions", source->GetLesionLabelOutput() },
                                                               { "edema", source->GetEdemaLabelOutput() },
                                                               { "levels", source->GetLevelLabelOutput() } };
    for (const auto & m : maps)
    {
      const std::string name = tp.label + "_" + m.first + ".nii.gz";
      const auto *      labels = m.second;
      writes.emplace_back([labels, truthDir, name] { SaveLabelImage(labels, truthDir / name); });
      truthMaps[m.first] = (fs::path("truth") / name).string();
    }
    tbb::parallel_for_each(writes.begin(), writes.end(), [](const std::function<void()> & write) { write(); });
    auto t2 = Clock::now();
    report.writeSeconds += seconds(t1, t2);

    // Truth numbers.
    const double voxelVolume = exam.spacing[0] * exam.spacing[1] * exam.spacing[2];
    const auto   lesions = ComputeLesionTruth(model);
    lesionTruths.push_back(lesions);
    json   lesionJson = json::array();
    double totalAnalytic = 0.0, totalPartial = 0.0;
    // What a perfect segmentation measures on this grid (3 mm slices sample the ellipsoids off-centre).
    std::map<unsigned int, LesionMeasurement> onGrid;
    for (const auto & m :
         MeasureLesions(source->GetLesionLabelOutput(), nullptr, nullptr, source->GetLevelLabelOutput()))
    {
      onGrid[m.id] = m;
    }
    for (const auto & l : lesions)
    {
      const LesionMeasurement grid = onGrid.count(l.id) ? onGrid[l.id] : LesionMeasurement{};
      std::set<long>          slices;
      const auto              voxels = CountLabel(source->GetLesionLabelOutput(), l.id, &slices);
      const bool measurable = l.sagittalLongest >= 10.0 && l.sagittalPerpendicular >= 5.0 && slices.size() >= 2;
      totalAnalytic += l.analyticVolume;
      totalPartial += source->GetLesionPartialVolume(l.id);
      lesionJson.push_back({ { "id", l.id },
                             { "enhancement", l.enhancement },
                             { "analytic_volume_mm3", l.analyticVolume },
                             { "analytic_volume_is_closed_form", l.closedForm },
                             { "partial_volume_mm3", source->GetLesionPartialVolume(l.id) },
                             { "voxel_volume_mm3", voxels * voxelVolume },
                             { "voxel_count", voxels },
                             { "sagittal_slices", slices.size() },
                             { "centroid_lps", Point(exam.ToScanner(l.centroid)) },
                             { "longest_diameter_3d_mm", l.longest3d },
                             { "sagittal_longest_diameter_mm", l.sagittalLongest },
                             { "sagittal_perpendicular_diameter_mm", l.sagittalPerpendicular },
                             { "craniocaudal_extent_mm", l.zMax - l.zMin },
                             { "levels", LevelSpan(model, l.zMin, l.zMax) },
                             { "rano_bm_measurable", measurable },
                             { "voxel_sagittal_longest_diameter_mm", grid.sagittalLongestDiameterMm },
                             { "voxel_sagittal_perpendicular_diameter_mm", grid.sagittalPerpendicularMm },
                             { "voxel_rano_bm_measurable", grid.ranoMeasurable } });
    }
    const EdemaTruth edema = ComputeEdemaTruth(model);
    edemaVolumes.push_back(edema.volume);
    // Extent, segments and levels of the edema as visible on this grid (the truth map): the analytic
    // fusiform tips thinner than a voxel cannot be seen by any method.
    const EdemaMeasurement visibleEdema = MeasureRegion(source->GetEdemaLabelOutput(), source->GetLevelLabelOutput());
    const auto             cordVoxels = CountLabel(source->GetCordLabelOutput(), 1);
    json                   tpJson = { { "label", tp.label },
                                      { "images", images },
                                      { "truth_maps", truthMaps },
                                      { "snr", tp.snr },
                                      { "grid",
                                        { { "size", { exam.size[0], exam.size[1], exam.size[2] } },
                                          { "spacing_mm", { exam.spacing[0], exam.spacing[1], exam.spacing[2] } } } },
                                      { "enhancing",
                                        { { "lesion_count", lesions.size() },
                                          { "total_analytic_volume_mm3", totalAnalytic },
                                          { "total_partial_volume_mm3", totalPartial },
                                          { "lesions", lesionJson } } },
                                      { "edema",
                                        { { "analytic_volume_mm3", edema.volume },
                                          { "partial_volume_mm3", source->GetEdemaPartialVolume() },
                                          { "voxel_volume_mm3", visibleEdema.volumeMm3 },
                                          { "craniocaudal_extent_mm", visibleEdema.craniocaudalExtentMm },
                                          { "analytic_craniocaudal_extent_mm", edema.zMax - edema.zMin },
                                          { "segments", visibleEdema.segments },
                                          { "levels", visibleEdema.levels },
                                          { "analytic_levels", edema.volume > 0 ? LevelSpan(model, edema.zMin, edema.zMax) : "" } } },
                                      { "cord",
                                        { { "partial_volume_mm3", source->GetCordPartialVolume() },
                                          { "voxel_volume_mm3", cordVoxels * voxelVolume } } } };
    if (ti > 0)
    {
      json transform;
      WriteTruthTransform(exams.front(), exam, truthDir / (tp.label + "_to_baseline.tfm"), transform);
      tpJson["followup_to_baseline"] = transform;
    }
    timepoints.push_back(tpJson);
    report.truthSeconds += seconds(t2, Clock::now());

    caseFile["timepoints"].push_back({ { "label", tp.label },
                                       { "images", images },
                                       { "vertebral_labels", (fs::path(tp.label) / "labels-disc.nii.gz").string() } });
  }
  truth["timepoints"] = timepoints;

  // Expected change and response: targets are the (up to 5) largest measurable baseline lesions.
  std::set<unsigned int> targets;
  {
    std::vector<std::pair<double, unsigned int>> measurable;
    for (const auto & l : timepoints[0]["enhancing"]["lesions"])
    {
      if (l["rano_bm_measurable"].get<bool>())
      {
        measurable.emplace_back(l["sagittal_longest_diameter_mm"].get<double>(), l["id"].get<unsigned int>());
      }
    }
    std::sort(measurable.rbegin(), measurable.rend());
    for (std::size_t i = 0; i < measurable.size() && i < 5; ++i)
    {
      targets.insert(measurable[i].second);
    }
  }
  json   response = json::array();
  double nadir = SumOfTargetDiameters(lesionTruths[0], targets);
  for (std::size_t ti = 1; ti < c.timepoints.size(); ++ti)
  {
    const double baseSld = SumOfTargetDiameters(lesionTruths[0], targets);
    const double sld = SumOfTargetDiameters(lesionTruths[ti], targets);
    double       baseVolume = 0.0, volume = 0.0;
    for (const auto & l : lesionTruths[0])
    {
      baseVolume += l.analyticVolume;
    }
    for (const auto & l : lesionTruths[ti])
    {
      volume += l.analyticVolume;
    }
    response.push_back({ { "timepoint", c.timepoints[ti].label },
                         { "target_lesion_ids", targets },
                         { "sum_longest_diameter_mm", sld },
                         { "sum_longest_diameter_pct_vs_baseline", PercentChange(baseSld, sld) },
                         { "sum_longest_diameter_pct_vs_nadir", PercentChange(nadir, sld) },
                         { "enhancing_volume_pct", PercentChange(baseVolume, volume) },
                         { "edema_volume_pct", PercentChange(edemaVolumes[0], edemaVolumes[ti]) },
                         { "rano_bm", c.timepoints[ti].expectedRanoBm },
                         { "volumetric", c.timepoints[ti].expectedVolumetric } });
    nadir = std::min(nadir, sld);
  }
  truth["expected_response"] = response;
  json changes = json::array();
  for (const auto & ch : c.changes)
  {
    changes.push_back({ { "from", ch.fromTimepoint },
                        { "to", ch.toTimepoint },
                        { "from_ids", ch.fromIds },
                        { "to_ids", ch.toIds },
                        { "status", ch.status } });
  }
  truth["expected_lesion_changes"] = changes;

  WriteFileAtomically(directory / "truth.json", truth.dump(2) + "\n");
  WriteFileAtomically(directory / "case.json", caseFile.dump(2) + "\n");
  return report;
}

} // namespace cordresponse
