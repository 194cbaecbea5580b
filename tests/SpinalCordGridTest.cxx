#include "itkImage.h"
#include "itkGaussianDistribution.h"
#include "itkSpinalCordGrid.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace {

// Noise sigma 1 along axis 2 of a 24 x 24 x 96 grid, either white or correlated between neighbours: a moving
// average of white noise over `width` voxels, rescaled to unit variance (the grain of a zero-filled acquisition).
std::vector<float>
UnitNoise(std::size_t n, std::size_t along, long width, unsigned int seed)
{
  std::mt19937                    generator(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float>              white(n + static_cast<std::size_t>(width) * along);
  for (auto & w : white)
    w = normal(generator);
  std::vector<float> noise(n, 0.0f);
  const float        scale = 1.0f / std::sqrt(static_cast<float>(width));
  for (std::size_t k = 0; k < n; ++k)
  {
    for (long j = 0; j < width; ++j)
      noise[k] += scale * white[k + static_cast<std::size_t>(j) * along];
  }
  return noise;
}

} // namespace

TEST(SpinalCordGrid, NeighbourDifferenceSigmaMeasuresCorrelatedNoiseBeyondItsCorrelationLength)
{
  using ImageType = itk::Image<float, 3>;
  auto                  image = ImageType::New();
  ImageType::SizeType   size{ { 24, 24, 96 } };
  ImageType::RegionType region(size);
  image->SetRegions(region);
  const itk::SpinalCordGrid grid(image.GetPointer());
  ASSERT_EQ(grid.CranioCaudalAxis(), 2u);
  const std::size_t               n = grid.NumberOfVoxels();
  const std::size_t               along = 24 * 24; // voxel offset of one step along axis 2
  const std::vector<std::uint8_t> all(n, 1);
  std::vector<float>              ramp(n);
  for (std::size_t k = 0; k < n; ++k)
    ramp[k] = 0.01f * static_cast<float>(grid.Index(k)[2]); // slow structure along the axis: ignored

  const std::vector<float> white = UnitNoise(n, along, 1, 1);
  const std::vector<float> correlated = UnitNoise(n, along, 4, 2);
  auto                     plus = [&](const std::vector<float> & noise) {
    std::vector<float> v(n);
    for (std::size_t k = 0; k < n; ++k)
      v[k] = ramp[k] + noise[k];
    return v;
  };
  EXPECT_NEAR(grid.NeighbourDifferenceSigma(all, plus(white), 2), 1.0, 0.05);
  EXPECT_NEAR(grid.NeighbourDifferenceSigma(all, plus(white), 2, 6), 1.0, 0.05);
  // A 4-voxel moving average: neighbours share 3/4 of their noise, lag-1 differences see half the sigma.
  EXPECT_NEAR(grid.NeighbourDifferenceSigma(all, plus(correlated), 2), 0.5, 0.05);
  EXPECT_NEAR(grid.NeighbourDifferenceSigma(all, plus(correlated), 2, 6), 1.0, 0.05);
  // Only pairs with both voxels in the mask count: none here.
  std::vector<std::uint8_t> oneSlab(n, 0);
  for (std::size_t k = 0; k < along; ++k)
    oneSlab[k] = 1;
  EXPECT_EQ(grid.NeighbourDifferenceSigma(oneSlab, plus(white), 2, 6), 0.0);
}

// The foci filter's plateau peak takes its noise excess from ITK's normal quantile: it matches the tables.
TEST(NormalQuantile, ItkInverseCdfMatchesTheTables)
{
  using Normal = itk::Statistics::GaussianDistribution;
  EXPECT_NEAR(Normal::InverseCDF(0.5), 0.0, 1e-12);
  EXPECT_NEAR(Normal::InverseCDF(0.9), 1.2815516, 1e-6);
  EXPECT_NEAR(Normal::InverseCDF(0.975), 1.9599640, 1e-6);
  EXPECT_NEAR(Normal::InverseCDF(0.1), -1.2815516, 1e-6);
}
