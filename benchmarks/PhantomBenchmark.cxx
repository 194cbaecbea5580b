// Phantom generation speed: one model classification, one clinical-grid exam (512 x 512 x 20 at
// 0.6 x 0.6 x 3 mm: three sequences and four label maps), and a whole seed case written to disk.
#include "cordresponse/Phantom.h"

#include "itkMultiThreaderBase.h"
#include "itkSpinalPhantomImageSource.h"

#include <benchmark/benchmark.h>

#include <filesystem>

namespace {
void
BM_PhantomClassify(benchmark::State & state)
{
  const auto                         phantom = cordresponse::MakePhantomCase("seed", 1);
  const auto                         model = phantom.Model(0);
  itk::SpinalPhantomModel::PointType p;
  double                             z = 0.0;
  for (auto _ : state)
  {
    p[0] = 1.0, p[1] = 2.0 + 0.001 * z, p[2] = -100.0 + z;
    z = z > 200.0 ? 0.0 : z + 0.37;
    benchmark::DoNotOptimize(model.Classify(p));
  }
}
BENCHMARK(BM_PhantomClassify);

void
BM_PhantomRenderClinicalExam(benchmark::State & state)
{
  itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads(static_cast<int>(state.range(0)));
  const auto phantom = cordresponse::MakePhantomCase("seed", 1, cordresponse::PhantomGrid::Clinical);
  const auto dir = std::filesystem::temp_directory_path() / "cordresponse-bench-phantom";
  for (auto _ : state)
  {
    state.PauseTiming();
    auto source = itk::SpinalPhantomImageSource::New();
    source->SetModel(phantom.Model(0));
    itk::SpinalPhantomImageSource::SizeType    size = { { 512, 512, 20 } };
    itk::SpinalPhantomImageSource::SpacingType spacing;
    spacing[0] = 0.6, spacing[1] = 0.6, spacing[2] = 3.0;
    itk::SpinalPhantomImageSource::PointType origin;
    origin[0] = 30.0, origin[1] = -200.0, origin[2] = 150.0;
    itk::SpinalPhantomImageSource::DirectionType direction;
    direction.Fill(0.0);
    direction(1, 0) = 1.0, direction(2, 1) = -1.0, direction(0, 2) = -1.0;
    source->SetSize(size);
    source->SetSpacing(spacing);
    source->SetOrigin(origin);
    source->SetDirection(direction);
    state.ResumeTiming();
    source->Update();
  }
  state.counters["voxels/s"] = benchmark::Counter(512.0 * 512 * 20, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_PhantomRenderClinicalExam)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void
BM_PhantomWriteClinicalSeedCase(benchmark::State & state)
{
  const auto phantom = cordresponse::MakePhantomCase("seed", 1, cordresponse::PhantomGrid::Clinical);
  const auto dir = std::filesystem::temp_directory_path() / "cordresponse-bench-phantom-case";
  for (auto _ : state)
  {
    const auto report = cordresponse::WritePhantomCase(phantom, dir);
    state.counters["render_s"] = report.renderSeconds;
    state.counters["write_s"] = report.writeSeconds;
    state.counters["truth_s"] = report.truthSeconds;
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_PhantomWriteClinicalSeedCase)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);
} // namespace
