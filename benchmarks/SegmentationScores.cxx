// Score sweep of the segmentation (issue 5): cord, foci, edema and level spans against the phantom truth on
// every preset, and cord Dice against the manual masks of the real Spinal Cord Toolbox images.
// Usage: cordresponse_segmentation_scores [--grid test|clinical] [--seeds N] [--work DIR] [--preset NAME]...
//          [--scanner-acquisition] [--grey-matter] [--cauda-equina]
// --scanner-acquisition, --grey-matter and --cauda-equina render the phantoms as `cordresponse phantom` does with those
// flags (give each combination its own --work: cases are cached by grid, preset and seed). Prints one line per
// timepoint and a summary; phantom cases are written once under --work and reused.
#include "cordresponse/Evaluation.h"
#include "cordresponse/ImageIO.h"
#include "cordresponse/Phantom.h"
#include "cordresponse/Segmentation.h"
#include "cordresponse/SegmentationMetrics.h"

#include "itkSpinalCordSegmentationImageFilter.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace cordresponse;

namespace {
/** Cranio-caudal extent (mm, along LPS z) of the non-zero voxels. */
double
Extent(const LabelImageType * labels)
{
  double       lo = 1e300, hi = -1e300;
  const auto * b = labels->GetBufferPointer();
  for (std::size_t k = 0; k < labels->GetPixelContainer()->Size(); ++k)
  {
    if (b[k])
    {
      LabelImageType::PointType p;
      labels->TransformIndexToPhysicalPoint(labels->ComputeIndex(static_cast<LabelImageType::OffsetValueType>(k)), p);
      lo = std::min(lo, p[2]), hi = std::max(hi, p[2]);
    }
  }
  return hi >= lo ? hi - lo : 0.0;
}

LabelImageType::Pointer
Select(const LabelImageType * labels, std::set<unsigned int> values)
{
  auto out = LabelImageType::New();
  out->CopyInformation(labels);
  out->SetRegions(labels->GetLargestPossibleRegion());
  out->Allocate();
  for (std::size_t k = 0; k < labels->GetPixelContainer()->Size(); ++k)
  {
    out->GetBufferPointer()[k] = values.count(labels->GetBufferPointer()[k]) ? 1 : 0;
  }
  return out;
}

struct Totals
{
  int    sensitiveTruth{ 0 }, sensitiveFound{ 0 }, falsePositives{ 0 }, cases{ 0 }, levelTotal{ 0 }, levelRight{ 0 };
  double worstCordDice{ 1 }, worstFociDice{ 1 }, worstVolumeError{ 0 }, worstEdemaDice{ 1 }, worstExtentError{ 0 };
};
} // namespace

int
main(int argc, char ** argv)
{
  std::string              gridName = "test";
  int                      seeds = 1;
  fs::path                 work = fs::temp_directory_path() / "cordresponse-segmentation-scores";
  std::vector<std::string> presets;
  bool                     scanner = false;
  bool                     greyMatter = false;
  bool                     caudaEquina = false;
  for (int i = 1; i < argc; ++i)
  {
    const std::string a = argv[i];
    if (a == "--grid" && i + 1 < argc)
      gridName = argv[++i];
    else if (a == "--seeds" && i + 1 < argc)
      seeds = std::stoi(argv[++i]);
    else if (a == "--work" && i + 1 < argc)
      work = argv[++i];
    else if (a == "--preset" && i + 1 < argc)
      presets.push_back(argv[++i]);
    else if (a == "--scanner-acquisition")
      scanner = true;
    else if (a == "--grey-matter")
      greyMatter = true;
    else if (a == "--cauda-equina")
      caudaEquina = true;
  }
  if (presets.empty())
  {
    for (const auto & p : PhantomPresets())
      presets.push_back(p.first);
  }
  const PhantomGrid grid = ParsePhantomGrid(gridName);
  Totals            t;
  for (const auto & preset : presets)
  {
    if (preset == "none")
      continue;
    for (int seed = 1; seed <= seeds; ++seed)
    {
      const fs::path dir = work / (gridName + "-" + preset + "-" + std::to_string(seed));
      if (!fs::exists(dir / "truth.json"))
      {
        PhantomCase phantom = MakePhantomCase(preset, static_cast<std::uint64_t>(seed), grid);
        if (scanner)
          phantom.acquiredInPlaneSpacing = ScannerAcquiredInPlaneSpacing;
        phantom.greyMatter = greyMatter;
        phantom.caudaEquina = caudaEquina;
        WritePhantomCase(phantom, dir);
      }
      std::ifstream  truthFile(dir / "truth.json");
      nlohmann::json truth = nlohmann::json::parse(truthFile);
      for (const auto & tp : truth["timepoints"])
      {
        const std::string  label = tp["label"];
        SegmentationInputs in;
        in.t1post = LoadImage(dir / label / "t1post.nii.gz").GetPointer();
        in.t1pre = LoadImage(dir / label / "t1pre.nii.gz").GetPointer();
        in.t2 = LoadImage(dir / label / "t2.nii.gz").GetPointer();
        in.vertebralLabels = LoadLabelImage(dir / label / "labels-disc.nii.gz").GetPointer();
        const auto   r = SegmentTimepoint(in);
        const auto   cordTruth = LoadLabelImage(dir / "truth" / (label + "_cord.nii.gz"));
        const auto   lesionTruth = LoadLabelImage(dir / "truth" / (label + "_lesions.nii.gz"));
        const auto   edemaTruth = LoadLabelImage(dir / "truth" / (label + "_edema.nii.gz"));
        const double cordDice = Dice(cordTruth, r.cord);
        t.worstCordDice = std::min(t.worstCordDice, cordDice);
        ++t.cases;
        // Foci: detection and false positives by the evaluator's rule, per-lesion Dice and volume.
        const auto score = MatchLesions(lesionTruth, r.lesions, ReadTruthLesionFacts(tp));
        std::map<unsigned int, std::set<unsigned int>> matched; // detected truth id -> predicted ids
        for (const auto & m : score.lesions)
          if (m.detected)
            matched[m.id].insert(m.matchedIds.begin(), m.matchedIds.end());
        const int fp = static_cast<int>(score.falsePositives);
        t.falsePositives += fp;
        std::string lesionText;
        for (const auto & l : tp["enhancing"]["lesions"])
        {
          const unsigned id = l["id"];
          const double   diameter = l["longest_diameter_3d_mm"];
          const double   volume = l["analytic_volume_mm3"];
          const bool     found = matched.count(id) > 0;
          if (diameter >= 3.0)
            ++t.sensitiveTruth, t.sensitiveFound += found ? 1 : 0;
          char        buffer[256];
          double      dice = 0, pv = 0, vox = 0;
          std::string levels;
          if (found)
          {
            dice = Dice(Select(lesionTruth, { id }), Select(r.lesions, matched[id]));
            for (const auto & s : r.lesionStatistics)
              if (matched[id].count(s.id))
                pv += s.partialVolume, vox += s.volume, levels = s.levels;
          }
          const double volumeError = volume > 0 ? 100.0 * (pv - volume) / volume : 0.0;
          if (volume >= 30.0)
          {
            t.worstFociDice = std::min(t.worstFociDice, dice);
            t.worstVolumeError = std::max(t.worstVolumeError, std::abs(volumeError));
          }
          if (preset == "seed" && found)
          {
            ++t.levelTotal;
            t.levelRight += levels == l["levels"].get<std::string>() ? 1 : 0;
          }
          std::snprintf(buffer, sizeof(buffer), " [id%u d%.1f V%.0f: %s Dice %.2f PV %.0f (%+.0f%%) vox %.0f %s/%s]",
                        id, diameter, volume, found ? "found" : "MISSED", dice, pv, volumeError, vox, levels.c_str(),
                        l["levels"].get<std::string>().c_str());
          lesionText += buffer;
        }
        const double edemaDice = Dice(edemaTruth, r.edemaT2);
        const double extentError = std::abs(Extent(edemaTruth) - Extent(r.edemaT2));
        t.worstEdemaDice = std::min(t.worstEdemaDice, edemaDice);
        t.worstExtentError = std::max(t.worstExtentError, extentError);
        std::printf("%-17s s%d %-9s cord %.3f edema %.3f (extent err %.1f mm, %s) FP %d %.2fs%s\n", preset.c_str(),
                    seed, label.c_str(), cordDice, edemaDice, extentError, r.edemaLevels.c_str(), fp, r.seconds,
                    lesionText.c_str());
        std::fflush(stdout);
      }
    }
  }
  if (t.cases > 0)
  {
    std::printf("SUMMARY %d timepoints: worst cord Dice %.3f; foci sensitivity (>= 3 mm) %d/%d; false positives %d "
                "(%.2f per timepoint); worst focus Dice (>= 30 mm^3) %.3f; worst |PV volume error| (>= 30 mm^3) "
                "%.1f%%; worst edema Dice %.3f; worst edema extent error %.1f mm; seed level spans %d/%d\n",
                t.cases, t.worstCordDice, t.sensitiveFound, t.sensitiveTruth, t.falsePositives,
                static_cast<double>(t.falsePositives) / t.cases, t.worstFociDice, t.worstVolumeError, t.worstEdemaDice,
                t.worstExtentError, t.levelRight, t.levelTotal);
  }
  const fs::path real = fs::path(CORDRESPONSE_SHARED_DATA) / "sct-testing-data";
  if (fs::exists(real / "t2" / "t2.nii.gz"))
  {
    using CordFilter = itk::SpinalCordSegmentationImageFilter<ImageType, LabelImageType>;
    auto segment = [](const ImageType * image, itk::SpinalCordContrastEnum contrast) {
      auto f = CordFilter::New();
      f->SetInput(image);
      f->SetContrast(contrast);
      f->Update();
      return LabelImageType::Pointer(f->GetOutput());
    };
    const auto t2 = LoadImage(real / "t2" / "t2.nii.gz");
    const auto t1 = LoadImage(real / "t1" / "t1w.nii.gz");
    std::printf("real t2  cord Dice %.3f\n", Dice(LoadLabelImage(real / "t2" / "t2_seg-manual.nii.gz"),
                                                  segment(t2, itk::SpinalCordContrastEnum::T2)));
    std::printf("real t1w cord Dice %.3f\n", Dice(LoadLabelImage(real / "t1" / "t1w_seg-manual.nii.gz"),
                                                  segment(t1, itk::SpinalCordContrastEnum::T1)));
  }
  return 0;
}
