// Semi-synthetic real-anatomy case: known foci and edema inserted into the real SCT t2 cord, a follow-up by a
// known rigid motion (see RealAnatomyCase.h for the simplifications).
#include "RealAnatomyCase.h"

#include "cordresponse/AtomicFile.h"
#include "cordresponse/Evaluation.h"
#include "cordresponse/ImageIO.h"
#include "cordresponse/Transforms.h"

#include "itkEuler3DTransform.h"
#include "itkMath.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace cordresponse {
namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {
using Point = itk::Point<double, 3>;

/** A focus: an axis-aligned ellipsoid (body frame = baseline LPS) clipped to the cord. */
struct Focus
{
  unsigned int          id;
  Point                 centre;
  std::array<double, 3> semiAxes;
  double                enhancementRatio;
};

/** Edema: the cord cross-section between two heights (body frame), strongest in the middle. */
struct Edema
{
  double zCentre;
  double length;
  double strength; // T2 x (1 + strength) in the middle, x (1 + 0.55 strength) at the ends
};

bool
Inside(const Focus & f, const Point & p)
{
  double s = 0;
  for (unsigned int d = 0; d < 3; ++d)
  {
    s += std::pow((p[d] - f.centre[d]) / f.semiAxes[d], 2);
  }
  return s <= 1.0;
}

/** Centroid of the cord voxels within 1.5 mm (z) of `z`. */
Point
CordCentre(const LabelImageType * cord, double z)
{
  Point  c;
  double n = 0;
  c.Fill(0.0);
  const auto * b = cord->GetBufferPointer();
  for (std::size_t k = 0; k < cord->GetPixelContainer()->Size(); ++k)
  {
    if (!b[k])
    {
      continue;
    }
    Point p;
    cord->TransformIndexToPhysicalPoint(cord->ComputeIndex(static_cast<LabelImageType::OffsetValueType>(k)), p);
    if (std::abs(p[2] - z) <= 1.5)
    {
      for (unsigned int d = 0; d < 3; ++d)
      {
        c[d] += p[d];
      }
      n += 1;
    }
  }
  if (n == 0)
  {
    throw std::runtime_error("no cord voxel near z = " + std::to_string(z));
  }
  for (unsigned int d = 0; d < 3; ++d)
  {
    c[d] /= n;
  }
  return c;
}

ImageType::Pointer
Copy(const ImageType * image)
{
  auto out = ImageType::New();
  out->CopyInformation(image);
  out->SetRegions(image->GetLargestPossibleRegion());
  out->Allocate();
  std::copy_n(image->GetBufferPointer(), image->GetPixelContainer()->Size(), out->GetBufferPointer());
  return out;
}

/** One exam: images and truth maps painted on `anatomy`'s grid; `toBody` maps a grid point to the body frame. */
struct Exam
{
  ImageType::Pointer      t1pre, t1post, t2;
  LabelImageType::Pointer lesions, edema;
};

Exam
Paint(const ImageType *          anatomy,
      const LabelImageType *     cord,
      const TransformType *      toBody,
      const std::vector<Focus> & foci,
      const Edema &              edema,
      double                     sigma,
      std::mt19937_64 &          engine)
{
  Exam e{ Copy(anatomy), Copy(anatomy), Copy(anatomy), EmptyLabelMap(anatomy), EmptyLabelMap(anatomy) };
  // Portable Gaussian noise (Box-Muller on the raw engine output, no std distribution).
  auto uniform = [&engine] { return (static_cast<double>(engine() >> 11) + 0.5) * (1.0 / 9007199254740992.0); };
  auto gauss = [&] { return std::sqrt(-2.0 * std::log(uniform())) * std::cos(2.0 * itk::Math::pi * uniform()); };
  const std::size_t n = anatomy->GetPixelContainer()->Size();
  for (std::size_t k = 0; k < n; ++k)
  {
    const auto index = anatomy->ComputeIndex(static_cast<ImageType::OffsetValueType>(k));
    double     t2 = anatomy->GetBufferPointer()[k];
    double     t1post = t2;
    if (cord->GetBufferPointer()[k])
    {
      Point q;
      anatomy->TransformIndexToPhysicalPoint(index, q);
      const Point  p = toBody->TransformPoint(q);
      const double u = std::abs(p[2] - edema.zCentre) / (0.5 * edema.length);
      if (u <= 1.0)
      {
        e.edema->GetBufferPointer()[k] = 1;
        t2 *= 1.0 + edema.strength * (1.0 - 0.45 * u * u);
      }
      for (const auto & f : foci)
      {
        if (Inside(f, p))
        {
          e.lesions->GetBufferPointer()[k] = static_cast<LabelImageType::PixelType>(f.id);
          t1post *= 1.0 + f.enhancementRatio;
        }
      }
    }
    const double pre = anatomy->GetBufferPointer()[k];
    e.t1pre->GetBufferPointer()[k] = static_cast<float>(std::max(0.0, pre + sigma * gauss()));
    e.t1post->GetBufferPointer()[k] = static_cast<float>(std::max(0.0, t1post + sigma * gauss()));
    e.t2->GetBufferPointer()[k] = static_cast<float>(std::max(0.0, t2 + sigma * gauss()));
  }
  return e;
}

double
VolumeOf(const LabelImageType * labels, unsigned int id)
{
  const auto & s = labels->GetSpacing();
  const auto * b = labels->GetBufferPointer();
  return static_cast<double>(std::count(b, b + labels->GetPixelContainer()->Size(), id)) * s[0] * s[1] * s[2];
}

json
LesionsJson(const LabelImageType * lesions, const std::vector<Focus> & foci)
{
  json out = json::array();
  for (const auto & f : foci)
  {
    out.push_back({ { "id", f.id },
                    { "analytic_volume_mm3", VolumeOf(lesions, f.id) },
                    { "ellipsoid_centre_body_lps", { f.centre[0], f.centre[1], f.centre[2] } },
                    { "ellipsoid_semi_axes_mm", f.semiAxes },
                    { "enhancement_ratio", f.enhancementRatio } });
  }
  return out;
}
} // namespace

RealAnatomyCaseSummary
WriteRealAnatomyCase(const fs::path & sctT2Directory, const fs::path & out, const RealAnatomyOptions & options)
{
  RegisterIOFactories();
  const auto anatomy = LoadImage(sctT2Directory / "t2.nii.gz");
  const auto cord = LoadLabelImage(sctT2Directory / "t2_seg-manual.nii.gz");
  const auto levels = LoadLabelImage(sctT2Directory / "t2_seg-manual_labeled.nii.gz");
  RequireNonEmpty(cord, sctT2Directory / "t2_seg-manual.nii.gz", "cord mask");

  // Cord extent (z, LPS superior) and the cord median on T2.
  double              zMin = 1e300, zMax = -1e300;
  std::vector<double> cordValues;
  for (std::size_t k = 0; k < cord->GetPixelContainer()->Size(); ++k)
  {
    if (cord->GetBufferPointer()[k])
    {
      Point p;
      cord->TransformIndexToPhysicalPoint(cord->ComputeIndex(static_cast<LabelImageType::OffsetValueType>(k)), p);
      zMin = std::min(zMin, p[2]), zMax = std::max(zMax, p[2]);
      cordValues.push_back(anatomy->GetBufferPointer()[k]);
    }
  }
  std::nth_element(cordValues.begin(), cordValues.begin() + cordValues.size() / 2, cordValues.end());
  const double cordMedian = cordValues[cordValues.size() / 2];
  const double sigma = cordMedian / options.snr;

  // Focus 1 (measurable, homogeneous) at 35% of the cord's height, focus 2 (small) at 75%; edema around focus 1.
  const double             z1 = zMin + 0.35 * (zMax - zMin);
  const double             z2 = zMin + 0.75 * (zMax - zMin);
  const Focus              focus1{ 1, CordCentre(cord, z1), { { 3.0, 3.0, 6.5 } }, 0.9 };
  const Focus              focus2{ 2, CordCentre(cord, z2), { { 2.0, 2.0, 3.0 } }, 0.8 };
  const std::vector<Focus> baselineFoci{ focus1, focus2 };
  Focus                    shrunk = focus1;
  shrunk.semiAxes = { { 1.9, 1.9, 4.0 } }; // -38% in length, -75% in volume; focus 2 resolves
  const std::vector<Focus> followupFoci{ shrunk };
  const Edema              baselineEdema{ z1, 24.0, 0.55 };
  const Edema              followupEdema{ z1, 14.0, 0.4 };

  // Known motion: baseline point -> follow-up point, rotation about the image centre.
  const auto &                    region = anatomy->GetLargestPossibleRegion();
  itk::ContinuousIndex<double, 3> centreIndex;
  for (unsigned int d = 0; d < 3; ++d)
  {
    centreIndex[d] = 0.5 * (region.GetSize()[d] - 1.0);
  }
  Point centre;
  anatomy->TransformContinuousIndexToPhysicalPoint(centreIndex, centre);
  auto motion = itk::Euler3DTransform<double>::New();
  motion->SetCenter(centre);
  motion->SetRotation(options.rotationDegrees[0] * itk::Math::pi / 180.0,
                      options.rotationDegrees[1] * itk::Math::pi / 180.0,
                      options.rotationDegrees[2] * itk::Math::pi / 180.0);
  itk::Vector<double, 3> translation;
  for (unsigned int d = 0; d < 3; ++d)
  {
    translation[d] = options.translation[d];
  }
  motion->SetTranslation(translation);
  auto inverse = itk::Euler3DTransform<double>::New();
  motion->GetInverse(inverse);
  auto identity = itk::Euler3DTransform<double>::New();

  // Follow-up anatomy on the same scanner grid: followup(q) = baseline(motion^-1 q).
  const auto followAnatomy = ResampleToReference(anatomy, anatomy, inverse, Interpolation::Linear);
  const auto followCord = ResampleLabelsToReference(cord, anatomy, inverse);
  const auto followLevels = ResampleLabelsToReference(levels, anatomy, inverse);

  std::mt19937_64 engine(options.seed * 0x9E3779B97F4A7C15ULL + 29);
  const Exam      baseline = Paint(anatomy, cord, identity, baselineFoci, baselineEdema, sigma, engine);
  const Exam      followup = Paint(followAnatomy, followCord, inverse, followupFoci, followupEdema, sigma, engine);

  json caseJson{ { "case_id", "sct-t2-semisynthetic" }, { "timepoints", json::array() } };
  json manualCordCase = caseJson; // diagnostic variant: the truth cord given as the user cord mask
  json truth{ { "format", "cordresponse-phantom-truth" },
              { "version", 1 },
              { "generator",
                { { "tool", "cordresponse_real_anatomy_case" },
                  { "source", "sct-testing-data t2/t2.nii.gz + t2_seg-manual.nii.gz" },
                  { "seed", options.seed },
                  { "snr", options.snr } } },
              { "description", "real SCT t2 anatomy with two inserted foci and edema; focus 1 shrinks, focus 2 "
                               "resolves, known rigid follow-up motion; T1 pre/post are the T2 image (see "
                               "testdata/RealAnatomyCase.h)" },
              { "timepoints", json::array() } };
  const std::vector<std::pair<std::string, const Exam *>> exams{ { "baseline", &baseline }, { "followup", &followup } };
  for (const auto & [label, exam] : exams)
  {
    const fs::path dir = out / label;
    const bool     isBaseline = label == "baseline";
    SaveImage(exam->t1pre, dir / "t1pre.nii.gz", PixelStorage::Int16);
    SaveImage(exam->t1post, dir / "t1post.nii.gz", PixelStorage::Int16);
    SaveImage(exam->t2, dir / "t2.nii.gz", PixelStorage::Int16);
    SaveLabelImage(isBaseline ? levels.GetPointer() : followLevels.GetPointer(), dir / "levels.nii.gz");
    SaveLabelImage(isBaseline ? cord.GetPointer() : followCord.GetPointer(), out / "truth" / (label + "_cord.nii.gz"));
    SaveLabelImage(exam->lesions, out / "truth" / (label + "_lesions.nii.gz"));
    SaveLabelImage(exam->edema, out / "truth" / (label + "_edema.nii.gz"));
    caseJson["timepoints"].push_back({ { "label", label },
                                       { "images",
                                         { { "t1post", label + "/t1post.nii.gz" },
                                           { "t1pre", label + "/t1pre.nii.gz" },
                                           { "t2", label + "/t2.nii.gz" } } },
                                       { "vertebral_labels", label + "/levels.nii.gz" } });
    manualCordCase["timepoints"].push_back(caseJson["timepoints"].back());
    manualCordCase["timepoints"].back()["cord_mask"] = "truth/" + label + "_cord.nii.gz";
    json tp{ { "label", label },
             { "truth_maps",
               { { "cord", "truth/" + label + "_cord.nii.gz" },
                 { "lesions", "truth/" + label + "_lesions.nii.gz" },
                 { "edema", "truth/" + label + "_edema.nii.gz" } } },
             { "enhancing", { { "lesions", LesionsJson(exam->lesions, isBaseline ? baselineFoci : followupFoci) } } },
             { "edema_volume_mm3", VolumeOf(exam->edema, 1) } };
    if (!isBaseline)
    {
      WriteTransformFile(motion, out / "truth" / "followup_to_baseline.tfm");
      const Matrix4 m = TransformMatrix(motion);
      json          rows = json::array();
      for (const auto & row : m)
      {
        rows.push_back(row);
      }
      tp["followup_to_baseline"] = { { "matrix_lps", rows },
                                     { "transform_file", "truth/followup_to_baseline.tfm" },
                                     { "rotation_degrees", options.rotationDegrees },
                                     { "translation_mm", options.translation } };
    }
    truth["timepoints"].push_back(tp);
  }
  const double baseVolume = VolumeOf(baseline.lesions, 1) + VolumeOf(baseline.lesions, 2);
  const double volumeChange = 100.0 * (VolumeOf(followup.lesions, 1) - baseVolume) / baseVolume;
  truth["expected_response"] = json::array(
    { { { "timepoint", "followup" },
        { "rano_bm", "PR" },
        { "volumetric", "PR" },
        { "why", "target focus 1: longest diameter 13 -> 8 mm (-38%), non-target focus 2 resolved; enhancing "
                 "volume " +
                   std::to_string(static_cast<int>(std::lround(volumeChange))) + "%" } } });
  WriteFileAtomically(out / "case.json", caseJson.dump(2) + "\n");
  WriteFileAtomically(out / "case-manual-cord.json", manualCordCase.dump(2) + "\n");
  WriteFileAtomically(out / "truth.json", truth.dump(2) + "\n");

  RealAnatomyCaseSummary summary;
  summary.baselineFociVolumesMm3 = { VolumeOf(baseline.lesions, 1), VolumeOf(baseline.lesions, 2) };
  summary.followupFocusVolumeMm3 = VolumeOf(followup.lesions, 1);
  summary.baselineEdemaVolumeMm3 = VolumeOf(baseline.edema, 1);
  return summary;
}

} // namespace cordresponse
