#ifndef cordresponse_slicer_ModuleRun_h
#define cordresponse_slicer_ModuleRun_h

#include "ModuleCommandLine.h"
#include "ModuleDescription.h"

#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

struct ModuleProcessInformation; // Slicer Execution Model (in-process runs of SEM builds only)

namespace cordresponse::slicer {

/** Progress in the Execution Model's stdout protocol (the tags of itk::PluginFilterWatcher): one
 *  <filter-start> ... <filter-end> block per stage, <filter-progress> the overall fraction in [0, 1], never
 *  decreasing, every line flushed. When Slicer runs the module in-process, the same values also go to its
 *  ModuleProcessInformation, whose Abort flag stops the run. Thread-safe (stages report from TBB tasks). */
class StageProgress
{
public:
  explicit StageProgress(std::ostream & out, ModuleProcessInformation * processInformation = nullptr);
  /** Enter `stage` (closing the previous block when the stage changes; `comment` describes it, default the
   *  stage name) and report `overall` in [0, 1]. */
  void
  Report(const std::string & stage, double overall, const std::string & comment = {});
  /** Report 1 and close the last block. */
  void
  Finish();

private:
  void
  CloseBlock();

  std::ostream &             m_Out;
  ModuleProcessInformation * m_ProcessInformation;
  std::mutex                 m_Mutex;
  std::string                m_Stage;
  double                     m_Overall{ 0 };
  double                     m_StageStart{ 0 };
  double                     m_StageSecondsStart{ 0 };
};

/** What a module's body works with: its parsed arguments, progress, output files and returned values. */
class ModuleRun
{
public:
  ModuleRun(const ModuleDescription & module, ParameterValues arguments, StageProgress & progress);

  const ParameterValues &
  Arguments() const
  {
    return m_Arguments;
  }
  void
  Progress(const std::string & stage, double overall, const std::string & comment = {})
  {
    m_Progress.Report(stage, overall, comment);
  }
  /** The path given for output parameter `name` (nothing when not requested). The file is removed again
   *  if the run fails, so a failed run leaves no output behind. */
  std::optional<std::filesystem::path>
  Output(const std::string & name);
  /** Set a return parameter (declared in the description; every one must be set before the run ends). */
  void
  Return(const std::string & name, const std::string & value);
  void
  Return(const std::string & name, double value);
  void
  Return(const std::string & name, int value);

  /** The --returnparameterfile text: `name = value` per return parameter, in XML order. Throws
   *  std::logic_error when one was not set. */
  std::string
  ReturnParameterText() const;
  /** Remove every output file this run named (after a failure). */
  void
  RemoveOutputs() const;

private:
  const ModuleDescription &          m_Module;
  ParameterValues                    m_Arguments;
  StageProgress &                    m_Progress;
  std::vector<std::filesystem::path> m_Outputs;
  std::map<std::string, std::string> m_Returned;
};

using ModuleBody = std::function<void(ModuleRun &)>;

/** main() of a CLI module in executable mode: `--xml` as first argument prints the XML alone and exits 0;
 *  otherwise parse the command line against `module` (ParseCommandLine) and ExecuteModule(). Exit code 2 for
 *  a bad command line. */
int
RunModule(const ModuleDescription & module, int argc, char ** argv, const ModuleBody & body);

/** Run `body` on a parsed command line (ours, or GenerateCLP's in SEM builds): report progress on stdout
 *  (and to `processInformation` when Slicer runs the module in-process) and write --returnparameterfile.
 *  Errors go to stderr naming the module; exit code 1 for a failed run (whose outputs are removed), 0 on
 *  success. */
int
ExecuteModule(const ModuleDescription &  module,
              const CommandLine &        commandLine,
              ModuleProcessInformation * processInformation,
              const ModuleBody &         body);

/** A parameter value of GenerateCLP's variables as text (SEM builds: see SemCommandLine). */
inline std::string
SemText(const std::string & value)
{
  return value;
}
std::string
SemText(double value);
std::string
SemText(int value);
std::string
SemText(bool value);

} // namespace cordresponse::slicer

#endif
