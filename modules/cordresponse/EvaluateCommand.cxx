// `cordresponse evaluate`: score a run's output against the ground truth of a phantom case.
#include "Commands.h"

#include "cordresponse/AtomicFile.h"
#include "cordresponse/Evaluation.h"

#include <iostream>
#include <memory>

namespace cordresponse::cli {
void
AddEvaluateCommand(CLI::App & app)
{
  struct Args
  {
    std::string truth;
    std::string result;
    std::string json;
  };
  auto   args = std::make_shared<Args>();
  auto * cmd = app.add_subcommand(
    "evaluate", "Score a run (OUT_DIR/report.json and the maps it names) against a phantom's truth: Dice and 95% "
                "Hausdorff distance of cord, lesions and edema, volume errors, lesion-wise detection, registration "
                "target error over the baseline cord, and response categories (see docs/evaluation.md)");
  cmd->add_option("--truth", args->truth, "Case directory holding truth.json (e.g. from `cordresponse phantom`)")
    ->required();
  cmd->add_option("--result", args->result, "Output directory of `cordresponse run`, holding report.json")->required();
  cmd->add_option("--json", args->json, "Where to write the evaluation JSON (default: RESULT/evaluation.json)");
  cmd->callback([args] {
    const CaseEvaluation        evaluation = EvaluateCase(args->truth, args->result);
    const std::filesystem::path destination =
      args->json.empty() ? std::filesystem::path(args->result) / "evaluation.json" : std::filesystem::path(args->json);
    WriteFileAtomically(destination, ToJson(evaluation).dump(2) + "\n");
    std::cout << FormatTable(evaluation) << "\nevaluation: " << destination.string() << "\n";
  });
}
} // namespace cordresponse::cli
