// Accuracy sweep (issue 3): one acquisition or lesion factor at a time around a phantom preset (default: the seed
// case) -- SNR, focus size, follow-up motion, slice thickness, in-plane acquisition (zero filling) -- through the
// whole pipeline (RunCase + WriteCaseReports, as `cordresponse run --case`) and the evaluator (EvaluateCase, as
// `cordresponse evaluate`). Prints one table.
// Usage: cordresponse_accuracy_sweep [--preset NAME] [--grid test|clinical] [--seed N] [--work DIR] [--threads N]
//          [--factor snr|focus|motion|slice|acquisition]... [--case NAME=CASE_DIR|CASE_FILE]...
// --case adds a row for an existing case directory (case.json + truth.json, e.g. the real-anatomy case of
// testdata/RealAnatomyCase.h) or case file (truth.json beside it); with --case and no --factor only those cases
// are run. Phantom cases are written once under --work/cases and reused; results (report.json, maps and
// evaluation.json, as `cordresponse evaluate` writes it) go to --work/runs.
#include "cordresponse/AtomicFile.h"
#include "cordresponse/Case.h"
#include "cordresponse/CasePipeline.h"
#include "cordresponse/Evaluation.h"
#include "cordresponse/Phantom.h"

#include "itkMultiThreaderBase.h"

#include <tbb/global_control.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <set>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace cordresponse;

namespace {
/** One row of the sweep: a factor, its value, and how it changes the seed case (empty: an existing case). */
struct Variant
{
  std::string                        factor;
  std::string                        value;
  std::function<void(PhantomCase &)> apply;
  fs::path                           caseDirectory; // set for --case rows
};

/** Both foci of the seed case resized to a longest (cranio-caudal) diameter of `d` mm; their cross-section is
 *  d wide up to the seed's (about 5.5 x 5 mm: the cord is about 8 x 6.5 mm). */
void
SetFocusSize(PhantomCase & c, double d)
{
  const std::array<double, 3> limit{ { 2.8, 2.6, 1e9 } };
  for (auto & tp : c.timepoints)
  {
    for (auto & l : tp.lesions)
    {
      for (unsigned int a = 0; a < 3; ++a)
      {
        l.semiAxes[a] = std::min(0.5 * d, limit[a]);
      }
    }
  }
}

/** Follow-up motion of `mm` (translation length) and about `degrees` (rotation about each axis by
 *  degrees / sqrt(3), alternating sign); the follow-up field of view is re-centred on the moved anatomy, as a
 *  technologist plans it (else 30 mm leaves the 48 mm wide test slab). */
void
SetMotion(PhantomCase & c, double mm, double degrees)
{
  const double t = mm / std::sqrt(3.0);
  const double r = degrees / std::sqrt(3.0);
  for (std::size_t i = 1; i < c.timepoints.size(); ++i)
  {
    auto & tp = c.timepoints[i];
    tp.motion.translation = { t, -t, t };
    tp.motion.rotationDegrees = { r, -r, r };
    tp.fieldOfViewShift = tp.motion.translation;
  }
}

/** The unchanged case in words: SNR, baseline focus lengths, follow-up motion, slice thickness. */
std::string
Describe(const std::string & preset, const PhantomCase & c)
{
  std::string foci;
  for (const auto & l : c.timepoints.front().lesions)
  {
    foci += (foci.empty() ? "" : "/") + std::to_string(static_cast<int>(std::lround(2.0 * l.semiAxes[2])));
  }
  const auto & m = c.timepoints.back().motion;
  const double mm = std::hypot(m.translation[0], m.translation[1], m.translation[2]);
  const double deg = std::hypot(m.rotationDegrees[0], m.rotationDegrees[1], m.rotationDegrees[2]);
  char         text[160];
  std::snprintf(text, sizeof(text), "%s: SNR %.0f, foci %s mm, %.1f mm + %.1f deg, %.1f mm slices", preset.c_str(),
                c.timepoints.front().snr, foci.c_str(), mm, deg, ExamGeometry(c, 0).spacing[2]);
  return text;
}

std::vector<Variant>
SweepVariants(const std::string & preset, std::uint64_t seed, PhantomGrid grid, const std::set<std::string> & factors)
{
  auto              wanted = [&](const std::string & f) { return factors.empty() || factors.count(f) > 0; };
  const PhantomCase reference = MakePhantomCase(preset, seed, grid);
  // Resizing foci that persist would change the expected response the preset states: only where all resolve.
  bool fociResolve = true;
  for (std::size_t t = 1; t < reference.timepoints.size(); ++t)
  {
    fociResolve = fociResolve && reference.timepoints[t].lesions.empty();
  }
  if (wanted("focus") && !fociResolve)
  {
    std::cerr << "focus size is swept only on presets whose foci all resolve (seed, low-snr): skipped\n";
  }
  std::vector<Variant> v;
  v.push_back({ "reference", Describe(preset, reference), [](PhantomCase &) {}, {} });
  if (wanted("snr"))
  {
    for (double snr : { 8.0, 15.0, 30.0 })
    {
      v.push_back({ "SNR",
                    std::to_string(static_cast<int>(snr)),
                    [snr](PhantomCase & c) {
                      for (auto & tp : c.timepoints)
                      {
                        tp.snr = snr;
                      }
                    },
                    {} });
    }
  }
  if (wanted("focus") && fociResolve)
  {
    for (double d : { 3.0, 5.0, 10.0, 20.0 })
    {
      char value[32];
      std::snprintf(value, sizeof(value), "%.0f mm", d);
      v.push_back({ "focus size", value, [d](PhantomCase & c) { SetFocusSize(c, d); }, {} });
    }
  }
  if (wanted("motion"))
  {
    for (auto m : { std::array<double, 2>{ { 0.0, 0.0 } }, std::array<double, 2>{ { 10.0, 4.0 } },
                    std::array<double, 2>{ { 20.0, 8.0 } }, std::array<double, 2>{ { 30.0, 12.0 } } })
    {
      char value[48];
      std::snprintf(value, sizeof(value), "%.0f mm + %.0f deg", m[0], m[1]);
      v.push_back({ "motion", value, [m](PhantomCase & c) { SetMotion(c, m[0], m[1]); }, {} });
    }
  }
  if (wanted("slice"))
  {
    for (double s : { 1.5, 4.5 })
    {
      char value[32];
      std::snprintf(value, sizeof(value), "%.1f mm", s);
      v.push_back({ "slice thickness", value, [s](PhantomCase & c) { c.sliceThickness = s; }, {} });
    }
  }
  if (wanted("acquisition"))
  {
    // Acquired in-plane (antero-posterior x superior-inferior), zero-filled to the grid: the scanner protocol
    // and a coarser one (as T1-weighted sagittal protocols often are).
    for (auto a : { ScannerAcquiredInPlaneSpacing, std::array<double, 2>{ { 1.4, 1.0 } } })
    {
      char value[48];
      std::snprintf(value, sizeof(value), "%.1f x %.1f mm zero-filled", a[0], a[1]);
      v.push_back({ "acquisition", value, [a](PhantomCase & c) { c.acquiredInPlaneSpacing = a; }, {} });
    }
  }
  return v;
}

std::string
Format(const std::optional<double> & x, const char * format)
{
  if (!x)
  {
    return "n/a";
  }
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), format, *x);
  return buffer;
}

std::optional<double>
Mean(const std::vector<double> & values)
{
  if (values.empty())
  {
    return std::nullopt;
  }
  double sum = 0;
  for (double x : values)
  {
    sum += x;
  }
  return sum / static_cast<double>(values.size());
}

const StructureEvaluation *
Find(const TimepointEvaluation & t, const std::string & name)
{
  for (const auto & s : t.structures)
  {
    if (s.name == name)
    {
      return &s;
    }
  }
  return nullptr;
}

/** One table row from an evaluation. */
std::string
Row(const Variant & v, const CaseEvaluation & e, double seconds)
{
  std::vector<double> cord, foci, volumeError, edema, tre;
  for (const auto & t : e.timepoints)
  {
    if (const auto * s = Find(t, "cord"))
    {
      cord.push_back(s->metrics.dice);
    }
    if (const auto * s = Find(t, "edema"))
    {
      edema.push_back(s->metrics.dice);
    }
    // Focus overlap where the truth has foci (an empty truth and result score Dice 1 and say nothing).
    if (const auto * s = Find(t, "lesions"); s && s->metrics.truthVoxels > 0)
    {
      foci.push_back(s->metrics.dice);
      if (const auto p = s->metrics.VolumeErrorPercent())
      {
        volumeError.push_back(*p);
      }
    }
  }
  for (const auto & r : e.registration)
  {
    if (r.error.mean)
    {
      tre.push_back(*r.error.mean);
    }
  }
  int ranoRight = 0, ranoWrong = 0, volRight = 0, volWrong = 0;
  for (const auto & r : e.response)
  {
    if (const auto ok = r.ranoBm.Correct())
    {
      (*ok ? ranoRight : ranoWrong)++;
    }
    if (const auto ok = r.volumetric.Correct())
    {
      (*ok ? volRight : volWrong)++;
    }
  }
  const DetectionScore d = e.TotalDetection();
  char                 line[512];
  std::snprintf(line, sizeof(line), "| %s | %s | %s | %zu/%zu, %zu FP | %s | %s | %s | %s | %d/%d | %d/%d | %.1f |",
                v.factor.c_str(), v.value.c_str(), Format(Mean(cord), "%.3f").c_str(), d.truePositives, d.truthLesions,
                d.falsePositives, Format(Mean(foci), "%.3f").c_str(), Format(Mean(volumeError), "%+.1f%%").c_str(),
                Format(Mean(edema), "%.3f").c_str(), Format(Mean(tre), "%.3f").c_str(), ranoRight, ranoWrong, volRight,
                volWrong, seconds);
  return line;
}

std::string
Slug(const std::string & s)
{
  std::string out;
  for (char ch : s)
  {
    const bool keep = std::isalnum(static_cast<unsigned char>(ch)) || ch == '.';
    if (keep)
    {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    else if (!out.empty() && out.back() != '-')
    {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-')
  {
    out.pop_back();
  }
  return out;
}

[[noreturn]] void
Usage(const std::string & problem)
{
  std::cerr << problem
            << "\nusage: cordresponse_accuracy_sweep [--preset NAME] [--grid test|clinical] [--seed N] [--work DIR] "
            << "[--threads N] [--factor snr|focus|motion|slice|acquisition]... [--case NAME=CASE_DIR|CASE_FILE]...\n";
  std::exit(2);
}
} // namespace

int
main(int argc, char * argv[])
{
  PhantomGrid           grid = PhantomGrid::Test;
  std::string           preset = "seed";
  std::uint64_t         seed = 1;
  fs::path              work = fs::temp_directory_path() / "cordresponse-accuracy-sweep";
  int                   threads = 2;
  std::set<std::string> factors;
  std::vector<Variant>  extra;
  for (int i = 1; i < argc; ++i)
  {
    const std::string arg = argv[i];
    if (i + 1 >= argc)
    {
      Usage("missing value after " + arg);
    }
    const std::string value = argv[++i];
    if (arg == "--grid")
    {
      grid = ParsePhantomGrid(value);
    }
    else if (arg == "--preset")
    {
      preset = value;
    }
    else if (arg == "--seed")
    {
      seed = std::stoull(value);
    }
    else if (arg == "--work")
    {
      work = value;
    }
    else if (arg == "--threads")
    {
      threads = std::max(1, std::stoi(value));
    }
    else if (arg == "--factor")
    {
      if (value != "snr" && value != "focus" && value != "motion" && value != "slice" && value != "acquisition")
      {
        Usage("unknown factor " + value);
      }
      factors.insert(value);
    }
    else if (arg == "--case")
    {
      const auto eq = value.find('=');
      if (eq == std::string::npos)
      {
        Usage("--case needs NAME=CASE_DIR");
      }
      extra.push_back({ "case", value.substr(0, eq), {}, fs::absolute(value.substr(eq + 1)) });
    }
    else
    {
      Usage("unknown option " + arg);
    }
  }
  tbb::global_control parallelism(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads(threads);

  std::vector<Variant> variants;
  if (!factors.empty() || extra.empty())
  {
    variants = SweepVariants(preset, seed, grid, factors);
  }
  variants.insert(variants.end(), extra.begin(), extra.end());

  std::vector<std::string> rows;
  std::cout << "# preset " << preset << ", grid " << ToString(grid) << ", phantom seed " << seed << ", " << threads
            << " threads; default RunOptions without QC images" << std::endl;
  for (const auto & v : variants)
  {
    const std::string name = Slug(v.factor + "-" + v.value);
    fs::path          caseDir = v.caseDirectory;
    if (caseDir.empty())
    {
      caseDir = work / "cases" / (preset + "-" + ToString(grid)) / name;
      if (!fs::exists(caseDir / "truth.json"))
      {
        PhantomCase c = MakePhantomCase(preset, seed, grid);
        v.apply(c);
        WritePhantomCase(c, caseDir);
      }
    }
    RunOptions options;
    options.outputDirectory =
      work / "runs" / (v.caseDirectory.empty() ? preset + "-" + ToString(grid) : "cases") / name;
    options.qcImages = false;
    fs::remove_all(options.outputDirectory);
    const auto start = std::chrono::steady_clock::now();
    fs::path   caseFile = caseDir / "case.json";
    if (fs::is_regular_file(caseDir)) // --case NAME=DIR/other-case.json: the truth is beside it
    {
      caseFile = caseDir;
      caseDir = caseDir.parent_path();
    }
    const CaseResult result = RunCase(LoadCaseFile(caseFile), options);
    WriteCaseReports(result, options);
    const double         seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const CaseEvaluation evaluation = EvaluateCase(caseDir, options.outputDirectory);
    WriteFileAtomically(options.outputDirectory / "evaluation.json", ToJson(evaluation).dump(2) + "\n");
    rows.push_back(Row(v, evaluation, seconds));
    std::cerr << rows.back() << std::endl;
  }
  std::cout << "| factor | value | cord Dice | foci detected, FP | foci Dice | foci volume error | edema Dice | "
               "TRE mm | RANO-BM right/wrong | volumetric right/wrong | seconds |\n"
            << "|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto & r : rows)
  {
    std::cout << r << "\n";
  }
  return 0;
}
