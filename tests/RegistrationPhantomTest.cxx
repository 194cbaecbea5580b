

// Longitudinal registration on the clinical phantom's anatomy (itk::SpinalPhantomModel): vertebrae that
// repeat along the spine and a body that fills the field of view. These are the two situations where the
// initialisation decides the result: a metric restricted to a band around the cord can match the wrong
// vertebra, and the intensity centroids of a body that fills both fields of view only align the fields
// of view, not the anatomy. Small coarse grids keep each test to a few seconds.
#include "TestUtilities.h"

#include "cordresponse/ImageIO.h"
#include "cordresponse/LevelCorrespondence.h"
#include "cordresponse/Phantom.h"
#include "cordresponse/Registration.h"
#include "cordresponse/Transforms.h"

#include "itkImageRegionConstIteratorWithIndex.h"
#include "itkMultiThreaderBase.h"
#include "itkSpinalPhantomImageSource.h"

#include <cmath>
#include <functional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace cordresponse::test {
namespace {
using Source = itk::SpinalPhantomImageSource;
using Matrix3 = Source::RotationType;
using Vector3 = Source::TranslationType;
using PointType = itk::Point<double, 3>;

constexpr double kPi = 3.14159265358979323846;

/** Rotation about x, then y, then z (degrees): Rz * Ry * Rx. */
Matrix3
Rotation(const std::array<double, 3> & degrees)
{
  Matrix3 r[3];
  for (unsigned int a = 0; a < 3; ++a)
  {
    const double c = std::cos(degrees[a] * kPi / 180.0), s = std::sin(degrees[a] * kPi / 180.0);
    r[a].SetIdentity();
    const unsigned int i = (a + 1) % 3, j = (a + 2) % 3;
    r[a](i, i) = c;
    r[a](i, j) = -s;
    r[a](j, i) = s;
    r[a](j, j) = c;
  }
  return r[2] * r[1] * r[0];
}

/** A rigid patient motion about `centre`: q = R (p - C) + C + T (body frame -> scanner, LPS mm). */
struct Motion
{
  Matrix3 rotation;
  Vector3 translation;

  PointType
  Apply(const PointType & p) const
  {
    PointType q;
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
};

Motion
MakeMotion(const std::array<double, 3> & degrees, const std::array<double, 3> & mm, const PointType & centre)
{
  Motion m;
  m.rotation = Rotation(degrees);
  for (unsigned int r = 0; r < 3; ++r)
  {
    m.translation[r] = centre[r] + mm[r];
    for (unsigned int c = 0; c < 3; ++c)
    {
      m.translation[r] -= m.rotation(r, c) * centre[c];
    }
  }
  return m;
}

struct Exam
{
  ImageType::Pointer      t1post;
  LabelImageType::Pointer cord;
  LabelImageType::Pointer levels; // the cord labelled by vertebral level (as SCT `_labeled` masks)
};

/** One T1 post-contrast exam on a sagittal grid (columns anterior -> posterior, rows superior -> inferior,
 *  slices right -> left) centred on `centre` (scanner LPS mm), the patient moved by `motion`. */
Exam
Render(const itk::SpinalPhantomModel & model,
       const std::array<unsigned, 3> & size,
       const std::array<double, 3> &   spacing,
       const PointType &               centre,
       const Motion &                  motion,
       std::uint64_t                   seed)
{
  auto                source = Source::New();
  Source::SizeType    sz;
  Source::SpacingType sp;
  for (unsigned int d = 0; d < 3; ++d)
  {
    sz[d] = size[d];
    sp[d] = spacing[d];
  }
  Source::DirectionType direction;
  direction.Fill(0.0);
  direction(1, 0) = 1.0, direction(2, 1) = -1.0, direction(0, 2) = -1.0;
  Source::PointType origin = centre;
  for (unsigned int r = 0; r < 3; ++r)
  {
    for (unsigned int a = 0; a < 3; ++a)
    {
      origin[r] -= direction(r, a) * sp[a] * 0.5 * (sz[a] - 1.0);
    }
  }
  source->SetModel(model);
  source->SetSize(sz);
  source->SetSpacing(sp);
  source->SetDirection(direction);
  source->SetOrigin(origin);
  source->SetMotionRotation(motion.rotation);
  source->SetMotionTranslation(motion.translation);
  source->SetSeed(seed);
  source->Update();
  Exam exam;
  exam.t1post = source->GetSequenceOutput(itk::PhantomSequence::T1Post);
  exam.cord = source->GetCordLabelOutput();
  exam.levels = source->GetLevelLabelOutput();
  return exam;
}

/** Mean |estimate(p) - truth(p)| over the baseline cord voxels (mm); `truth` maps a baseline point. */
double
MeanTargetError(const TransformType *                               estimate,
                const std::function<PointType(const PointType &)> & truth,
                const LabelImageType *                              cord)
{
  double      sum = 0.0;
  std::size_t n = 0;
  for (itk::ImageRegionConstIteratorWithIndex<LabelImageType> it(cord, cord->GetLargestPossibleRegion()); !it.IsAtEnd();
       ++it)
  {
    if (it.Get())
    {
      PointType p;
      cord->TransformIndexToPhysicalPoint(it.GetIndex(), p);
      sum += estimate->TransformPoint(p).EuclideanDistanceTo(truth(p));
      ++n;
    }
  }
  EXPECT_GT(n, 100u);
  return n ? sum / static_cast<double>(n) : 0.0;
}

double
MeanTargetError(const TransformType * estimate, const Motion & truth, const LabelImageType * cord)
{
  return MeanTargetError(
    estimate, [&truth](const PointType & p) { return truth.Apply(p); }, cord);
}

Motion
Identity()
{
  Motion m;
  m.rotation.SetIdentity();
  m.translation.Fill(0.0);
  return m;
}
} // namespace

TEST(RegistrationPhantom, MaskedRegistrationFindsTheRightVertebralLevel)
{
  // The clinical field of view (307 x 307 mm, 20 slices of 3 mm: about T6 to L3) on a 1.2 mm grid, and a
  // small motion. With the metric confined to the cord mask dilated by 20 mm, every vertebra looks alike:
  // ranking the starts there matched a different level (60 mm off here before the initialisation moved to
  // the body foreground; the mask now only refines).
  const PhantomCase             phantom = MakePhantomCase("seed", 1, PhantomGrid::Clinical);
  const itk::SpinalPhantomModel model = phantom.Model(0);
  PointType                     centre = model.CordCentre(model.DiscAbove(19));
  centre[1] -= 55.0;
  const std::array<unsigned, 3> size{ { 256, 256, 20 } };
  const std::array<double, 3>   spacing{ { 1.2, 1.2, 3.0 } };
  const Motion                  truth = MakeMotion({ 2.2, -1.4, 1.1 }, { 2.8, -3.3, 4.4 }, centre);
  const Exam                    baseline = Render(model, size, spacing, centre, Identity(), 11);
  const Exam                    followup = Render(model, size, spacing, centre, truth, 12);

  const auto   result = RegisterLongitudinal(baseline.t1post, followup.t1post, baseline.cord);
  const double error = MeanTargetError(result.transform, truth, baseline.cord);
  std::cout << result.Summary() << "mean target error over the cord: " << error << " mm\n";
  EXPECT_TRUE(result.regionFromMask);
  EXPECT_LT(error, 0.5) << result.Summary();
  // The coarse levels saw the body; the finest one the mask's region.
  ASSERT_FALSE(result.levels.empty());
  EXPECT_TRUE(result.levels.front().bodyRegion);
  EXPECT_FALSE(result.levels.back().bodyRegion);
}

TEST(RegistrationPhantom, LargeOffsetWithTheBodyFillingTheFieldOfView)
{
  // 39 mm (mostly cranio-caudal) and 12 degrees (sagittal flexion) of patient motion, the follow-up imaged
  // at the same scanner position (the field of view was not re-centred): the body fills both fields of
  // view along two axes, so the centroids only align the fields of view, and the right start lies 39 mm
  // away from them. 288 x 288 x 48 mm at 1.8 x 1.8 x 3 mm. Before the translation search: 29.7 mm off.
  const PhantomCase             phantom = MakePhantomCase("seed", 1, PhantomGrid::Test);
  const itk::SpinalPhantomModel model = phantom.Model(0);
  PointType                     centre = model.CordCentre(0.5 * (model.DiscAbove(17) + model.DiscAbove(20)));
  centre[1] -= 12.0;
  const std::array<unsigned, 3> size{ { 160, 160, 16 } };
  const std::array<double, 3>   spacing{ { 1.8, 1.8, 3.0 } };
  const Motion                  truth = MakeMotion({ 12.0, 0.0, 0.0 }, { 6.0, -8.0, 38.0 }, centre);
  const Exam                    baseline = Render(model, size, spacing, centre, Identity(), 21);
  const Exam                    followup = Render(model, size, spacing, centre, truth, 22);

  const int saved = itk::MultiThreaderBase::GetGlobalDefaultNumberOfThreads();
  itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads(2);
  const auto two = RegisterLongitudinal(baseline.t1post, followup.t1post, nullptr);
  itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads(1);
  const auto one = RegisterLongitudinal(baseline.t1post, followup.t1post, nullptr);
  itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads(saved);

  const double error = MeanTargetError(two.transform, truth, baseline.cord);
  std::cout << two.Summary() << "mean target error over the cord: " << error << " mm\n";
  EXPECT_LT(error, 1.0) << two.Summary();
  // Deterministic: the same transform, bit for bit, at 1 and 2 threads.
  double difference = 0.0;
  for (itk::ImageRegionConstIteratorWithIndex<LabelImageType> it(baseline.cord,
                                                                 baseline.cord->GetLargestPossibleRegion());
       !it.IsAtEnd(); ++it)
  {
    if (it.Get())
    {
      PointType p;
      baseline.cord->TransformIndexToPhysicalPoint(it.GetIndex(), p);
      difference =
        std::max(difference, two.transform->TransformPoint(p).EuclideanDistanceTo(one.transform->TransformPoint(p)));
    }
  }
  std::cout << "1 vs 2 threads: max difference over the cord " << difference << " mm\n";
  EXPECT_EQ(difference, 0.0);
}

namespace {
/** The geometry of LargeOffsetWithTheBodyFillingTheFieldOfView (a 48 mm sagittal slab of 1.8 x 1.8 x 3 mm
 *  voxels around T12-L1, the follow-up field of view not re-centred) with `size` voxels, and ten motions of
 *  30-40 mm and 8-15 degrees in different directions: `check(baseline, followup, truth, description)` for
 *  each. */
void
ForEachLargeMotion(const std::array<unsigned, 3> &                                                              size,
                   const std::function<void(const Exam &, const Exam &, const Motion &, const std::string &)> & check)
{
  const PhantomCase             phantom = MakePhantomCase("seed", 1, PhantomGrid::Test);
  const itk::SpinalPhantomModel model = phantom.Model(0);
  PointType                     centre = model.CordCentre(0.5 * (model.DiscAbove(17) + model.DiscAbove(20)));
  centre[1] -= 12.0;
  const std::array<double, 3> spacing{ { 1.8, 1.8, 3.0 } };
  const Exam                  baseline = Render(model, size, spacing, centre, Identity(), 21);
  const std::vector<std::pair<std::array<double, 3>, std::array<double, 3>>> motions{
    { { 12.0, 0.0, 0.0 }, { 6.0, -8.0, 38.0 } },   { { -12.0, 0.0, 0.0 }, { -6.0, 8.0, -38.0 } },
    { { 7.0, -5.0, 8.0 }, { 5.0, -10.0, 37.0 } },  { { 0.0, 0.0, 0.0 }, { 0.0, 0.0, 40.0 } },
    { { 0.0, 0.0, 0.0 }, { 0.0, 0.0, -40.0 } },    { { -10.0, 3.0, 0.0 }, { 10.0, 5.0, 35.0 } },
    { { 10.0, 0.0, -5.0 }, { -8.0, 0.0, -38.0 } }, { { 0.0, 8.0, 0.0 }, { 0.0, 0.0, 30.0 } },
    { { 15.0, 0.0, 0.0 }, { 0.0, 10.0, -30.0 } },  { { -8.0, -6.0, 5.0 }, { -5.0, -15.0, 35.0 } },
  };
  std::uint64_t seed = 30;
  for (const auto & [degrees, mm] : motions)
  {
    const Motion       truth = MakeMotion(degrees, mm, centre);
    std::ostringstream description;
    description << "motion " << degrees[0] << " " << degrees[1] << " " << degrees[2] << " deg, " << mm[0] << " "
                << mm[1] << " " << mm[2] << " mm";
    check(baseline, Render(model, size, spacing, centre, truth, ++seed), truth, description.str());
  }
}
} // namespace

TEST(RegistrationPhantom, LargeOffsetsInManyDirections)
{
  // Before the finest level went on while still travelling (travelWindow, travellingSteps), four of these
  // ended 1.7-9.0 mm off: the right vertebral level, but an out-of-plane rotation of 2-3 degrees left over
  // by the coarse levels.
  ForEachLargeMotion({ { 160, 160, 16 } },
                     [](const Exam & baseline, const Exam & followup, const Motion & truth, const std::string & what) {
                       const auto   result = RegisterLongitudinal(baseline.t1post, followup.t1post, nullptr);
                       const double error = MeanTargetError(result.transform, truth, baseline.cord);
                       std::cout << what << ": error " << error << " mm\n";
                       EXPECT_LT(error, 1.0) << what << "\n" << result.Summary();
                     });
}

TEST(RegistrationPhantom, VertebralLabelsFixTheLevelOnASmallFieldOfView)
{
  // A 120 x 144 x 48 mm field of view (no body outline in view): the spine repeats every ~30 mm and a
  // 30-40 mm motion removes a quarter of the overlap, so the metric alone often prefers a neighbouring
  // level (8 of these 10 motions ended 29-61 mm off without labels). With the cord labelled by level in
  // both exams, the start comes from the labels and every motion is recovered.
  ForEachLargeMotion({ { 67, 80, 16 } }, [](const Exam & baseline, const Exam & followup, const Motion & truth,
                                            const std::string & what) {
    const auto start = LevelCorrespondenceTranslation(LabelCentroids(baseline.levels), LabelCentroids(followup.levels));
    ASSERT_TRUE(start.has_value()) << what;
    const auto result =
      RegisterLongitudinal(baseline.t1post, followup.t1post, nullptr, LongitudinalDefaults(), nullptr, start);
    const double error = MeanTargetError(result.transform, truth, baseline.cord);
    std::cout << what << ": level start " << (*start)[0] << " " << (*start)[1] << " " << (*start)[2] << " mm, error "
              << error << " mm\n";
    EXPECT_TRUE(result.startFromLevels);
    EXPECT_LT(error, 1.0) << what << "\n" << result.Summary();
  });
}

TEST(RegistrationPhantom, VertebralLabelsFixTheLevelWhenTheEdemaIsExcluded)
{
  // Clinical large-motion phantom (512 x 512 x 20): the baseline's long edema is excluded from the metric, as
  // the case pipeline does, which leaves less of the cord to tell the levels apart. The +-15 mm cranio-caudal
  // offset starts then ran around the label start and the +15 mm one fitted better: registered one vertebra
  // off (22 mm). With a level start no offset start beyond levelSearchRadiusMm is tried.
  TemporaryDirectory dir;
  WritePhantomCase(MakePhantomCase("large-motion", 1, PhantomGrid::Clinical), dir.Path());
  const auto fixed = LoadImage(dir / "baseline" / "t1post.nii.gz");
  const auto moving = LoadImage(dir / "followup" / "t1post.nii.gz");
  const auto cord = LoadLabelImage(dir / "truth" / "baseline_cord.nii.gz");
  const auto edema = LoadLabelImage(dir / "truth" / "baseline_edema.nii.gz");
  const auto truth = ReadTransformFile(dir / "truth" / "followup_to_baseline.tfm");
  const auto start =
    LevelCorrespondenceFromFiles(dir / "baseline" / "labels-disc.nii.gz", dir / "followup" / "labels-disc.nii.gz");
  auto error = [&](const RegistrationParameters & parameters) {
    const auto result = RegisterLongitudinal(fixed, moving, cord, parameters, edema, start);
    EXPECT_TRUE(result.startFromLevels);
    return MeanTargetError(
      result.transform, [&truth](const PointType & p) { return truth->TransformPoint(p); }, cord);
  };
  EXPECT_LT(error(LongitudinalDefaults()), 1.0);
  // Control: a level search radius of 15 mm keeps the 15 mm offset starts, and the wrong vertebra wins.
  RegistrationParameters wide = LongitudinalDefaults();
  wide.levelSearchRadiusMm = 15.0;
  EXPECT_GT(error(wide), 10.0);
}

} // namespace cordresponse::test
