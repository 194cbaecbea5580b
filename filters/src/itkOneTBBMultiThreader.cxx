#include "itkOneTBBMultiThreader.h"

#include "itkProcessObject.h"
#include "itkVersion.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_group.h>

#include <atomic>
#include <mutex>

// Every parallel loop below runs in an isolated task_group_context: when a task outside the filter is
// cancelled (an exception elsewhere in a pipeline's flow graph cancels the graph), TBB would otherwise cancel the
// nested loop too and return with part of the work units never run, leaving the filter's output half-computed.
// A filter always finishes (or throws) on its own terms.
namespace itk {
namespace {
std::atomic<bool> registered{ false };

void
CheckAbort(ProcessObject * filter)
{
  if (filter && filter->GetAbortGenerateData())
  {
    ProcessAborted e(__FILE__, __LINE__);
    e.SetDescription(std::string("Object ") + filter->GetNameOfClass() + ": AbortGenerateDataOn");
    throw e;
  }
}
} // namespace

OneTBBMultiThreader::OneTBBMultiThreader()
{
  // A fixed number of work units for the legacy interfaces (the class comment says why); the modern
  // interfaces split adaptively and do not use this number.
  this->SetMaximumNumberOfThreads(MultiThreaderBase::GetGlobalDefaultNumberOfThreads());
  this->SetNumberOfWorkUnits(DeterministicWorkUnits);
}

void
OneTBBMultiThreader::SetSingleMethod(ThreadFunctionType f, void * data)
{
  m_SingleMethod = f;
  m_SingleData = data;
}

void
OneTBBMultiThreader::SingleMethodExecute()
{
  if (!m_SingleMethod)
  {
    itkExceptionMacro("No single method set");
  }
  const ThreadIdType      units = this->GetNumberOfWorkUnits();
  tbb::task_group_context isolated(tbb::task_group_context::isolated);
  tbb::parallel_for(
    ThreadIdType(0), units,
    [this, units](ThreadIdType unit) {
      WorkUnitInfo info;
      info.WorkUnitID = unit;
      info.NumberOfWorkUnits = units;
      info.UserData = m_SingleData;
      info.ThreadFunction = m_SingleMethod;
      info.ThreadExitCode = WorkUnitInfo::ThreadExitCodeEnum::SUCCESS;
      m_SingleMethod(&info);
    },
    isolated);
}

void
OneTBBMultiThreader::ParallelizeArray(SizeValueType             firstIndex,
                                      SizeValueType             lastIndexPlus1,
                                      ArrayThreadingFunctorType aFunc,
                                      ProcessObject *           filter)
{
  if (lastIndexPlus1 <= firstIndex)
  {
    return;
  }
  if (filter)
  {
    filter->UpdateProgress(0.0f);
  }
  const double            step = 1.0 / static_cast<double>(lastIndexPlus1 - firstIndex);
  tbb::task_group_context isolated(tbb::task_group_context::isolated);
  tbb::parallel_for(
    firstIndex, lastIndexPlus1,
    [&](SizeValueType i) {
      CheckAbort(filter);
      aFunc(i);
      if (filter)
      {
        filter->IncrementProgress(static_cast<float>(step));
      }
    },
    isolated);
  if (filter)
  {
    filter->UpdateProgress(1.0f);
  }
}

void
OneTBBMultiThreader::ParallelizeImageRegion(unsigned int         dimension,
                                            const IndexValueType index[],
                                            const SizeValueType  size[],
                                            ThreadingFunctorType funcP,
                                            ProcessObject *      filter)
{
  SizeValueType total = 1;
  unsigned int  axis = 0;
  for (unsigned int d = 0; d < dimension; ++d)
  {
    total *= size[d];
    if (size[d] > 1)
    {
      axis = d; // the slowest axis with more than one voxel
    }
  }
  if (total == 0)
  {
    return;
  }
  if (filter)
  {
    filter->UpdateProgress(0.0f);
  }
  const SizeValueType     slab = total / size[axis];
  tbb::task_group_context isolated(tbb::task_group_context::isolated);
  tbb::parallel_for(
    tbb::blocked_range<SizeValueType>(0, size[axis]),
    [&](const tbb::blocked_range<SizeValueType> & r) {
      CheckAbort(filter);
      std::vector<IndexValueType> chunkIndex(index, index + dimension);
      std::vector<SizeValueType>  chunkSize(size, size + dimension);
      chunkIndex[axis] = index[axis] + static_cast<IndexValueType>(r.begin());
      chunkSize[axis] = r.size();
      funcP(chunkIndex.data(), chunkSize.data());
      if (filter)
      {
        filter->IncrementProgress(static_cast<float>(static_cast<double>(slab * r.size()) / total));
      }
    },
    isolated);
  if (filter)
  {
    filter->UpdateProgress(1.0f);
  }
}

void
OneTBBMultiThreader::RegisterAsDefault()
{
  static std::once_flag once;
  std::call_once(once, [] {
    ObjectFactoryBase::RegisterFactory(OneTBBMultiThreaderFactory::New());
    registered = true;
  });
}

bool
OneTBBMultiThreader::IsRegisteredAsDefault()
{
  return registered;
}

void
OneTBBMultiThreader::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "Scheduler: oneTBB" << std::endl;
}

OneTBBMultiThreaderFactory::OneTBBMultiThreaderFactory()
{
  // The key must be typeid(MultiThreaderBase).name(): ObjectFactory<T>::Create() looks that up.
  this->RegisterOverride(typeid(MultiThreaderBase).name(), typeid(OneTBBMultiThreader).name(),
                         "oneTBB-backed ITK threader", true, CreateObjectFunction<OneTBBMultiThreader>::New());
}

const char *
OneTBBMultiThreaderFactory::GetITKSourceVersion() const
{
  return ITK_SOURCE_VERSION;
}

const char *
OneTBBMultiThreaderFactory::GetDescription() const
{
  return "Runs ITK filters on oneTBB's scheduler";
}
} // namespace itk
