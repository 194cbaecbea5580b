#ifndef itkSpinalPhantomModel_h
#define itkSpinalPhantomModel_h

#include "CordResponseExport.h"

#include "itkPoint.h"

#include <array>
#include <cstdint>
#include <vector>

namespace itk {

/** Tissue classes of the spinal MRI phantom. */
enum class PhantomTissue : std::uint8_t
{
  Air,
  SubcutaneousFat,
  EpiduralFat,
  Muscle,
  Organ,
  Aorta,
  Lung,
  Marrow,
  Cortex,
  DiscAnnulus,
  DiscNucleus,
  CSF,
  Cord,
  LesionCore,
  LesionRim,
  Vessel,
  BoneMetastasis,
  Dura,
  Leptomeninges,
  NerveRoot,
  Count
};

/** MR sequences the phantom renders. */
enum class PhantomSequence : std::uint8_t
{
  T1Pre = 0,
  T1Post = 1,
  T2 = 2
};
constexpr unsigned int PhantomSequenceCount = 3;

/** \class SpinalPhantomModel
 * \brief Continuous (analytic) model of the thoraco-lumbar spine with intramedullary lesions, for
 * rendering realistic spinal MRI with exact ground truth.
 *
 * All coordinates are ITK physical space, LPS, millimetres, in the *body frame* (the patient's position
 * at baseline): x to the patient's left, y posterior, z superior. The spine runs along z.
 *
 * Anatomy: vertebral bodies (cortex + fatty marrow) and discs (annulus + nucleus) with Spinal Cord
 * Toolbox level numbers (see SpinalLevels), posterior arches with spinous processes, the thecal sac
 * (CSF) with posterior epidural fat, the spinal cord with an elliptical cross-section whose size follows
 * the level (thoracic cord, lumbar enlargement, conus medullaris ending near L1-L2), a curved centreline
 * (thoracic kyphosis turning into lumbar lordosis), paraspinal muscle, subcutaneous fat, anterior organs
 * and the aorta. Cross-sections are horizontal (z = const) and follow the centreline by a shear, so
 * volumes are preserved exactly.
 *
 * Pathology: enhancing intramedullary foci (ellipsoids aligned with the local cord axis; homogeneous or
 * rim-enhancing, stable ids), fusiform T2-hyperintense cord edema spanning segments, and extramedullary
 * enhancing distractors that a segmentation must NOT call intramedullary: a dorsal surface vessel, a
 * vertebral bone metastasis, dural enhancement of the thecal sac wall, and leptomeningeal coating of the
 * cord surface. Optional detail: cord grey matter (SetGreyMatter) and the cauda equina (SetCaudaEquina).
 *
 * Classify() answers what is at a point; Intensity() gives the noiseless signal of a sample in a sequence.
 *
 * \ingroup CordResponse
 */
class CordResponse_EXPORT SpinalPhantomModel
{
public:
  using PointType = Point<double, 3>;

  struct Vertebra
  {
    unsigned int level{ 0 };  // SCT numbering (8 = T1 ... 19 = T12, 20 = L1)
    double       top{ 0 };    // z of the superior endplate (mm)
    double       bottom{ 0 }; // z of the inferior endplate (mm); the disc below spans to the next top
  };

  enum class Enhancement : std::uint8_t
  {
    Homogeneous,
    Rim
  };

  struct Lesion
  {
    unsigned int          id{ 0 };                 // stable across timepoints
    double                z{ 0 };                  // centre height on the centreline (mm)
    double                offsetX{ 0 };            // centre offset from the centreline within the cross-section (mm, L)
    double                offsetY{ 0 };            // (mm, P)
    std::array<double, 3> semiAxes{ { 2, 2, 4 } }; // left-right, antero-posterior, along the cord (mm)
    Enhancement           enhancement{ Enhancement::Homogeneous };
    double                rimThickness{ 1.2 };     // mm, rim-enhancing foci only
    double                enhancementRatio{ 0.8 }; // T1 post signal increase over normal cord (0.8 = +80%)
  };

  struct Edema
  {
    double z{ 0 };           // centre height (mm)
    double length{ 60 };     // cranio-caudal length (mm)
    double strength{ 0.55 }; // T2 signal increase over normal cord
  };

  /** Extramedullary enhancing structures (all optional: zero length or radius disables one). */
  struct Distractors
  {
    double                vesselTop{ 0 }, vesselBottom{ 0 }, vesselRadius{ 0.75 }; // dorsal cord-surface vein
    unsigned int          boneMetastasisLevel{ 0 };                                // vertebra holding a metastasis
    std::array<double, 3> boneMetastasisSemiAxes{ { 9, 7, 7 } };
    double                duraTop{ 0 }, duraBottom{ 0 }, duraThickness{ 1.0 }; // thecal sac wall
    double                leptomeningesTop{ 0 }, leptomeningesBottom{ 0 }, leptomeningesThickness{ 0.7 };
  };

  /** What is at a point. */
  struct Sample
  {
    PhantomTissue tissue{ PhantomTissue::Air };
    std::uint16_t lesionId{ 0 };       // for LesionCore / LesionRim
    bool          edema{ false };      // inside the edema region (cord or lesion)
    bool          greyMatter{ false }; // cord grey matter (with SetGreyMatter(true)); edema overrides it
    std::uint8_t  level{ 0 };          // vertebral level of this height (mid-disc to mid-disc), 0 outside
    bool
    operator==(const Sample & o) const
    {
      return tissue == o.tissue && lesionId == o.lesionId && edema == o.edema && greyMatter == o.greyMatter &&
             level == o.level;
    }
    bool
    InCord() const
    {
      return tissue == PhantomTissue::Cord || tissue == PhantomTissue::LesionCore || tissue == PhantomTissue::LesionRim;
    }
  };

  /** A thoraco-lumbar spine from `firstLevel` to `lastLevel` (SCT numbering), with the top of the
   *  first vertebra at z = `top`. Realistic body and disc heights per level. */
  SpinalPhantomModel(unsigned int firstLevel = 10, unsigned int lastLevel = 23, double top = 150.0);

  void
  AddLesion(const Lesion & lesion);
  void
  AddEdema(const Edema & edema);
  void
  SetDistractors(const Distractors & distractors);
  /** Model the cord's grey matter: an H-shaped (butterfly) region of each cross-section, about 18% of it
   *  (ventral horns broad, dorsal horns thin and diverging, a central commissure), T2 12% brighter and T1 8%
   *  darker than white matter; edematous cord keeps the edema signal. Off by default (the presets' cord is
   *  uniform). The truth cord label covers grey and white matter alike. */
  void
  SetGreyMatter(bool on)
  {
    m_GreyMatter = on;
  }
  bool
  GetGreyMatter() const
  {
    return m_GreyMatter;
  }
  /** Model the nerve roots in the thecal sac around and below the conus: the cauda equina. Each pair L2-S4
   *  (root radius 0.9 mm lumbar, 0.7 / 0.5 mm sacral) leaves the cord surface between mid-T12 and the conus
   *  tip, the lumbar ones first, and settles into the sac over the next 0.6 level as in a supine patient:
   *  lumbar roots lateral, sacral roots dorsal and near the midline; the lumbar pairs leave the sac laterally
   *  above their foramen. A filum terminale (0.4 mm) continues the conus tip. Roots are cord-like (T1 600,
   *  T2 400, no enhancement) and are not cord: the truth cord label ends at the conus. Off by default (CSF
   *  alone below the conus). */
  void
  SetCaudaEquina(bool on)
  {
    m_CaudaEquina = on;
  }
  bool
  GetCaudaEquina() const
  {
    return m_CaudaEquina;
  }
  /** Whether the cross-section point (rx, ry: mm from the cord centre, y posterior) at level coordinate
   *  `level` (e.g. 21 = the L1-L2 disc) lies in a nerve root, the cord and sac having semi-axes `cordAxes`
   *  and `canalAxes` there (any model, regardless of SetCaudaEquina). */
  static bool
  InsideNerveRoot(double                        level,
                  double                        rx,
                  double                        ry,
                  const std::array<double, 2> & cordAxes,
                  const std::array<double, 2> & canalAxes);
  /** Whether the normalised cross-section point (u = left-right / LR semi-axis, v = antero-posterior / AP
   *  semi-axis, v > 0 dorsal) lies in the grey matter. */
  static bool
  InsideGreyMatter(double u, double v);
  /** Centreline curvature: posterior displacement amplitude (mm) and wavelength (mm); the inflection
   *  (kyphosis to lordosis) is placed at the T12-L1 disc. */
  void
  SetCurvature(double amplitude, double wavelength);

  const std::vector<Vertebra> &
  GetVertebrae() const
  {
    return m_Vertebrae;
  }
  const std::vector<Lesion> &
  GetLesions() const
  {
    return m_Lesions;
  }
  const std::vector<Edema> &
  GetEdemas() const
  {
    return m_Edemas;
  }
  const Distractors &
  GetDistractors() const
  {
    return m_Distractors;
  }

  /** z of the middle of the disc above vertebra `level` (SCT disc label `level`), or of the cranial end
   *  of the model if there is none. Throws std::out_of_range for a level outside the model. */
  double
  DiscAbove(unsigned int level) const;
  /** z range [bottom, top] covered by vertebra `level` (mid-disc to mid-disc). */
  std::array<double, 2>
  LevelRange(unsigned int level) const;
  /** Vertebral level at height z (mid-disc to mid-disc), 0 outside the modelled spine. */
  unsigned int
  LevelAt(double z) const;

  /** Centre of the cord cross-section at height z (body frame, mm). */
  PointType
  CordCentre(double z) const;
  /** Derivative dy/dz of the centreline. */
  double
  CentrelineSlope(double z) const;
  /** Cord cross-section semi-axes {left-right, antero-posterior} at height z (0, 0 below the conus). */
  std::array<double, 2>
  CordSemiAxes(double z) const;
  /** Thecal sac (CSF) cross-section semi-axes at height z. */
  std::array<double, 2>
  CanalSemiAxes(double z) const;
  /** Antero-posterior offset of the thecal sac centre from the cord centre (the cord lies anteriorly). */
  static constexpr double CanalOffsetY = 0.8;

  /** True if `p` lies inside lesion `lesion`'s ellipsoid (not clipped to the cord). */
  bool
  InsideLesionEllipsoid(const Lesion & lesion, const PointType & p) const;

  /** What is at `p` (body frame). */
  Sample
  Classify(const PointType & p) const;

  /** Noiseless signal of `s` in `sequence` (arbitrary units, typical 1.5 T spin-echo contrast ratios). */
  double
  Intensity(const Sample & s, PhantomSequence sequence) const;

  /** Noiseless signal of normal cord in `sequence`: the reference for SNR and enhancement ratios. */
  static double
  CordSignal(PhantomSequence sequence);

private:
  double
  LevelCoordinate(double z) const; // continuous level index (e.g. 16.5 = middle of T9)
  Sample
  ClassifySpineColumn(const PointType & p, const PointType & cord, const std::array<double, 2> & canalAxes) const;

  std::vector<Vertebra> m_Vertebrae;
  /** Per vertebra (same order): {bottom, top} of its level range (mid-disc to mid-disc), cached. */
  std::vector<std::array<double, 2>> m_LevelRanges;
  std::vector<Lesion>                m_Lesions;
  std::vector<Edema>                 m_Edemas;
  Distractors                        m_Distractors;
  bool                               m_GreyMatter{ false };
  bool                               m_CaudaEquina{ false };
  double                             m_CurvatureAmplitude{ 12.0 };
  double                             m_CurvatureWavelength{ 420.0 };
  double                             m_Inflection{ 0.0 };
};

} // namespace itk

#endif
