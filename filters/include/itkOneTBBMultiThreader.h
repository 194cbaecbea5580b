#ifndef itkOneTBBMultiThreader_h
#define itkOneTBBMultiThreader_h

#include "CordResponseExport.h"

#include "itkMultiThreaderBase.h"
#include "itkObjectFactoryBase.h"

namespace itk {
/** \class OneTBBMultiThreader
 * \brief An ITK threader that runs filters on oneTBB's scheduler.
 *
 * Debian's ITK 5.2 is built without ITK's own TBBMultiThreader, and ITK's default Pool threader beside the
 * application's own oneTBB work would oversubscribe the cores. This threader sends every ITK work split
 * (SingleMethodExecute, ParallelizeArray, ParallelizeImageRegion) to oneTBB, so ITK filters and the
 * application's TBB tasks share one set of worker threads, bounded by tbb::global_control or the
 * enclosing task arena. Regions are cut into slabs along their slowest non-trivial axis; progress and
 * abort requests of the filter are honoured; exceptions propagate to the caller.
 *
 * The legacy interfaces (SingleMethodExecute, and the classic ThreadedGenerateData split of a filter's
 * region) get DeterministicWorkUnits work units whatever the thread count: filters that reduce per work
 * unit, in work-unit order (N4's B-spline fit sums one lattice per work unit), then add the same partial
 * sums in the same order at any thread count, so their output is the same bit for bit; oneTBB spreads
 * the units over the threads it has.
 *
 * Install it for the whole process with RegisterAsDefault() before any filter is created (ITK binds a
 * filter's threader at construction).
 *
 * \ingroup CordResponse
 */
class CordResponse_EXPORT OneTBBMultiThreader : public MultiThreaderBase
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(OneTBBMultiThreader);

  using Self = OneTBBMultiThreader;
  using Superclass = MultiThreaderBase;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;

  itkNewMacro(Self);
  itkTypeMacro(OneTBBMultiThreader, MultiThreaderBase);

  void
  SetSingleMethod(ThreadFunctionType, void * data) override;
  void
  SingleMethodExecute() override;
  void
  ParallelizeArray(SizeValueType             firstIndex,
                   SizeValueType             lastIndexPlus1,
                   ArrayThreadingFunctorType aFunc,
                   ProcessObject *           filter) override;
  using Superclass::ParallelizeImageRegion; // keep the templated ImageRegion overload visible
  void
  ParallelizeImageRegion(unsigned int         dimension,
                         const IndexValueType index[],
                         const SizeValueType  size[],
                         ThreadingFunctorType funcP,
                         ProcessObject *      filter) override;

  /** Work units of the legacy interfaces, independent of the number of threads (see the class comment). */
  static constexpr ThreadIdType DeterministicWorkUnits = 16;

  /** Make MultiThreaderBase::New() return this threader from now on (idempotent). */
  static void
  RegisterAsDefault();
  /** True once RegisterAsDefault() has run. */
  static bool
  IsRegisteredAsDefault();

protected:
  OneTBBMultiThreader();
  ~OneTBBMultiThreader() override = default;
  void
  PrintSelf(std::ostream & os, Indent indent) const override;
};

/** \class OneTBBMultiThreaderFactory
 * \brief Object factory that overrides itk::MultiThreaderBase with OneTBBMultiThreader.
 * \ingroup CordResponse
 */
class CordResponse_EXPORT OneTBBMultiThreaderFactory : public ObjectFactoryBase
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(OneTBBMultiThreaderFactory);
  using Self = OneTBBMultiThreaderFactory;
  using Superclass = ObjectFactoryBase;
  using Pointer = SmartPointer<Self>;
  itkFactorylessNewMacro(Self);
  itkTypeMacro(OneTBBMultiThreaderFactory, ObjectFactoryBase);
  const char *
  GetITKSourceVersion() const override;
  const char *
  GetDescription() const override;

protected:
  OneTBBMultiThreaderFactory();
  ~OneTBBMultiThreaderFactory() override = default;
};
} // namespace itk

#endif
