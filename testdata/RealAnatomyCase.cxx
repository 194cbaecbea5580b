// Semi-synthetic real-anatomy case: known foci inserted into the real SCT t1w cord and edema into the real t2
// cord of the same exam, a follow-up by a known rigid motion (see RealAnatomyCase.h for the simplifications).
#include "RealAnatomyCase.h"

#include "cordresponse/AtomicFile.h"
#include "cordresponse/Errors.h"
#include "cordresponse/Evaluation.h"
#include "cordresponse/ImageIO.h"
#include "cordresponse/SegmentationMetrics.h"
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

/** Portable Gaussian noise (Box-Muller on the raw engine output, no std distribution). */
class GaussianNoise
{
public:
  explicit GaussianNoise(std::mt19937_64 & engine)
    : m_Engine(engine)
  {}
  double
  operator()()
  {
    return std::sqrt(-2.0 * std::log(Uniform())) * std::cos(2.0 * itk::Math::pi * Uniform());
  }

private:
  double
  Uniform()
  {
    return (static_cast<double>(m_Engine() >> 11) + 0.5) * (1.0 / 9007199254740992.0);
  }
  std::mt19937_64 & m_Engine;
};

/** `image` plus noise of standard deviation `sigma`, clamped at 0. */
ImageType::Pointer
Noisy(const ImageType * image, double sigma, GaussianNoise & noise)
{
  auto out = Copy(image);
  for (std::size_t k = 0; k < out->GetPixelContainer()->Size(); ++k)
  {
    out->GetBufferPointer()[k] = static_cast<float>(std::max(0.0, out->GetBufferPointer()[k] + sigma * noise()));
  }
  return out;
}

/** Calls `visit(k, p)` for every cord voxel k of `anatomy`'s grid, p its body-frame point (`toBody` maps a grid
 *  point to the body frame). */
template <typename Visit>
void
ForEachCordVoxel(const ImageType * anatomy, const LabelImageType * cord, const TransformType * toBody, Visit && visit)
{
  const auto n = anatomy->GetPixelContainer()->Size();
  for (std::size_t k = 0; k < n; ++k)
  {
    if (cord->GetBufferPointer()[k])
    {
      Point q;
      anatomy->TransformIndexToPhysicalPoint(anatomy->ComputeIndex(static_cast<ImageType::OffsetValueType>(k)), q);
      visit(k, toBody->TransformPoint(q));
    }
  }
}

/** One exam's T1 images and their focus truth, painted on the T1 `anatomy` grid. */
struct T1Exam
{
  ImageType::Pointer      pre, post;
  LabelImageType::Pointer lesions;
};

T1Exam
PaintT1(const ImageType *          anatomy,
        const LabelImageType *     cord,
        const TransformType *      toBody,
        const std::vector<Focus> & foci,
        double                     sigma,
        GaussianNoise &            noise)
{
  auto enhanced = Copy(anatomy);
  auto lesions = EmptyLabelMap(anatomy);
  ForEachCordVoxel(anatomy, cord, toBody, [&](std::size_t k, const Point & p) {
    for (const auto & f : foci)
    {
      if (Inside(f, p))
      {
        lesions->GetBufferPointer()[k] = static_cast<LabelImageType::PixelType>(f.id);
        enhanced->GetBufferPointer()[k] *= static_cast<float>(1.0 + f.enhancementRatio);
      }
    }
  });
  return { Noisy(anatomy, sigma, noise), Noisy(enhanced, sigma, noise), lesions };
}

/** One exam's T2 image and its edema truth, painted on the T2 `anatomy` grid. */
struct T2Exam
{
  ImageType::Pointer      t2;
  LabelImageType::Pointer edema;
};

T2Exam
PaintT2(const ImageType *      anatomy,
        const LabelImageType * cord,
        const TransformType *  toBody,
        const Edema &          edema,
        double                 sigma,
        GaussianNoise &        noise)
{
  auto bright = Copy(anatomy);
  auto truth = EmptyLabelMap(anatomy);
  ForEachCordVoxel(anatomy, cord, toBody, [&](std::size_t k, const Point & p) {
    const double u = std::abs(p[2] - edema.zCentre) / (0.5 * edema.length);
    if (u <= 1.0)
    {
      truth->GetBufferPointer()[k] = 1;
      bright->GetBufferPointer()[k] *= static_cast<float>(1.0 + edema.strength * (1.0 - 0.45 * u * u));
    }
  });
  return { Noisy(bright, sigma, noise), truth };
}

/** Cranio-caudal range (LPS z, mm) of the cord and the median of `image` in it. */
struct CordSpan
{
  double zMin{ 1e300 }, zMax{ -1e300 }, median{ 0 };
};

CordSpan
SpanOf(const ImageType * image, const LabelImageType * cord)
{
  CordSpan            span;
  std::vector<double> values;
  for (std::size_t k = 0; k < cord->GetPixelContainer()->Size(); ++k)
  {
    if (cord->GetBufferPointer()[k])
    {
      Point p;
      cord->TransformIndexToPhysicalPoint(cord->ComputeIndex(static_cast<LabelImageType::OffsetValueType>(k)), p);
      span.zMin = std::min(span.zMin, p[2]), span.zMax = std::max(span.zMax, p[2]);
      values.push_back(image->GetBufferPointer()[k]);
    }
  }
  std::nth_element(values.begin(), values.begin() + values.size() / 2, values.end());
  span.median = values[values.size() / 2];
  return span;
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
WriteRealAnatomyCase(const fs::path & sct, const fs::path & out, const RealAnatomyOptions & options)
{
  RegisterIOFactories();
  // The T1-weighted and T2-weighted images of one exam (their world coordinates agree), each with its manual
  // cord mask on its own grid.
  auto load = [](const fs::path & imagePath, const fs::path & cordPath) {
    auto image = LoadImage(imagePath);
    auto cord = LoadLabelImage(cordPath);
    RequireNonEmpty(cord, cordPath, "cord mask");
    if (!SameGrid(image, cord))
    {
      throw InputError(cordPath, "is not on the grid of " + imagePath.string());
    }
    return std::make_pair(image, cord);
  };
  const auto [t1Anatomy, t1Cord] = load(sct / "t1" / "t1w.nii.gz", sct / "t1" / "t1w_seg-manual.nii.gz");
  const auto [t2Anatomy, t2Cord] = load(sct / "t2" / "t2.nii.gz", sct / "t2" / "t2_seg-manual.nii.gz");
  const auto     levels = LoadLabelImage(sct / "t2" / "t2_seg-manual_labeled.nii.gz");
  const CordSpan t1Span = SpanOf(t1Anatomy, t1Cord), t2Span = SpanOf(t2Anatomy, t2Cord);
  const double   zMin = std::max(t1Span.zMin, t2Span.zMin), zMax = std::min(t1Span.zMax, t2Span.zMax);
  if (zMax - zMin < 30.0)
  {
    throw InputError(sct / "t1" / "t1w_seg-manual.nii.gz", "shares less than 30 mm of cord with the t2 mask");
  }

  // Focus 1 (measurable, homogeneous) at 35% of the cord both images cover, focus 2 (small) at 75%, centred
  // on the T1 cord; edema around focus 1.
  const double             z1 = zMin + 0.35 * (zMax - zMin);
  const double             z2 = zMin + 0.75 * (zMax - zMin);
  const Focus              focus1{ 1, CordCentre(t1Cord, z1), { { 3.0, 3.0, 6.5 } }, 0.9 };
  const Focus              focus2{ 2, CordCentre(t1Cord, z2), { { 2.0, 2.0, 3.0 } }, 0.8 };
  const std::vector<Focus> baselineFoci{ focus1, focus2 };
  Focus                    shrunk = focus1;
  shrunk.semiAxes = { { 1.9, 1.9, 4.0 } }; // -38% in length, -75% in volume; focus 2 resolves
  const std::vector<Focus> followupFoci{ shrunk };
  const Edema              baselineEdema{ z1, 24.0, 0.55 };
  const Edema              followupEdema{ z1, 14.0, 0.4 };

  // Known motion: baseline point -> follow-up point, rotation about the T2 image centre.
  const auto &                    region = t2Anatomy->GetLargestPossibleRegion();
  itk::ContinuousIndex<double, 3> centreIndex;
  for (unsigned int d = 0; d < 3; ++d)
  {
    centreIndex[d] = 0.5 * (region.GetSize()[d] - 1.0);
  }
  Point centre;
  t2Anatomy->TransformContinuousIndexToPhysicalPoint(centreIndex, centre);
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

  // Follow-up anatomy on the same scanner grids: followup(q) = baseline(motion^-1 q).
  const auto followT1 = ResampleToReference(t1Anatomy, t1Anatomy, inverse, Interpolation::Linear);
  const auto followT1Cord = ResampleLabelsToReference(t1Cord, t1Anatomy, inverse);
  const auto followT2 = ResampleToReference(t2Anatomy, t2Anatomy, inverse, Interpolation::Linear);
  const auto followT2Cord = ResampleLabelsToReference(t2Cord, t2Anatomy, inverse);
  const auto followLevels = ResampleLabelsToReference(levels, t2Anatomy, inverse);

  std::mt19937_64 engine(options.seed * 0x9E3779B97F4A7C15ULL + 29);
  GaussianNoise   noise(engine);
  const double    sigmaT1 = t1Span.median / options.snr, sigmaT2 = t2Span.median / options.snr;
  struct Exam
  {
    T1Exam                  t1;
    T2Exam                  t2;
    LabelImageType::Pointer cord, levels;
  };
  const Exam baseline{ PaintT1(t1Anatomy, t1Cord, identity, baselineFoci, sigmaT1, noise),
                       PaintT2(t2Anatomy, t2Cord, identity, baselineEdema, sigmaT2, noise), t1Cord, levels };
  const Exam followup{ PaintT1(followT1, followT1Cord, inverse, followupFoci, sigmaT1, noise),
                       PaintT2(followT2, followT2Cord, inverse, followupEdema, sigmaT2, noise), followT1Cord,
                       followLevels };

  json caseJson{ { "case_id", "sct-t1w-t2-semisynthetic" }, { "timepoints", json::array() } };
  json manualCordCase = caseJson; // diagnostic variant: the truth cord given as the user cord mask
  json truth{ { "format", "cordresponse-phantom-truth" },
              { "version", 1 },
              { "generator",
                { { "tool", "cordresponse_real_anatomy_case" },
                  { "source", "sct-testing-data t1/t1w.nii.gz, t2/t2.nii.gz and their manual cord masks" },
                  { "seed", options.seed },
                  { "snr", options.snr } } },
              { "description", "real SCT t1w/t2 anatomy of one exam with two foci inserted into the t1w cord and "
                               "edema into the t2 cord; focus 1 shrinks, focus 2 resolves, known rigid follow-up "
                               "motion (see testdata/RealAnatomyCase.h)" },
              { "timepoints", json::array() } };
  const std::vector<std::pair<std::string, const Exam *>> exams{ { "baseline", &baseline }, { "followup", &followup } };
  for (const auto & [label, exam] : exams)
  {
    const fs::path dir = out / label;
    const bool     isBaseline = label == "baseline";
    SaveImage(exam->t1.pre, dir / "t1pre.nii.gz", PixelStorage::Int16);
    SaveImage(exam->t1.post, dir / "t1post.nii.gz", PixelStorage::Int16);
    SaveImage(exam->t2.t2, dir / "t2.nii.gz", PixelStorage::Int16);
    SaveLabelImage(exam->levels, dir / "levels.nii.gz");
    SaveLabelImage(exam->cord, out / "truth" / (label + "_cord.nii.gz"));
    SaveLabelImage(exam->t1.lesions, out / "truth" / (label + "_lesions.nii.gz"));
    SaveLabelImage(exam->t2.edema, out / "truth" / (label + "_edema.nii.gz"));
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
             { "enhancing",
               { { "lesions", LesionsJson(exam->t1.lesions, isBaseline ? baselineFoci : followupFoci) } } },
             { "edema_volume_mm3", VolumeOf(exam->t2.edema, 1) } };
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
  const double baseVolume = VolumeOf(baseline.t1.lesions, 1) + VolumeOf(baseline.t1.lesions, 2);
  const double volumeChange = 100.0 * (VolumeOf(followup.t1.lesions, 1) - baseVolume) / baseVolume;
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
  summary.baselineFociVolumesMm3 = { VolumeOf(baseline.t1.lesions, 1), VolumeOf(baseline.t1.lesions, 2) };
  summary.followupFocusVolumeMm3 = VolumeOf(followup.t1.lesions, 1);
  summary.baselineEdemaVolumeMm3 = VolumeOf(baseline.t2.edema, 1);
  return summary;
}

} // namespace cordresponse
