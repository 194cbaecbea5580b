// `cordresponse phantom`: write a longitudinal spinal MRI phantom case with exact ground truth.
#include "Commands.h"

#include "cordresponse/Phantom.h"

#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

namespace cordresponse::cli {
void
AddPhantomCommand(CLI::App & app)
{
  struct Args
  {
    std::string   out;
    std::string   preset{ "seed" };
    std::uint64_t seed{ 1 };
    std::string   grid{ "clinical" };
    bool          scanner{ false };
    bool          greyMatter{ false };
    bool          caudaEquina{ false };
    bool          list{ false };
  };
  auto   args = std::make_shared<Args>();
  auto * cmd = app.add_subcommand(
    "phantom", "Write a longitudinal spinal MRI phantom (T1 pre, T1 post, T2 at each exam) with exact "
               "ground truth: label maps, the follow-up-to-baseline transform and truth.json");
  cmd->add_option("--out", args->out, "Output case directory (created)");
  cmd->add_option("--preset", args->preset, "Case preset (see --list)")->capture_default_str();
  cmd->add_option("--seed", args->seed, "Seed of noise, bias field and small lesion jitter")->capture_default_str();
  cmd
    ->add_option("--grid", args->grid,
                 "Acquisition grid: clinical (512x512x20 at 0.6x0.6x3 mm), isotropic (1 mm), test (small)")
    ->capture_default_str();
  std::ostringstream scannerHelp;
  scannerHelp << "Acquire in-plane at " << ScannerAcquiredInPlaneSpacing[0] << " x " << ScannerAcquiredInPlaneSpacing[1]
              << " mm (antero-posterior x superior-inferior) and reconstruct on the grid by zero filling k-space, "
                 "as scanners do: sinc blur, Gibbs ringing and correlated noise (default: acquired at the grid's "
                 "resolution, white noise)";
  cmd->add_flag("--scanner-acquisition", args->scanner, scannerHelp.str());
  cmd->add_flag("--grey-matter", args->greyMatter,
                "Model the cord's grey matter (H-shaped, T2 brighter and T1 darker than white matter; default: a "
                "uniform cord)");
  cmd->add_flag("--cauda-equina", args->caudaEquina,
                "Model the nerve roots around and below the conus (cord-like strands in the thecal sac, not cord; "
                "default: CSF alone below the conus)");
  cmd->add_flag("--list", args->list, "List the presets and exit");
  cmd->callback([args] {
    if (args->list)
    {
      for (const auto & p : PhantomPresets())
      {
        std::cout << std::left << std::setw(18) << p.first << p.second << "\n";
      }
      return;
    }
    if (args->out.empty())
    {
      throw CLI::RequiredError("--out");
    }
    PhantomCase phantom = MakePhantomCase(args->preset, args->seed, ParsePhantomGrid(args->grid));
    if (args->scanner)
    {
      phantom.acquiredInPlaneSpacing = ScannerAcquiredInPlaneSpacing;
    }
    phantom.greyMatter = args->greyMatter;
    phantom.caudaEquina = args->caudaEquina;
    const auto report = WritePhantomCase(phantom, args->out);
    std::cout << "phantom '" << phantom.preset << "' (seed " << phantom.seed << ", " << args->grid << " grid"
              << (args->scanner ? ", scanner acquisition" : "") << (args->greyMatter ? ", grey matter" : "")
              << (args->caudaEquina ? ", cauda equina" : "") << "): " << phantom.description << "\n"
              << std::fixed << std::setprecision(2) << "rendered in " << report.renderSeconds << " s, written in "
              << report.writeSeconds << " s, truth in " << report.truthSeconds << " s\n"
              << "case: " << args->out << "/case.json\ntruth: " << args->out << "/truth.json\n";
  });
}
} // namespace cordresponse::cli
