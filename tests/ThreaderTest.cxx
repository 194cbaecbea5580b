// The oneTBB-backed ITK threader: installed through ITK's object factory, it runs every split exactly once,
// gives the same images as ITK's Pool threader, reports progress and propagates exceptions.
#include "itkOneTBBMultiThreader.h"

#include "itkDiscreteGaussianImageFilter.h"
#include "itkImage.h"
#include "itkImageRegionIteratorWithIndex.h"
#include "itkPoolMultiThreader.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

namespace {
using Image = itk::Image<float, 3>;

Image::Pointer
Ramp()
{
  auto image = Image::New();
  image->SetRegions(Image::SizeType{ { 40, 30, 12 } });
  image->Allocate();
  for (itk::ImageRegionIteratorWithIndex<Image> it(image, image->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it)
  {
    const auto i = it.GetIndex();
    it.Set(static_cast<float>((i[0] * 7 + i[1] * 13 + i[2] * 29) % 17));
  }
  return image;
}

Image::Pointer
Smooth(const Image * input, itk::MultiThreaderBase * threader)
{
  auto filter = itk::DiscreteGaussianImageFilter<Image, Image>::New();
  filter->SetInput(input);
  filter->SetVariance(2.0);
  if (threader)
  {
    filter->SetMultiThreader(threader);
  }
  filter->Update();
  return filter->GetOutput();
}
} // namespace

TEST(OneTBBMultiThreader, BecomesTheDefaultThroughTheObjectFactory)
{
  itk::OneTBBMultiThreader::RegisterAsDefault();
  EXPECT_TRUE(itk::OneTBBMultiThreader::IsRegisteredAsDefault());
  auto threader = itk::MultiThreaderBase::New();
  EXPECT_STREQ(threader->GetNameOfClass(), "OneTBBMultiThreader");
  auto filter = itk::DiscreteGaussianImageFilter<Image, Image>::New();
  EXPECT_STREQ(filter->GetMultiThreader()->GetNameOfClass(), "OneTBBMultiThreader");
}

TEST(OneTBBMultiThreader, SameImageAsThePoolThreader)
{
  const auto input = Ramp();
  const auto tbbOut = Smooth(input, itk::OneTBBMultiThreader::New());
  const auto poolOut = Smooth(input, itk::PoolMultiThreader::New());
  ASSERT_EQ(tbbOut->GetPixelContainer()->Size(), poolOut->GetPixelContainer()->Size());
  EXPECT_TRUE(std::equal(tbbOut->GetBufferPointer(), tbbOut->GetBufferPointer() + tbbOut->GetPixelContainer()->Size(),
                         poolOut->GetBufferPointer()));
}

TEST(OneTBBMultiThreader, EverySplitRunsExactlyOnce)
{
  auto                          threader = itk::OneTBBMultiThreader::New();
  std::vector<std::atomic<int>> hits(1000);
  threader->ParallelizeArray(
    10, 1000, [&](itk::SizeValueType i) { ++hits[i]; }, nullptr);
  for (std::size_t i = 0; i < hits.size(); ++i)
  {
    EXPECT_EQ(hits[i].load(), i >= 10 ? 1 : 0) << i;
  }
  itk::ImageRegion<3>           region({ { 2, 3, 4 } }, { { 9, 7, 5 } });
  std::vector<std::atomic<int>> voxels(9 * 7 * 5);
  threader->ParallelizeImageRegion<3>(
    region,
    [&](const itk::ImageRegion<3> & chunk) {
      for (auto z = chunk.GetIndex(2); z < chunk.GetIndex(2) + static_cast<long>(chunk.GetSize(2)); ++z)
        for (auto y = chunk.GetIndex(1); y < chunk.GetIndex(1) + static_cast<long>(chunk.GetSize(1)); ++y)
          for (auto x = chunk.GetIndex(0); x < chunk.GetIndex(0) + static_cast<long>(chunk.GetSize(0)); ++x)
            ++voxels[(x - 2) + 9 * ((y - 3) + 7 * (z - 4))];
    },
    nullptr);
  for (const auto & v : voxels)
  {
    EXPECT_EQ(v.load(), 1);
  }
}

TEST(OneTBBMultiThreader, ExceptionsReachTheCaller)
{
  auto threader = itk::OneTBBMultiThreader::New();
  EXPECT_THROW(threader->ParallelizeArray(
                 0, 100,
                 [](itk::SizeValueType i) {
                   if (i == 57)
                   {
                     throw std::runtime_error("boom");
                   }
                 },
                 nullptr),
               std::runtime_error);
}
