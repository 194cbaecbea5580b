// The phantom: anatomy and contrasts, exact truth (analytic vs voxelised volumes, transform round trip,
// labels against intensities), determinism, presets and the `phantom` command.
#include "TestUtilities.h"

#include "cordresponse/Phantom.h"

#include "itkMath.h"
#include "itkMultiThreaderBase.h"
#include "itkSpinalLevels.h"
#include "itkSpinalPhantomImageSource.h"
#include "itkTransform.h"
#include "itkTransformFileReader.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "itkImageRegionConstIteratorWithIndex.h"

namespace cordresponse::test {
namespace fs = std::filesystem;
using json = nlohmann::json;
using Model = itk::SpinalPhantomModel;

namespace {
json
ReadJson(const fs::path & path)
{
  return json::parse(ReadText(path));
}

/** Seed and partial-response cases on the small test grid, written once for the whole suite. */
class PhantomCases : public ::testing::Test
{
protected:
  static void
  SetUpTestSuite()
  {
    s_Directory = new TemporaryDirectory();
    WritePhantomCase(MakePhantomCase("seed", 1, PhantomGrid::Test), s_Directory->Path() / "seed");
    WritePhantomCase(MakePhantomCase("partial-response", 3, PhantomGrid::Test), s_Directory->Path() / "pr");
  }
  static void
  TearDownTestSuite()
  {
    delete s_Directory;
    s_Directory = nullptr;
  }
  static fs::path
  Case(const std::string & name)
  {
    return s_Directory->Path() / name;
  }
  static TemporaryDirectory * s_Directory;
};
TemporaryDirectory * PhantomCases::s_Directory = nullptr;

double
MeanWhere(const ImageType * image, const LabelImageType * labels, const std::function<bool(unsigned int)> & select)
{
  double      sum = 0.0;
  std::size_t n = 0;
  for (std::size_t i = 0; i < image->GetPixelContainer()->Size(); ++i)
  {
    if (select(labels->GetBufferPointer()[i]))
    {
      sum += image->GetBufferPointer()[i];
      ++n;
    }
  }
  return n ? sum / n : 0.0;
}
} // namespace

// ------------------------------------------------------------------------------------------ model

TEST(PhantomModel, LevelsAreContiguousAndNamed)
{
  const Model model(10, 23, 150.0);
  for (unsigned int level = 10; level < 23; ++level)
  {
    const auto upper = model.LevelRange(level);
    const auto lower = model.LevelRange(level + 1);
    EXPECT_DOUBLE_EQ(upper[0], lower[1]) << itk::SpinalLevels::Name(level);
    EXPECT_GT(upper[1] - upper[0], 15.0);
    EXPECT_LT(upper[1] - upper[0], 40.0);
    EXPECT_EQ(model.LevelAt(0.5 * (upper[0] + upper[1])), level);
    EXPECT_DOUBLE_EQ(model.DiscAbove(level), upper[1]);
  }
  EXPECT_EQ(model.LevelAt(1000.0), 0u);
  EXPECT_THROW(model.LevelRange(5), std::out_of_range);
}

TEST(PhantomModel, CordSizeFollowsAnatomy)
{
  const Model model(10, 23, 150.0);
  const auto  thoracic = model.CordSemiAxes(0.5 * (model.LevelRange(13)[0] + model.LevelRange(13)[1]));    // T6
  const auto  enlargement = model.CordSemiAxes(0.5 * (model.LevelRange(19)[0] + model.LevelRange(19)[1])); // T12
  const auto  below = model.CordSemiAxes(model.LevelRange(21)[0]);                                         // L2
  EXPECT_NEAR(2 * thoracic[0], 8.0, 1.0); // left-right diameter ~8 mm
  EXPECT_NEAR(2 * thoracic[1], 6.5, 0.8); // antero-posterior ~6.5 mm
  EXPECT_GT(enlargement[0], thoracic[0]); // lumbar enlargement
  EXPECT_EQ(below[0], 0.0);               // conus ends above L2
  const auto canal = model.CanalSemiAxes(model.LevelRange(13)[0]);
  EXPECT_GT(canal[0], thoracic[0] + 3.0);                         // CSF around the cord
  EXPECT_NE(model.CentrelineSlope(model.LevelRange(13)[0]), 0.0); // curved
}

TEST(PhantomModel, GreyMatterIsAnHShapedFifthOfTheCordWhenAskedFor)
{
  // Area of the grey matter in a unit cross-section (fraction of the disc), on a fine grid.
  std::size_t inDisc = 0, inGrey = 0;
  for (double u = -1.0; u <= 1.0; u += 0.005)
    for (double v = -1.0; v <= 1.0; v += 0.005)
      if (u * u + v * v <= 1.0)
      {
        ++inDisc;
        inGrey += Model::InsideGreyMatter(u, v) ? 1 : 0;
      }
  EXPECT_NEAR(static_cast<double>(inGrey) / static_cast<double>(inDisc), 0.18, 0.03); // thoracic cord
  EXPECT_TRUE(Model::InsideGreyMatter(0.0, 0.0));   // grey commissure around the central canal
  EXPECT_TRUE(Model::InsideGreyMatter(0.35, -0.4)); // ventral horn
  EXPECT_TRUE(Model::InsideGreyMatter(-0.42, 0.6)); // dorsal horn, diverging
  EXPECT_FALSE(Model::InsideGreyMatter(0.0, 0.5));  // dorsal columns: white matter
  EXPECT_FALSE(Model::InsideGreyMatter(0.8, 0.0));  // lateral funiculus
  EXPECT_FALSE(Model::InsideGreyMatter(0.0, -0.5)); // ventral funiculus

  // Off by default; with it, the cord centre is grey matter: T2 brighter, T1 darker; edema overrides it.
  PhantomCase phantom = MakePhantomCase("seed", 1);
  const auto  z = 0.5 * (phantom.Model(0).LevelRange(13)[0] + phantom.Model(0).LevelRange(13)[1]); // T6
  const auto  centre = phantom.Model(0).CordCentre(z);
  EXPECT_FALSE(phantom.Model(0).Classify(centre).greyMatter);
  phantom.greyMatter = true;
  const Model model = phantom.Model(0);
  const auto  grey = model.Classify(centre);
  ASSERT_EQ(grey.tissue, itk::PhantomTissue::Cord);
  EXPECT_TRUE(grey.greyMatter);
  Model::Sample white = grey, edematous = grey;
  white.greyMatter = false;
  edematous.edema = true;
  using S = itk::PhantomSequence;
  EXPECT_NEAR(model.Intensity(grey, S::T2) / model.Intensity(white, S::T2), 1.12, 1e-9);
  EXPECT_NEAR(model.Intensity(grey, S::T1Pre) / model.Intensity(white, S::T1Pre), 0.92, 1e-9);
  EXPECT_GT(model.Intensity(edematous, S::T2), 1.4 * model.Intensity(white, S::T2));
}

TEST(PhantomModel, CaudaEquinaFillsTheSacAroundAndBelowTheConusWhenAskedFor)
{
  // Tissue areas (mm^2) of the cross-section through the middle of vertebra `level`, on a 0.1 mm grid.
  struct Areas
  {
    double cord{ 0 }, roots{ 0 }, dorsalRoots{ 0 }, leftRoots{ 0 }, rightRoots{ 0 };
  };
  auto areasAt = [](const Model & model, unsigned int level) {
    const auto   range = model.LevelRange(level);
    const double z = 0.5 * (range[0] + range[1]);
    const auto   centre = model.CordCentre(z);
    Areas        a;
    for (double x = -15.0; x <= 15.0; x += 0.1)
      for (double y = -15.0; y <= 15.0; y += 0.1)
      {
        const auto tissue = model.Classify(Model::PointType{ { x, centre[1] + y, z } }).tissue;
        a.cord += tissue == itk::PhantomTissue::Cord ? 0.01 : 0.0;
        if (tissue == itk::PhantomTissue::NerveRoot)
        {
          a.roots += 0.01;
          a.dorsalRoots += y > Model::CanalOffsetY ? 0.01 : 0.0; // y posterior
          (x > 0.0 ? a.leftRoots : a.rightRoots) += 0.01;
        }
      }
    return a;
  };
  constexpr unsigned int T10 = 17, L1 = 20, L2 = 21, L4 = 23;
  PhantomCase            phantom = MakePhantomCase("seed", 1);
  const Areas            plainL2 = areasAt(phantom.Model(0), L2), plainL1 = areasAt(phantom.Model(0), L1);
  EXPECT_EQ(plainL2.roots, 0.0); // off by default: CSF alone below the conus
  phantom.caudaEquina = true;
  const Model model = phantom.Model(0);
  EXPECT_EQ(areasAt(model, T10).roots, 0.0); // no root above the lumbar enlargement
  // Around the conus (L1): roots beside the cord, which keeps its exact cross-section (the truth cord label).
  const Areas conus = areasAt(model, L1);
  EXPECT_GT(conus.roots, 5.0);
  EXPECT_NEAR(conus.cord, plainL1.cord, 1e-9);
  EXPECT_GT(conus.cord, 10.0);
  // Below the conus (L2): no cord; roots on both sides alike, the sacral ones dorsal (supine patient).
  const Areas below = areasAt(model, L2);
  EXPECT_EQ(below.cord, 0.0);
  EXPECT_GT(below.roots, 15.0);
  EXPECT_NEAR(below.leftRoots, below.rightRoots, 0.15 * below.roots);
  EXPECT_GT(below.dorsalRoots, 0.5 * below.roots);
  // The lumbar pairs leave the sac above their foramina: fewer roots at L4.
  EXPECT_LT(areasAt(model, L4).roots, 0.8 * below.roots);
  // Nerve roots are cord-like and do not enhance: dark against CSF on T2.
  Model::Sample root;
  root.tissue = itk::PhantomTissue::NerveRoot;
  Model::Sample csf;
  csf.tissue = itk::PhantomTissue::CSF;
  using S = itk::PhantomSequence;
  EXPECT_LT(model.Intensity(root, S::T2), 0.5 * model.Intensity(csf, S::T2));
  EXPECT_LT(model.Intensity(root, S::T1Post), 1.05 * model.Intensity(root, S::T1Pre));
  EXPECT_GT(model.Intensity(root, S::T1Pre), 2.0 * model.Intensity(csf, S::T1Pre));
}

TEST(PhantomModel, ClassifiesAnatomyLesionsAndDistractors)
{
  const PhantomCase phantom = MakePhantomCase("seed", 1);
  const Model       model = phantom.Model(0);
  const auto &      focus = model.GetLesions().at(0);
  const auto &      rim = model.GetLesions().at(1);
  Model::PointType  p = model.CordCentre(focus.z);
  auto              s = model.Classify(p);
  EXPECT_EQ(s.tissue, itk::PhantomTissue::LesionCore);
  EXPECT_EQ(s.lesionId, 1);
  EXPECT_TRUE(s.edema);
  EXPECT_EQ(itk::SpinalLevels::Name(s.level).substr(0, 1), "T");

  p = model.CordCentre(rim.z);
  EXPECT_EQ(model.Classify(p).tissue, itk::PhantomTissue::LesionCore); // the core of a rim-enhancing focus
  p[2] += rim.semiAxes[2] * std::cos(std::atan(model.CentrelineSlope(rim.z))) - 0.4;
  p[1] = model.CordCentre(p[2])[1];
  EXPECT_EQ(model.Classify(p).lesionId, 2);

  const double z = model.LevelRange(13)[0] + 5.0; // T6: plain cord, no lesion, no edema
  p = model.CordCentre(z);
  s = model.Classify(p);
  EXPECT_EQ(s.tissue, itk::PhantomTissue::Cord);
  EXPECT_FALSE(s.edema);
  p[1] += model.CordSemiAxes(z)[1] + 1.5;
  EXPECT_EQ(model.Classify(p).tissue, itk::PhantomTissue::CSF);
  p[1] = -400.0;
  EXPECT_EQ(model.Classify(p).tissue, itk::PhantomTissue::Air);

  const auto & d = model.GetDistractors();
  const double vz = 0.5 * (d.vesselTop + d.vesselBottom);
  p = model.CordCentre(vz);
  p[1] += model.CordSemiAxes(vz)[1] + d.vesselRadius + 0.2;
  EXPECT_EQ(model.Classify(p).tissue, itk::PhantomTissue::Vessel);
  const auto mets = model.LevelRange(d.boneMetastasisLevel);
  bool       foundMetastasis = false;
  for (double y = -60.0; y < 0.0 && !foundMetastasis; y += 0.5)
  {
    Model::PointType q = model.CordCentre(0.5 * (mets[0] + mets[1]) - 1.0);
    q[1] += y;
    foundMetastasis = model.Classify(q).tissue == itk::PhantomTissue::BoneMetastasis;
  }
  EXPECT_TRUE(foundMetastasis);
}

TEST(PhantomModel, ContrastsAreThoseOfSpinalMri)
{
  const PhantomCase phantom = MakePhantomCase("seed", 1);
  const Model       model = phantom.Model(0);
  Model::Sample     cord, csf, lesion, edema, vessel;
  cord.tissue = itk::PhantomTissue::Cord;
  csf.tissue = itk::PhantomTissue::CSF;
  lesion.tissue = itk::PhantomTissue::LesionCore;
  lesion.lesionId = 1;
  edema = cord;
  edema.edema = true;
  vessel.tissue = itk::PhantomTissue::Vessel;
  using S = itk::PhantomSequence;
  EXPECT_GT(model.Intensity(cord, S::T1Pre), 2.0 * model.Intensity(csf, S::T1Pre)); // T1: cord brighter
  EXPECT_GT(model.Intensity(csf, S::T2), 2.0 * model.Intensity(cord, S::T2));       // T2: CSF brighter
  EXPECT_NEAR(model.Intensity(lesion, S::T1Post) / model.Intensity(cord, S::T1Post), 1.9, 1e-9);
  EXPECT_LT(model.Intensity(lesion, S::T1Pre), model.Intensity(cord, S::T1Pre));
  EXPECT_GT(model.Intensity(edema, S::T2), 1.4 * model.Intensity(cord, S::T2));
  EXPECT_LT(model.Intensity(edema, S::T2), model.Intensity(csf, S::T2));
  EXPECT_GT(model.Intensity(vessel, S::T1Post), model.Intensity(cord, S::T1Post) * 1.5);
}

// --------------------------------------------------------------------------------------- renderer

namespace {
itk::SpinalPhantomImageSource::Pointer
SmallSource(const Model & model, std::uint64_t seed)
{
  auto source = itk::SpinalPhantomImageSource::New();
  source->SetModel(model);
  itk::SpinalPhantomImageSource::SizeType size = { { 40, 90, 8 } };
  source->SetSize(size);
  itk::SpinalPhantomImageSource::SpacingType spacing;
  spacing[0] = 0.6, spacing[1] = 0.6, spacing[2] = 3.0;
  source->SetSpacing(spacing);
  itk::SpinalPhantomImageSource::DirectionType direction;
  direction.Fill(0.0);
  direction(1, 0) = 1.0, direction(2, 1) = -1.0, direction(0, 2) = -1.0;
  source->SetDirection(direction);
  const auto &                             lesion = model.GetLesions().front();
  const auto                               c = model.CordCentre(lesion.z);
  itk::SpinalPhantomImageSource::PointType origin;
  origin[0] = c[0] + 10.5, origin[1] = c[1] - 12.0, origin[2] = lesion.z + 27.0;
  source->SetOrigin(origin);
  source->SetSeed(seed);
  return source;
}

bool
SameBuffers(const itk::Image<float, 3> * a, const itk::Image<float, 3> * b)
{
  return std::equal(a->GetBufferPointer(), a->GetBufferPointer() + a->GetPixelContainer()->Size(),
                    b->GetBufferPointer());
}
} // namespace

TEST(PhantomRenderer, IdenticalAtAnyThreadCountAndSeedDependent)
{
  const Model model = MakePhantomCase("seed", 1).Model(0);
  const int   saved = itk::MultiThreaderBase::GetGlobalDefaultNumberOfThreads();
  itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads(1);
  auto one = SmallSource(model, 5);
  one->Update();
  itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads(2);
  auto two = SmallSource(model, 5);
  two->Update();
  auto other = SmallSource(model, 6);
  other->Update();
  itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads(saved);
  for (unsigned int s = 0; s < itk::PhantomSequenceCount; ++s)
  {
    const auto seq = static_cast<itk::PhantomSequence>(s);
    EXPECT_TRUE(SameBuffers(one->GetSequenceOutput(seq), two->GetSequenceOutput(seq)));
    EXPECT_FALSE(SameBuffers(one->GetSequenceOutput(seq), other->GetSequenceOutput(seq)));
  }
  EXPECT_EQ(one->GetLesionPartialVolume(1), two->GetLesionPartialVolume(1));
  EXPECT_GT(one->GetLesionPartialVolume(1), 0.0);
}

TEST(PhantomRenderer, NoiseHasTheRequestedSnr)
{
  // Plain anatomy (no lesion, no edema), no bias, no texture: deep inside the cord every voxel is pure
  // cord, so the spread there is the noise: sigma = cord signal / SNR (Rician ~ Gaussian at SNR 20).
  Model model(10, 23, 150.0);
  model.AddLesion(MakePhantomCase("seed", 1).timepoints[0].lesions[0]); // positions the window
  auto source = SmallSource(model, 9);
  model = Model(10, 23, 150.0);
  source->SetModel(model);
  source->SetBiasAmplitude(0.0);
  source->SetTextureAmplitude(0.0);
  source->SetSNR(20.0);
  source->Update();
  for (unsigned int s = 0; s < itk::PhantomSequenceCount; ++s)
  {
    const auto   seq = static_cast<itk::PhantomSequence>(s);
    const auto * image = source->GetSequenceOutput(seq);
    double       sum = 0, sum2 = 0;
    std::size_t  n = 0;
    for (itk::ImageRegionConstIteratorWithIndex<itk::Image<float, 3>> it(image, image->GetLargestPossibleRegion());
         !it.IsAtEnd(); ++it)
    {
      itk::Point<double, 3> p;
      image->TransformIndexToPhysicalPoint(it.GetIndex(), p);
      const auto c = model.CordCentre(p[2]);
      const auto a = model.CordSemiAxes(p[2]);
      if (std::pow((p[0] - c[0]) / a[0], 2) + std::pow((p[1] - c[1]) / a[1], 2) < 0.2)
      {
        sum += it.Get(), sum2 += double(it.Get()) * it.Get(), ++n;
      }
    }
    ASSERT_GT(n, 100u);
    const double mean = sum / n;
    const double sd = std::sqrt(sum2 / n - mean * mean);
    EXPECT_NEAR(mean, Model::CordSignal(seq), 0.03 * Model::CordSignal(seq));
    EXPECT_NEAR(sd, Model::CordSignal(seq) / 20.0, 0.15 * Model::CordSignal(seq) / 20.0);
  }
}

TEST(PhantomRenderer, ZeroFilledAcquisitionBlursRingsAndCorrelatesTheNoise)
{
  // Acquired at 1.2 mm in-plane (half the k-space of the 0.6 mm grid along each in-plane axis), reconstructed
  // by zero filling: the image keeps its mean, gains Gibbs overshoot beyond the brightest tissue, and its noise
  // keeps sigma = cord / SNR while neighbours correlate (sinc autocorrelation: 0.64 at one voxel).
  Model model(10, 23, 150.0);
  model.AddLesion(MakePhantomCase("seed", 1).timepoints[0].lesions[0]); // positions the window
  auto render = [&model](double acquired, double snr, int threads) {
    const int saved = itk::MultiThreaderBase::GetGlobalDefaultNumberOfThreads();
    itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads(threads);
    auto source = SmallSource(model, 9);
    source->SetModel(Model(10, 23, 150.0));
    source->SetBiasAmplitude(0.0);
    source->SetTextureAmplitude(0.0);
    source->SetSNR(snr);
    itk::SpinalPhantomImageSource::SpacingType spacing;
    spacing[0] = acquired, spacing[1] = acquired, spacing[2] = 0.0;
    source->SetAcquiredSpacing(spacing);
    source->Update();
    itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads(saved);
    return source;
  };
  const Model plain(10, 23, 150.0);
  const auto  ideal = render(0.0, 0.0, 2), zeroFilled = render(1.2, 0.0, 2);
  const auto  noisy = render(1.2, 20.0, 2), noisyOneThread = render(1.2, 20.0, 1), white = render(0.0, 20.0, 2);
  for (unsigned int s = 0; s < itk::PhantomSequenceCount; ++s)
  {
    const auto   seq = static_cast<itk::PhantomSequence>(s);
    const auto * a = ideal->GetSequenceOutput(seq);
    const auto * b = zeroFilled->GetSequenceOutput(seq);
    const auto   n = a->GetPixelContainer()->Size();
    double       sumA = 0, sumB = 0;
    for (std::size_t i = 0; i < n; ++i)
    {
      sumA += a->GetBufferPointer()[i], sumB += b->GetBufferPointer()[i];
    }
    EXPECT_NEAR(sumB / n, sumA / n, 0.01 * sumA / n) << "mean kept";
    const float maxA = *std::max_element(a->GetBufferPointer(), a->GetBufferPointer() + n);
    const float maxB = *std::max_element(b->GetBufferPointer(), b->GetBufferPointer() + n);
    EXPECT_GT(maxB, 1.03f * maxA) << "Gibbs overshoot beyond the brightest tissue";
    EXPECT_TRUE(SameBuffers(noisy->GetSequenceOutput(seq), noisyOneThread->GetSequenceOutput(seq)));

    // Noise = noisy - noiseless, deep in the cord; its sigma and the correlation of neighbours per axis.
    for (const auto & pair : { std::make_pair(noisy.GetPointer(), true), std::make_pair(white.GetPointer(), false) })
    {
      const auto * image = pair.first->GetSequenceOutput(seq);
      const auto * clean = pair.second ? b : a;
      auto         deep = [&](const itk::Index<3> & index) {
        itk::Point<double, 3> p;
        image->TransformIndexToPhysicalPoint(index, p);
        const auto c = plain.CordCentre(p[2]);
        const auto axes = plain.CordSemiAxes(p[2]);
        return std::pow((p[0] - c[0]) / axes[0], 2) + std::pow((p[1] - c[1]) / axes[1], 2) < 0.3;
      };
      auto noise = [&](const itk::Index<3> & index) { return double(image->GetPixel(index)) - clean->GetPixel(index); };
      double                sum2 = 0;
      std::array<double, 2> lag{}, lagSum2{};
      std::size_t           count = 0;
      for (itk::ImageRegionConstIteratorWithIndex<itk::Image<float, 3>> it(image, image->GetLargestPossibleRegion());
           !it.IsAtEnd(); ++it)
      {
        const auto index = it.GetIndex();
        if (!deep(index))
        {
          continue;
        }
        sum2 += noise(index) * noise(index), ++count;
        for (unsigned int d = 0; d < 2; ++d)
        {
          auto next = index;
          ++next[d];
          if (image->GetLargestPossibleRegion().IsInside(next) && deep(next))
          {
            lag[d] += noise(index) * noise(next), lagSum2[d] += noise(index) * noise(index);
          }
        }
      }
      ASSERT_GT(count, 100u);
      const double sigma = Model::CordSignal(seq) / 20.0;
      EXPECT_NEAR(std::sqrt(sum2 / count), sigma, 0.15 * sigma) << (pair.second ? "zero-filled" : "white");
      for (unsigned int d = 0; d < 2; ++d)
      {
        const double correlation = lag[d] / lagSum2[d];
        if (pair.second)
        {
          EXPECT_GT(correlation, 0.45) << "axis " << d;
        }
        else
        {
          EXPECT_LT(std::abs(correlation), 0.15) << "axis " << d;
        }
      }
    }
  }
}

// ------------------------------------------------------------------------------------------ truth

TEST_F(PhantomCases, WritesImagesTruthMapsTransformAndJson)
{
  const json truth = ReadJson(Case("seed") / "truth.json");
  const json caseFile = ReadJson(Case("seed") / "case.json");
  ASSERT_EQ(truth["timepoints"].size(), 2u);
  ASSERT_EQ(caseFile["timepoints"].size(), 2u);
  for (const auto & tp : caseFile["timepoints"])
  {
    for (const char * seq : { "t1pre", "t1post", "t2" })
    {
      const auto image = LoadImage(Case("seed") / tp["images"][seq].get<std::string>());
      EXPECT_EQ(image->GetLargestPossibleRegion().GetSize(), (ImageType::SizeType{ { 200, 280, 16 } }));
      EXPECT_NEAR(image->GetSpacing()[2], 3.0, 1e-9);
      EXPECT_GT(std::abs(image->GetDirection()(1, 0) - 1.0) + std::abs(image->GetDirection()(2, 1) + 1.0), 1e-3)
        << "direction cosines should be oblique, not trivial";
    }
    EXPECT_TRUE(fs::exists(Case("seed") / tp["vertebral_labels"].get<std::string>()));
  }
  for (const auto & tp : truth["timepoints"])
  {
    for (const char * map : { "cord", "lesions", "edema", "levels" })
    {
      EXPECT_TRUE(fs::exists(Case("seed") / tp["truth_maps"][map].get<std::string>())) << map;
    }
  }
  EXPECT_TRUE(fs::exists(Case("seed") / truth["timepoints"][1]["followup_to_baseline"]["file"].get<std::string>()));
  EXPECT_EQ(truth["expected_response"][0]["rano_bm"], "CR");
}

TEST_F(PhantomCases, AnalyticPartialVolumeAndVoxelisedVolumesAgree)
{
  for (const char * name : { "seed", "pr" })
  {
    const json truth = ReadJson(Case(name) / "truth.json");
    for (const auto & tp : truth["timepoints"])
    {
      for (const auto & lesion : tp["enhancing"]["lesions"])
      {
        SCOPED_TRACE(std::string(name) + " " + tp["label"].get<std::string>() + " lesion " + lesion["id"].dump());
        const double analytic = lesion["analytic_volume_mm3"];
        EXPECT_TRUE(lesion["analytic_volume_is_closed_form"].get<bool>());
        // Partial-volume sum of voxel fractions: exact up to the sub-sampling (0.5 mm) error.
        EXPECT_NEAR(lesion["partial_volume_mm3"].get<double>(), analytic, 0.03 * analytic);
        // Majority voxelisation on 3 mm slices: biased for small foci, but close for large ones.
        EXPECT_NEAR(lesion["voxel_volume_mm3"].get<double>(), analytic, 0.25 * analytic);
      }
      const double edema = tp["edema"]["analytic_volume_mm3"];
      EXPECT_NEAR(tp["edema"]["partial_volume_mm3"].get<double>(), edema, 0.02 * edema);
      EXPECT_NEAR(tp["edema"]["voxel_volume_mm3"].get<double>(), edema, 0.06 * edema);
    }
  }
  // The closed form itself: the seed case's first focus is an ellipsoid 4/3 pi a b c.
  const PhantomCase phantom = MakePhantomCase("seed", 1, PhantomGrid::Test);
  const auto &      a = phantom.timepoints[0].lesions[0].semiAxes;
  const json        truth = ReadJson(Case("seed") / "truth.json");
  EXPECT_NEAR(truth["timepoints"][0]["enhancing"]["lesions"][0]["analytic_volume_mm3"].get<double>(),
              4.0 / 3.0 * itk::Math::pi * a[0] * a[1] * a[2], 1e-9);
}

TEST_F(PhantomCases, LevelsAndDiametersOfTheSeedCase)
{
  const json   truth = ReadJson(Case("seed") / "truth.json");
  const auto & lesions = truth["timepoints"][0]["enhancing"]["lesions"];
  EXPECT_EQ(lesions[0]["levels"], "T9-T10");
  EXPECT_EQ(lesions[1]["levels"], "T12-L1");
  EXPECT_EQ(lesions[1]["enhancement"], "rim");
  EXPECT_TRUE(lesions[0]["rano_bm_measurable"].get<bool>());
  EXPECT_FALSE(lesions[1]["rano_bm_measurable"].get<bool>()); // perpendicular < 5 mm
  EXPECT_GE(truth["timepoints"][0]["edema"]["segments"].get<int>(), 4);
  EXPECT_LT(truth["timepoints"][1]["edema"]["analytic_volume_mm3"].get<double>(),
            0.5 * truth["timepoints"][0]["edema"]["analytic_volume_mm3"].get<double>());
  EXPECT_EQ(truth["timepoints"][1]["enhancing"]["lesion_count"], 0);
}

TEST_F(PhantomCases, LabelsAgreeWithIntensities)
{
  const json   truth = ReadJson(Case("seed") / "truth.json");
  const auto & tp = truth["timepoints"][0];
  const auto   t1post = LoadImage(Case("seed") / tp["images"]["t1post"].get<std::string>());
  const auto   t1pre = LoadImage(Case("seed") / tp["images"]["t1pre"].get<std::string>());
  const auto   t2 = LoadImage(Case("seed") / tp["images"]["t2"].get<std::string>());
  const auto   lesions = LoadLabelImage(Case("seed") / tp["truth_maps"]["lesions"].get<std::string>());
  const auto   cord = LoadLabelImage(Case("seed") / tp["truth_maps"]["cord"].get<std::string>());
  const auto   edema = LoadLabelImage(Case("seed") / tp["truth_maps"]["edema"].get<std::string>());
  // Build a "normal cord" selector: cord, not lesion, not edema.
  auto normal = LabelImageType::New();
  normal->CopyInformation(cord);
  normal->SetRegions(cord->GetLargestPossibleRegion());
  normal->Allocate();
  for (std::size_t i = 0; i < cord->GetPixelContainer()->Size(); ++i)
  {
    normal->GetBufferPointer()[i] =
      cord->GetBufferPointer()[i] && !lesions->GetBufferPointer()[i] && !edema->GetBufferPointer()[i];
  }
  const double cordPost = MeanWhere(t1post, normal, [](unsigned int v) { return v != 0; });
  const double focusPost = MeanWhere(t1post, lesions, [](unsigned int v) { return v == 1; });
  const double cordPre = MeanWhere(t1pre, normal, [](unsigned int v) { return v != 0; });
  const double focusPre = MeanWhere(t1pre, lesions, [](unsigned int v) { return v == 1; });
  const double cordT2 = MeanWhere(t2, normal, [](unsigned int v) { return v != 0; });
  const double edemaT2 = MeanWhere(t2, edema, [](unsigned int v) { return v != 0; });
  EXPECT_GT(focusPost, 1.4 * cordPost); // enhancing focus
  EXPECT_LT(focusPre, 0.7 * focusPost); // the brightness comes from the contrast agent
  EXPECT_LT(focusPre, 1.2 * cordPre);
  EXPECT_GT(edemaT2, 1.2 * cordT2); // T2-hyperintense edema
  const auto  levels = LoadLabelImage(Case("seed") / tp["truth_maps"]["levels"].get<std::string>());
  std::size_t cordVoxels = 0, labelledVoxels = 0;
  for (std::size_t i = 0; i < cord->GetPixelContainer()->Size(); ++i)
  {
    cordVoxels += cord->GetBufferPointer()[i] != 0;
    labelledVoxels += levels->GetBufferPointer()[i] != 0;
    if (levels->GetBufferPointer()[i] != 0)
    {
      EXPECT_NE(cord->GetBufferPointer()[i], 0) << "level label outside the cord";
    }
  }
  EXPECT_EQ(cordVoxels, labelledVoxels);
}

TEST_F(PhantomCases, TruthTransformRoundTrip)
{
  RegisterIOFactories();
  const json truth = ReadJson(Case("pr") / "truth.json");
  const auto reader = itk::TransformFileReaderTemplate<double>::New();
  reader->SetFileName(
    (Case("pr") / truth["timepoints"][1]["followup_to_baseline"]["file"].get<std::string>()).string());
  reader->Update();
  ASSERT_EQ(reader->GetTransformList()->size(), 1u);
  auto * transform = dynamic_cast<itk::Transform<double, 3, 3> *>(reader->GetTransformList()->front().GetPointer());
  ASSERT_NE(transform, nullptr);
  // The same matrix as in truth.json.
  const auto &          m = truth["timepoints"][1]["followup_to_baseline"]["matrix_lps"];
  itk::Point<double, 3> p;
  p[0] = 3.0, p[1] = -20.0, p[2] = 40.0;
  const auto q = transform->TransformPoint(p);
  for (unsigned int r = 0; r < 3; ++r)
  {
    double expected = m[r][3].get<double>();
    for (unsigned int c = 0; c < 3; ++c)
    {
      expected += m[r][c].get<double>() * p[c];
    }
    EXPECT_NEAR(q[r], expected, 1e-9);
  }
  // It maps each baseline lesion centroid to that lesion's follow-up centroid (same centre, smaller size).
  for (std::size_t i = 0; i < 2; ++i)
  {
    const auto &          b = truth["timepoints"][0]["enhancing"]["lesions"][i]["centroid_lps"];
    const auto &          f = truth["timepoints"][1]["enhancing"]["lesions"][i]["centroid_lps"];
    itk::Point<double, 3> pb;
    for (unsigned int d = 0; d < 3; ++d)
    {
      pb[d] = b[d].get<double>();
    }
    const auto pf = transform->TransformPoint(pb);
    for (unsigned int d = 0; d < 3; ++d)
    {
      EXPECT_NEAR(pf[d], f[d].get<double>(), 0.05);
    }
  }
  // And the exam geometry says the same: q = R p + t for both exams, so baseline -> follow-up is
  // R_f R_b^T (q_b - t_b) + t_f.
  const PhantomCase               phantom = MakePhantomCase("partial-response", 3, PhantomGrid::Test);
  const auto                      gb = ExamGeometry(phantom, 0);
  const auto                      gf = ExamGeometry(phantom, 1);
  const itk::Matrix<double, 3, 3> inverse(gb.motionRotation.GetTranspose());
  itk::Vector<double, 3>          shifted;
  for (unsigned int d = 0; d < 3; ++d)
  {
    shifted[d] = p[d] - gb.motionTranslation[d];
  }
  const itk::Vector<double, 3> body = inverse * shifted;
  const itk::Vector<double, 3> expected = gf.motionRotation * body + gf.motionTranslation;
  for (unsigned int d = 0; d < 3; ++d)
  {
    EXPECT_NEAR(q[d], expected[d], 1e-9);
  }
}

TEST_F(PhantomCases, DiscLabelsSitOnTheirDiscs)
{
  const json  caseFile = ReadJson(Case("seed") / "case.json");
  const auto  discs = LoadLabelImage(Case("seed") / caseFile["timepoints"][0]["vertebral_labels"].get<std::string>());
  const Model model = MakePhantomCase("seed", 1, PhantomGrid::Test).Model(0);
  std::map<unsigned int, itk::Point<double, 3>> found;
  for (itk::ImageRegionConstIteratorWithIndex<LabelImageType> it(discs, discs->GetLargestPossibleRegion());
       !it.IsAtEnd(); ++it)
  {
    if (it.Get() != 0)
    {
      discs->TransformIndexToPhysicalPoint(it.GetIndex(), found[it.Get()]);
    }
  }
  ASSERT_GE(found.size(), 5u);
  for (const auto & f : found)
  {
    // Baseline: scanner = body frame. Within a voxel of the disc's mid-height.
    EXPECT_NEAR(f.second[2], model.DiscAbove(f.first), 3.0) << itk::SpinalLevels::Name(f.first);
  }
}

// ---------------------------------------------------------------------------------------- presets

TEST(PhantomPresets, DeclaredResponsesFollowFromTheLesionSizes)
{
  // An independent check of each preset's intent with RANO-BM arithmetic on the ellipsoid axes.
  for (const auto & preset : PhantomPresets())
  {
    SCOPED_TRACE(preset.first);
    const PhantomCase c = MakePhantomCase(preset.first, 1, PhantomGrid::Test);
    ASSERT_GE(c.timepoints.size(), 2u);
    auto diameters = [](const PhantomTimepoint & t) {
      std::map<unsigned int, std::pair<double, double>> d; // id -> (sagittal LD, perpendicular)
      for (const auto & l : t.lesions)
      {
        auto & e = d[l.id];
        e.first += 2 * std::max(l.semiAxes[1], l.semiAxes[2]);
        e.second = std::max(e.second, 2 * std::min(l.semiAxes[1], l.semiAxes[2]));
      }
      return d;
    };
    const auto             base = diameters(c.timepoints[0]);
    double                 baseSum = 0;
    std::set<unsigned int> targets;
    for (const auto & b : base)
    {
      if (b.second.first >= 10.0 && b.second.second >= 5.0)
      {
        targets.insert(b.first);
        baseSum += b.second.first;
      }
    }
    double nadir = baseSum;
    for (std::size_t t = 1; t < c.timepoints.size(); ++t)
    {
      const auto now = diameters(c.timepoints[t]);
      double     sum = 0;
      bool       fivemm = false, fresh = false;
      for (const auto & n : now)
      {
        if (targets.count(n.first))
        {
          sum += n.second.first;
          fivemm = fivemm || n.second.first - base.at(n.first).first >= 5.0;
        }
        fresh = fresh || !base.count(n.first);
      }
      const std::string & expected = c.timepoints[t].expectedRanoBm;
      if (expected == "CR")
      {
        EXPECT_TRUE(now.empty());
      }
      else if (expected == "PR")
      {
        EXPECT_LE(sum, 0.7 * baseSum);
        EXPECT_FALSE(fresh);
      }
      else if (expected == "PD")
      {
        EXPECT_TRUE(fresh || (sum >= 1.2 * nadir && fivemm));
      }
      else
      {
        EXPECT_EQ(expected, "SD");
        EXPECT_FALSE(fresh);
        EXPECT_FALSE(sum >= 1.2 * nadir && fivemm);
        if (!targets.empty())
        {
          EXPECT_GT(sum, 0.7 * baseSum);
        }
      }
      nadir = std::min(nadir, sum);
    }
  }
  EXPECT_THROW(MakePhantomCase("no-such-preset"), std::invalid_argument);
}

TEST(PhantomPresets, ClinicalGridIsTheSagittalProtocol)
{
  const auto g = ExamGeometry(MakePhantomCase("seed", 1, PhantomGrid::Clinical), 1);
  EXPECT_EQ(g.size, (itk::Size<3>{ { 512, 512, 20 } }));
  EXPECT_DOUBLE_EQ(g.spacing[0], 0.6);
  EXPECT_DOUBLE_EQ(g.spacing[2], 3.0);
  // Slices run left-right: the third axis is (almost) the x axis; the grid is oblique (not exactly).
  EXPECT_GT(std::abs(g.direction(0, 2)), 0.99);
  EXPECT_LT(std::abs(g.direction(0, 2)), 0.99999);
  // The follow-up has moved.
  EXPECT_GT(g.motionTranslation.GetNorm(), 1.0);
  const auto large = ExamGeometry(MakePhantomCase("large-motion", 1, PhantomGrid::Clinical), 1);
  EXPECT_GT(large.motionTranslation.GetNorm(), 15.0);
}

TEST(PhantomCommand, ListsPresetsAndRejectsUnknownOnes)
{
  const auto list = RunCommand(Quote(CORDRESPONSE_EXE) + " phantom --list");
  ASSERT_EQ(list.exitCode, 0) << list.output;
  for (const auto & preset : PhantomPresets())
  {
    EXPECT_NE(list.output.find(preset.first), std::string::npos);
  }
  TemporaryDirectory dir;
  const auto         bad = RunCommand(Quote(CORDRESPONSE_EXE) + " phantom --preset nope --out " + Quote(dir / "x"));
  EXPECT_NE(bad.exitCode, 0);
  EXPECT_NE(bad.output.find("available: seed"), std::string::npos) << bad.output;
  EXPECT_FALSE(fs::exists(dir / "x" / "truth.json"));
}

} // namespace cordresponse::test
