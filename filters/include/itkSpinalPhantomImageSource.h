#ifndef itkSpinalPhantomImageSource_h
#define itkSpinalPhantomImageSource_h

#include "CordResponseExport.h"
#include "itkSpinalPhantomModel.h"

#include "itkImage.h"
#include "itkImageSource.h"
#include "itkMatrix.h"

#include <cstdint>
#include <map>

namespace itk {

/** \class SpinalPhantomImageSource
 * \brief Renders one MRI exam of a SpinalPhantomModel: T1 pre-contrast, T1 post-contrast and T2 images
 * plus exact label maps, on an arbitrary (e.g. clinical sagittal, oblique) grid.
 *
 * Acquisition physics:
 * - Partial volume: voxels whose seven probe points (centre and face centres) disagree, and every voxel
 *   near the spinal canal, are supersampled on a sub-grid of about SupersamplingStep mm (e.g. 2 x 2 x 6
 *   samples for 0.6 x 0.6 x 3 mm voxels); intensity and label fractions are sub-sample averages.
 * - Patient position: Motion maps a body-frame point p (baseline patient position, LPS mm) to the
 *   scanner point q = R p + t where it is imaged in this exam. Identity for the baseline exam.
 * - A smooth multiplicative bias field (coil sensitivity, fixed to the scanner), drawn from Seed.
 * - Rician noise: magnitude of the complex signal plus Gaussian noise of standard deviation
 *   sigma = (normal cord signal of that sequence) / SNR in both channels (of the final image).
 * - Optional k-space truncation (AcquiredSpacing): a scanner acquires an in-plane matrix coarser than the
 *   one it reconstructs and zero-fills k-space, so edges carry its sinc point-spread function (blur and
 *   Gibbs ringing, e.g. at the cord-CSF border) and noise has the grain of the acquired voxel. The complex
 *   signal plus white noise is low-passed along each truncated axis before the magnitude is taken.
 * Randomness is counter-based (a hash of Seed, sequence and voxel index), so the output is identical at
 * any number of threads.
 *
 * Outputs: 0-2 float images (GetSequenceOutput); 3-6 label maps (unsigned short): cord (1 where at least
 * half the voxel is cord, lesions included), lesions (the lesion id covering at least half the voxel),
 * edema (1 where at least half the voxel is T2-hyperintense cord, foci included) and cord levels (cord
 * voxels labelled with their vertebral level, as Spinal Cord Toolbox `_labeled` masks).
 * After Update(), partial-volume volumes (mm^3, sum of voxel fractions) are available.
 *
 * \ingroup CordResponse
 */
class CordResponse_EXPORT SpinalPhantomImageSource : public ImageSource<Image<float, 3>>
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(SpinalPhantomImageSource);

  using Self = SpinalPhantomImageSource;
  using Superclass = ImageSource<Image<float, 3>>;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;
  using OutputImageType = Image<float, 3>;
  using LabelImageType = Image<unsigned short, 3>;
  using RegionType = OutputImageType::RegionType;
  using SizeType = OutputImageType::SizeType;
  using SpacingType = OutputImageType::SpacingType;
  using PointType = OutputImageType::PointType;
  using DirectionType = OutputImageType::DirectionType;
  using RotationType = Matrix<double, 3, 3>;
  using TranslationType = Vector<double, 3>;

  itkNewMacro(Self);
  itkTypeMacro(SpinalPhantomImageSource, ImageSource);

  /** The anatomy and pathology to render. */
  void
  SetModel(const SpinalPhantomModel & model);
  const SpinalPhantomModel &
  GetModel() const
  {
    return m_Model;
  }

  /** Output grid. */
  itkSetMacro(Size, SizeType);
  itkGetConstReferenceMacro(Size, SizeType);
  itkSetMacro(Spacing, SpacingType);
  itkGetConstReferenceMacro(Spacing, SpacingType);
  itkSetMacro(Origin, PointType);
  itkGetConstReferenceMacro(Origin, PointType);
  itkSetMacro(Direction, DirectionType);
  itkGetConstReferenceMacro(Direction, DirectionType);

  /** Patient position in this exam: scanner point = MotionRotation * body point + MotionTranslation. */
  itkSetMacro(MotionRotation, RotationType);
  itkGetConstReferenceMacro(MotionRotation, RotationType);
  itkSetMacro(MotionTranslation, TranslationType);
  itkGetConstReferenceMacro(MotionTranslation, TranslationType);

  /** Signal-to-noise ratio of normal cord (0 disables noise). Default 25. */
  itkSetClampMacro(SNR, double, 0.0, NumericTraits<double>::max());
  itkGetConstMacro(SNR, double);
  /** Peak relative amplitude of the bias field (0 disables it). Default 0.2. */
  itkSetClampMacro(BiasAmplitude, double, 0.0, 1.0);
  itkGetConstMacro(BiasAmplitude, double);
  /** Relative amplitude of smooth tissue texture (anatomical heterogeneity that moves with the patient,
   *  correlation length about 4 mm). Default 0.05; 0 disables it. */
  itkSetClampMacro(TextureAmplitude, double, 0.0, 0.5);
  itkGetConstMacro(TextureAmplitude, double);
  /** Spacing actually acquired along each grid axis (mm), reconstructed on the output grid by zero filling:
   *  k-space beyond 1 / (2 AcquiredSpacing[d]) cycles/mm is truncated along axis d (lines reflect-padded at
   *  the field-of-view border). An axis whose value is not larger than the grid spacing (e.g. the slice axis of
   *  a 2-D multi-slice acquisition) is not truncated. Default 0: no truncation. */
  itkSetMacro(AcquiredSpacing, SpacingType);
  itkGetConstReferenceMacro(AcquiredSpacing, SpacingType);
  /** Seed of noise and bias field. */
  itkSetMacro(Seed, std::uint64_t);
  itkGetConstMacro(Seed, std::uint64_t);
  /** Target sub-sample spacing for partial volume (mm). Default 0.5. */
  itkSetClampMacro(SupersamplingStep, double, 0.05, 10.0);
  itkGetConstMacro(SupersamplingStep, double);

  OutputImageType *
  GetSequenceOutput(PhantomSequence sequence);
  LabelImageType *
  GetCordLabelOutput();
  LabelImageType *
  GetLesionLabelOutput();
  LabelImageType *
  GetEdemaLabelOutput();
  LabelImageType *
  GetLevelLabelOutput();

  /** Partial-volume volumes after Update() (mm^3). */
  double
  GetCordPartialVolume() const
  {
    return m_CordPartialVolume;
  }
  double
  GetEdemaPartialVolume() const
  {
    return m_EdemaPartialVolume;
  }
  /** Per lesion id; 0 for an id not rendered. */
  double
  GetLesionPartialVolume(unsigned int id) const;

  /** Body-frame point imaged at scanner point `q` in this exam (inverse of the motion). */
  SpinalPhantomModel::PointType
  ScannerToBody(const PointType & q) const;

protected:
  SpinalPhantomImageSource();
  ~SpinalPhantomImageSource() override = default;
  void
  PrintSelf(std::ostream & os, Indent indent) const override;

  using DataObjectPointerArraySizeType = ProcessObject::DataObjectPointerArraySizeType;
  using Superclass::MakeOutput;
  DataObject::Pointer
  MakeOutput(DataObjectPointerArraySizeType idx) override;
  void
  GenerateOutputInformation() override;
  void
  GenerateData() override;

private:
  double
  BiasField(unsigned int sequence, const PointType & q) const;
  /** Adds Rician noise to a rendered (noiseless) image, after k-space truncation when AcquiredSpacing asks. */
  void
  Acquire(unsigned int sequence, OutputImageType * image);

  SpinalPhantomModel m_Model;
  SizeType           m_Size;
  SpacingType        m_Spacing;
  PointType          m_Origin;
  DirectionType      m_Direction;
  RotationType       m_MotionRotation;
  TranslationType    m_MotionTranslation;
  double             m_SNR{ 25.0 };
  double             m_BiasAmplitude{ 0.2 };
  double             m_TextureAmplitude{ 0.05 };
  SpacingType        m_AcquiredSpacing;
  std::uint64_t      m_Seed{ 1 };
  double             m_SupersamplingStep{ 0.5 };

  double                               m_CordPartialVolume{ 0.0 };
  double                               m_EdemaPartialVolume{ 0.0 };
  std::map<unsigned int, double>       m_LesionPartialVolumes;
  std::array<std::array<double, 4>, 3> m_BiasCoefficients{};
  std::array<double, 3>                m_FieldOfViewCentre{};
  std::array<double, 3>                m_FieldOfViewInverseHalfExtent{};
};

} // namespace itk

#endif
