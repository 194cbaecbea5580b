// Reading with full validation (integrity check + geometry + values) against a plain ITK read, on a
// clinical sagittal grid (512 x 512 x 20 floats): what the validation costs.
#include "cordresponse/ImageIO.h"

#include "itkImageFileReader.h"

#include <benchmark/benchmark.h>

#include <filesystem>
#include <map>

namespace {
namespace fs = std::filesystem;

const fs::path &
ClinicalFile(const std::string & ext)
{
  static std::map<std::string, fs::path> files;
  auto &                                 path = files[ext];
  if (path.empty())
  {
    path = fs::temp_directory_path() / ("cordresponse-bench-clinical" + ext);
    auto image = cordresponse::ImageType::New();
    image->SetRegions(cordresponse::ImageType::SizeType{ { 512, 512, 20 } });
    const double spacing[3] = { 0.6, 0.6, 3.0 };
    image->SetSpacing(spacing);
    image->Allocate();
    for (std::size_t i = 0; i < image->GetPixelContainer()->Size(); ++i)
    {
      image->GetBufferPointer()[i] = static_cast<float>((i * 2654435761u) % 4096);
    }
    cordresponse::SaveImage(image, path);
  }
  return path;
}

void
BM_ReadImageValidated(benchmark::State & state, const std::string & ext)
{
  const fs::path & path = ClinicalFile(ext);
  for (auto _ : state)
  {
    benchmark::DoNotOptimize(cordresponse::LoadImage(path));
  }
}

void
BM_ReadImagePlainItk(benchmark::State & state, const std::string & ext)
{
  const fs::path & path = ClinicalFile(ext);
  cordresponse::RegisterIOFactories();
  for (auto _ : state)
  {
    auto reader = itk::ImageFileReader<cordresponse::ImageType>::New();
    reader->SetFileName(path.string());
    reader->Update();
    benchmark::DoNotOptimize(reader->GetOutput());
  }
}

BENCHMARK_CAPTURE(BM_ReadImageValidated, nii_gz, std::string(".nii.gz"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ReadImagePlainItk, nii_gz, std::string(".nii.gz"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ReadImageValidated, nii, std::string(".nii"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ReadImagePlainItk, nii, std::string(".nii"))->Unit(benchmark::kMillisecond);
} // namespace

namespace {
void
BM_SaveClinicalLabelMap(benchmark::State & state, const std::string & ext)
{
  auto labels = cordresponse::LabelImageType::New();
  labels->SetRegions(cordresponse::LabelImageType::SizeType{ { 512, 512, 20 } });
  labels->Allocate();
  labels->FillBuffer(0);
  for (std::size_t i = 0; i < labels->GetPixelContainer()->Size(); i += 97)
  {
    labels->GetBufferPointer()[i] = 1;
  }
  const auto path = std::filesystem::temp_directory_path() / ("cordresponse-bench-labels" + ext);
  for (auto _ : state)
  {
    cordresponse::SaveLabelImage(labels, path);
  }
}
BENCHMARK_CAPTURE(BM_SaveClinicalLabelMap, nii_gz, std::string(".nii.gz"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SaveClinicalLabelMap, nrrd, std::string(".nrrd"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SaveClinicalLabelMap, nii, std::string(".nii"))->Unit(benchmark::kMillisecond);
} // namespace
