#ifndef cordresponse_Phantom_h
#define cordresponse_Phantom_h

#include "itkMatrix.h"
#include "itkSize.h"
#include "itkSpinalPhantomModel.h"
#include "itkVector.h"

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cordresponse {

/** Acquisition grids of the phantom (all sagittal, slightly oblique, LPS millimetres). */
enum class PhantomGrid
{
  Clinical,  ///< 512 x 512 x 20 at 0.6 x 0.6 x 3 mm (in-plane AP x SI, slices left-right)
  Isotropic, ///< 1 mm isotropic, 240 x 300 x 60
  Test       ///< 0.6 x 0.6 x 3 mm, 200 x 280 x 16 around the lesions: small and fast, for tests
};
PhantomGrid
ParsePhantomGrid(const std::string & name); // "clinical" | "isotropic" | "test"; throws std::invalid_argument
std::string
ToString(PhantomGrid grid);

/** Rigid patient motion between exams: rotation (degrees, about the left-right, antero-posterior and
 *  cranio-caudal axes through the centre of the field of view) then translation (mm, LPS). */
struct PhantomMotion
{
  std::array<double, 3> rotationDegrees{ { 0, 0, 0 } };
  std::array<double, 3> translation{ { 0, 0, 0 } };
};

/** One exam of a phantom case. Lesion ids are shared across timepoints (a lesion absent at a timepoint
 *  has resolved; an id first present later is new; several ellipsoids with one id form one lesion). */
struct PhantomTimepoint
{
  std::string                                  label; // "baseline", "followup", "followup2", ...
  std::vector<itk::SpinalPhantomModel::Lesion> lesions;
  std::vector<itk::SpinalPhantomModel::Edema>  edemas;
  PhantomMotion                                motion;
  std::array<double, 3>                        fieldOfViewShift{ { 0, 0, 0 } }; // grid origin shift (mm)
  double                                       snr{ 25.0 };
  /** Expected response against baseline/nadir (follow-ups only): RANO-BM and volumetric categories. */
  std::string expectedRanoBm;
  std::string expectedVolumetric;
};

/** Expected per-lesion change between consecutive timepoints (statuses as the matching should give). */
struct PhantomLesionChange
{
  std::string               fromTimepoint;
  std::string               toTimepoint;
  std::vector<unsigned int> fromIds; // empty for "new"
  std::vector<unsigned int> toIds;   // empty for "resolved"
  std::string               status;  // new, resolved, shrinking, stable, growing, merged, split
};

/** A typical sagittal spine protocol's acquired in-plane spacing (mm, antero-posterior phase x
 *  superior-inferior readout): a 307 x 384 matrix over a 307 mm field of view, reconstructed at 512 x 512. */
constexpr std::array<double, 2> ScannerAcquiredInPlaneSpacing{ { 1.0, 0.8 } };

/** A whole longitudinal phantom case. */
struct PhantomCase
{
  std::string                          preset;
  std::string                          description;
  std::uint64_t                        seed{ 1 };
  PhantomGrid                          grid{ PhantomGrid::Clinical };
  unsigned int                         firstLevel{ 10 }; // T3
  unsigned int                         lastLevel{ 23 };  // L4
  double                               top{ 150.0 };
  itk::SpinalPhantomModel::Distractors distractors;
  double                               biasAmplitude{ 0.2 };
  /** In-plane spacing actually acquired (mm, along the grid's antero-posterior phase and superior-inferior
   *  readout axes), reconstructed on the grid by zero filling k-space: edges get the scanner's sinc blur and
   *  Gibbs ringing, noise the grain of the acquired voxel (itk::SpinalPhantomImageSource::SetAcquiredSpacing).
   *  A value not above the grid spacing disables it along that axis. Default { 0, 0 }: acquired at the grid's
   *  resolution with white noise (the presets' reference acquisition). ScannerAcquiredInPlaneSpacing is a
   *  typical clinical protocol. */
  std::array<double, 2> acquiredInPlaneSpacing{ { 0.0, 0.0 } };
  /** Slice thickness (mm, the left-right slice axis) overriding the grid's; 0 keeps it. The number of slices
   *  is rescaled to keep the field of view's left-right extent (rounded to whole slices). */
  double sliceThickness{ 0.0 };
  /** Model the cord's grey matter (itk::SpinalPhantomModel::SetGreyMatter). Default false: a uniform cord. */
  bool greyMatter{ false };
  /** Model the cauda equina (itk::SpinalPhantomModel::SetCaudaEquina). Default false: CSF alone below the conus. */
  bool                             caudaEquina{ false };
  std::vector<PhantomTimepoint>    timepoints;
  std::vector<PhantomLesionChange> changes;

  /** The anatomical model of timepoint `index`. */
  itk::SpinalPhantomModel
  Model(std::size_t index) const;
};

/** Names of the built-in presets, and a one-line description of each. */
std::vector<std::pair<std::string, std::string>>
PhantomPresets();

/** Build a preset (see PhantomPresets()); the seed jitters lesion sizes and positions slightly (within
 *  the preset's intent) and drives noise and bias. Throws std::invalid_argument for an unknown name. */
PhantomCase
MakePhantomCase(const std::string & preset, std::uint64_t seed = 1, PhantomGrid grid = PhantomGrid::Clinical);

/** Where an exam is imaged: its grid (LPS mm) and the patient's rigid motion from the body frame
 *  (baseline position) to this exam's scanner frame: q = motionRotation * p + motionTranslation. */
struct PhantomExamGeometry
{
  itk::Size<3>              size;
  itk::Vector<double, 3>    spacing;
  itk::Point<double, 3>     origin;
  itk::Matrix<double, 3, 3> direction;
  itk::Matrix<double, 3, 3> motionRotation;
  itk::Vector<double, 3>    motionTranslation;
};
PhantomExamGeometry
ExamGeometry(const PhantomCase & phantomCase, std::size_t timepoint);

/** Timing of WritePhantomCase (seconds). */
struct PhantomWriteReport
{
  double renderSeconds{ 0 };
  double writeSeconds{ 0 };
  double truthSeconds{ 0 };
};

/** Render and write a case directory:
 *    case.json                         inputs for `cordresponse run --case` (paths relative to it)
 *    truth.json                        the ground truth (see docs/phantoms.md)
 *    <timepoint>/t1pre.nii.gz, t1post.nii.gz, t2.nii.gz, labels-disc.nii.gz (SCT-style disc labels)
 *    truth/<timepoint>_{cord,lesions,edema,levels}.nii.gz (on the image grid of that timepoint)
 *    truth/<timepoint>_to_baseline.tfm (follow-ups; ITK transform mapping a baseline point to the
 *                                       follow-up point, LPS mm)
 *  Every file is written atomically. */
PhantomWriteReport
WritePhantomCase(const PhantomCase & phantomCase, const std::filesystem::path & directory);

} // namespace cordresponse

#endif
