#include "ModuleRun.h"

#include "cordresponse/AtomicFile.h"
#include "cordresponse/Text.h"
#include "cordresponse/Version.h"

#ifdef CORDRESPONSE_SEM_BUILD
#include "ModuleProcessInformation.h"
#endif

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <sstream>

namespace cordresponse::slicer {
namespace {

double
Now()
{
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

/** The ModuleProcessInformation Slicer passed (in-process runs of SEM builds), or nullptr. */
ModuleProcessInformation *
ProcessInformation([[maybe_unused]] const std::string & address)
{
#ifdef CORDRESPONSE_SEM_BUILD
  void * pointer = nullptr;
  if (address != "0" && std::sscanf(address.c_str(), "%p", &pointer) == 1)
  {
    return static_cast<ModuleProcessInformation *>(pointer);
  }
#endif
  return nullptr; // executable mode: progress goes to stdout only
}

class Aborted : public std::runtime_error
{
public:
  Aborted()
    : std::runtime_error("stopped by the host (Slicer's Cancel)")
  {}
};
} // namespace

StageProgress::StageProgress(std::ostream & out, ModuleProcessInformation * processInformation)
  : m_Out(out)
  , m_ProcessInformation(processInformation)
{}

void
StageProgress::CloseBlock()
{
  if (m_Stage.empty())
  {
    return;
  }
  m_Out << "<filter-end>\n<filter-name>" << m_Stage << "</filter-name>\n<filter-time>" << Now() - m_StageSecondsStart
        << "</filter-time>\n</filter-end>" << std::endl;
  m_Stage.clear();
}

void
StageProgress::Report(const std::string & stage, double overall, const std::string & comment)
{
  const std::lock_guard<std::mutex> lock(m_Mutex);
  if (stage != m_Stage)
  {
    CloseBlock();
    m_Stage = stage;
    m_StageStart = m_Overall;
    m_StageSecondsStart = Now();
    m_Out << "<filter-start>\n<filter-name>" << stage << "</filter-name>\n<filter-comment> \""
          << (comment.empty() ? stage : comment) << "\" </filter-comment>\n</filter-start>" << std::endl;
  }
  m_Overall = std::clamp(std::max(m_Overall, overall), 0.0, 1.0);
  m_Out << "<filter-progress>" << m_Overall << "</filter-progress>" << std::endl;
#ifdef CORDRESPONSE_SEM_BUILD
  if (m_ProcessInformation != nullptr)
  {
    m_ProcessInformation->Progress = static_cast<float>(m_Overall);
    std::snprintf(m_ProcessInformation->ProgressMessage, sizeof(m_ProcessInformation->ProgressMessage), "%s",
                  stage.c_str());
    if (m_ProcessInformation->ProgressCallbackFunction != nullptr)
    {
      (*m_ProcessInformation->ProgressCallbackFunction)(m_ProcessInformation->ProgressCallbackClientData);
    }
    if (m_ProcessInformation->Abort)
    {
      throw Aborted();
    }
  }
#endif
}

void
StageProgress::Finish()
{
  Report(m_Stage.empty() ? std::string("done") : m_Stage, 1.0);
  const std::lock_guard<std::mutex> lock(m_Mutex);
  CloseBlock();
}

ModuleRun::ModuleRun(const ModuleDescription & module, ParameterValues arguments, StageProgress & progress)
  : m_Module(module)
  , m_Arguments(std::move(arguments))
  , m_Progress(progress)
{}

std::optional<std::filesystem::path>
ModuleRun::Output(const std::string & name)
{
  const Parameter * p = m_Module.Find(name);
  if (p == nullptr || p->channel != Channel::Output || p->IsReturnParameter())
  {
    throw std::logic_error(m_Module.name + ": " + name + " is not an output file parameter");
  }
  auto path = m_Arguments.Path(name);
  if (path)
  {
    m_Outputs.push_back(*path);
  }
  return path;
}

void
ModuleRun::Return(const std::string & name, const std::string & value)
{
  const Parameter * p = m_Module.Find(name);
  if (p == nullptr || !p->IsReturnParameter())
  {
    throw std::logic_error(m_Module.name + ": " + name + " is not a return parameter");
  }
  m_Returned[name] = value;
}

void
ModuleRun::Return(const std::string & name, double value)
{
  Return(name, ShortestText(value));
}

void
ModuleRun::Return(const std::string & name, int value)
{
  Return(name, std::to_string(value));
}

std::string
ModuleRun::ReturnParameterText() const
{
  std::ostringstream out;
  for (const Parameter * p : m_Module.Parameters())
  {
    if (!p->IsReturnParameter())
    {
      continue;
    }
    const auto it = m_Returned.find(p->name);
    if (it == m_Returned.end())
    {
      throw std::logic_error(m_Module.name + ": return parameter " + p->name + " was not set");
    }
    out << p->name << " = " << it->second << "\n";
  }
  return out.str();
}

void
ModuleRun::RemoveOutputs() const
{
  for (const auto & path : m_Outputs)
  {
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
  }
}

std::string
SemText(double value)
{
  return ShortestText(value);
}

std::string
SemText(int value)
{
  return std::to_string(value);
}

std::string
SemText(bool value)
{
  return value ? "true" : "false";
}

int
RunModule(const ModuleDescription & module, int argc, char ** argv, const ModuleBody & body)
{
  if (argc > 1 && std::strcmp(argv[1], "--xml") == 0)
  {
    std::cout << ToXml(module) << std::flush;
    return 0;
  }
  CommandLine line;
  try
  {
    line = ParseCommandLine(module, std::vector<std::string>(argv + 1, argv + argc));
  }
  catch (const ArgumentError & e)
  {
    std::cerr << module.name << ": error: " << e.what() << std::endl;
    return 2;
  }
  if (line.help)
  {
    std::cout << Usage(module);
    return 0;
  }
  if (line.version)
  {
    std::cout << module.name << " " << CORDRESPONSE_VERSION_STRING << std::endl;
    return 0;
  }
  if (line.echo)
  {
    std::cout << EchoArguments(module, line) << std::flush;
  }
  return ExecuteModule(module, line, ProcessInformation(line.processInformationAddress), body);
}

int
ExecuteModule(const ModuleDescription &  module,
              const CommandLine &        commandLine,
              ModuleProcessInformation * processInformation,
              const ModuleBody &         body)
{
  StageProgress progress(std::cout, processInformation);
  ModuleRun     run(module, commandLine.values, progress);
  try
  {
    body(run);
    const std::string returned = run.ReturnParameterText();
    if (!commandLine.returnParameterFile.empty())
    {
      WriteFileAtomically(commandLine.returnParameterFile, returned);
    }
    progress.Finish();
    return 0;
  }
  catch (const std::exception & e)
  {
    run.RemoveOutputs();
    std::cerr << module.name << ": error: " << e.what() << std::endl;
    return 1;
  }
}

} // namespace cordresponse::slicer
