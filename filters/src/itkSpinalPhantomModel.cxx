#include "itkSpinalPhantomModel.h"

#include "itkMath.h"
#include "itkSpinalLevels.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace itk {
namespace {

double
Square(double v)
{
  return v * v;
}

/** Piecewise-linear interpolation in a table of {x, y0, y1} rows sorted by x (clamped at the ends). */
std::array<double, 2>
Interpolate(const std::vector<std::array<double, 3>> & table, double x)
{
  if (x <= table.front()[0])
  {
    return { table.front()[1], table.front()[2] };
  }
  for (std::size_t i = 1; i < table.size(); ++i)
  {
    if (x <= table[i][0])
    {
      const double t = (x - table[i - 1][0]) / (table[i][0] - table[i - 1][0]);
      return { table[i - 1][1] + t * (table[i][1] - table[i - 1][1]),
               table[i - 1][2] + t * (table[i][2] - table[i - 1][2]) };
    }
  }
  return { table.back()[1], table.back()[2] };
}

/** Vertebral body height (mm) by SCT level: cervical ~14, thoracic 16-24, lumbar 25-28. */
double
BodyHeight(unsigned int level)
{
  if (level < SpinalLevels::FirstThoracic)
  {
    return 14.0;
  }
  if (level < SpinalLevels::FirstLumbar)
  {
    return 16.0 + 8.0 * (level - SpinalLevels::FirstThoracic) / 11.0;
  }
  return 25.0 + 0.7 * (level - SpinalLevels::FirstLumbar);
}

/** Height of the disc below vertebra `level` (mm). */
double
DiscHeight(unsigned int level)
{
  if (level < SpinalLevels::FirstThoracic)
  {
    return 5.5;
  }
  if (level < SpinalLevels::FirstLumbar - 1)
  {
    return 4.5 + 2.0 * (level - SpinalLevels::FirstThoracic) / 10.0;
  }
  return level == SpinalLevels::FirstLumbar - 1 ? 7.5 : 10.0;
}

/** Vertebral body cross-section {LR width, AP depth} (mm) by level. */
std::array<double, 2>
BodySize(unsigned int level)
{
  if (level < SpinalLevels::FirstThoracic)
  {
    return { 18.0, 16.0 };
  }
  if (level < SpinalLevels::FirstLumbar)
  {
    const double t = (level - SpinalLevels::FirstThoracic) / 11.0;
    return { 28.0 + 12.0 * t, 24.0 + 8.0 * t };
  }
  return { 44.0, 33.0 };
}

// Cord semi-axes {LR, AP} (mm) against the continuous level coordinate: cervical enlargement, thoracic
// cord, lumbar enlargement (T10-T12), conus medullaris ending at the L1-L2 disc.
const std::vector<std::array<double, 3>> &
CordTable()
{
  static const std::vector<std::array<double, 3>> table = {
    { 1.0, 6.0, 4.2 },  { 5.5, 6.6, 4.1 },   { 7.5, 5.4, 3.8 },  { 9.0, 4.3, 3.4 },
    { 15.0, 4.0, 3.2 }, { 17.0, 4.4, 3.6 },  { 18.5, 4.8, 4.0 }, { 19.5, 4.7, 3.9 },
    { 20.3, 3.4, 3.0 }, { 20.75, 1.8, 1.6 }, { 21.0, 0.0, 0.0 }, { 30.0, 0.0, 0.0 }
  };
  return table;
}

// Thecal sac semi-axes {LR, AP} (mm).
const std::vector<std::array<double, 3>> &
CanalTable()
{
  static const std::vector<std::array<double, 3>> table = {
    { 1.0, 11.0, 8.0 }, { 7.5, 11.0, 7.5 },  { 9.0, 8.5, 7.0 },
    { 19.0, 9.0, 7.5 }, { 21.0, 10.5, 8.5 }, { 25.0, 11.0, 8.5 }
  };
  return table;
}

// Noiseless signal per tissue and sequence {T1 pre, T1 post, T2}: typical 1.5 T spin-echo ratios
// (T1: fat > marrow > cord > muscle > CSF; T2: CSF > nucleus > fat > marrow > cord > muscle).
const std::array<std::array<double, PhantomSequenceCount>, static_cast<std::size_t>(PhantomTissue::Count)> &
SignalTable()
{
  static const std::array<std::array<double, PhantomSequenceCount>, static_cast<std::size_t>(PhantomTissue::Count)>
    table = { {
      { 0, 0, 0 },         // Air
      { 1000, 1000, 780 }, // SubcutaneousFat
      { 950, 960, 740 },   // EpiduralFat
      { 420, 440, 260 },   // Muscle
      { 480, 560, 380 },   // Organ
      { 110, 160, 90 },    // Aorta (flow void)
      { 35, 40, 25 },      // Lung (air-filled, little signal)
      { 720, 745, 520 },   // Marrow
      { 90, 90, 70 },      // Cortex
      { 380, 395, 280 },   // DiscAnnulus
      { 420, 440, 900 },   // DiscNucleus
      { 220, 230, 1000 },  // CSF
      { 620, 630, 420 },   // Cord
      { 560, 0, 620 },     // LesionCore (T1 post set per lesion)
      { 560, 0, 620 },     // LesionRim (T1 post set per lesion)
      { 320, 1100, 160 },  // Vessel: enhances, T2 flow void
      { 380, 820, 760 },   // BoneMetastasis: replaces fatty marrow, enhances
      { 350, 900, 300 },   // Dura (thickened, enhancing)
      { 600, 1000, 700 },  // Leptomeninges (enhancing coating)
      { 600, 610, 400 },   // NerveRoot (cauda equina: cord-like, not enhancing)
    } };
  return table;
}
} // namespace

SpinalPhantomModel::SpinalPhantomModel(unsigned int firstLevel, unsigned int lastLevel, double top)
{
  if (firstLevel < 1 || lastLevel > SpinalLevels::FirstSacral - 1 || firstLevel > lastLevel)
  {
    throw std::invalid_argument("SpinalPhantomModel: levels must lie within C1..L5");
  }
  double z = top;
  for (unsigned int level = firstLevel; level <= lastLevel; ++level)
  {
    Vertebra v;
    v.level = level;
    v.top = z;
    v.bottom = z - BodyHeight(level);
    m_Vertebrae.push_back(v);
    z = v.bottom - DiscHeight(level);
  }
  for (std::size_t i = 0; i < m_Vertebrae.size(); ++i)
  {
    const Vertebra & v = m_Vertebrae[i];
    const double     upper = i == 0 ? v.top + 0.5 * DiscHeight(v.level - 1) : 0.5 * (m_Vertebrae[i - 1].bottom + v.top);
    const double     lower =
      i + 1 == m_Vertebrae.size() ? v.bottom - 0.5 * DiscHeight(v.level) : 0.5 * (v.bottom + m_Vertebrae[i + 1].top);
    m_LevelRanges.push_back({ lower, upper });
  }
  m_Inflection = (firstLevel <= SpinalLevels::FirstLumbar && lastLevel >= SpinalLevels::FirstLumbar)
                   ? DiscAbove(SpinalLevels::FirstLumbar)
                   : 0.5 * (m_Vertebrae.front().top + m_Vertebrae.back().bottom);
}

void
SpinalPhantomModel::AddLesion(const Lesion & lesion)
{
  m_Lesions.push_back(lesion);
}

void
SpinalPhantomModel::AddEdema(const Edema & edema)
{
  m_Edemas.push_back(edema);
}

void
SpinalPhantomModel::SetDistractors(const Distractors & distractors)
{
  m_Distractors = distractors;
}

bool
SpinalPhantomModel::InsideGreyMatter(double u, double v)
{
  const double lateral = std::abs(u);
  if (std::abs(v) <= 0.08 && lateral <= 0.4) // grey commissure (around the central canal)
    return true;
  if (v < 0.0 && v >= -0.6 && std::abs(lateral - 0.35) <= 0.1) // ventral horns: broad
    return true;
  return v > 0.0 && v <= 0.8 && std::abs(lateral - (0.3 + 0.2 * v)) <= 0.06; // dorsal horns: thin, diverging
}

namespace {
// One nerve root of the cauda equina, on the level coordinate (e.g. 21 = the L1-L2 disc). Angles in degrees
// from the dorsal direction, positive to the patient's left.
struct NerveRoot
{
  double origin{ 0 };       // where it leaves the cord surface
  double surfaceAngle{ 0 }; // its position on the cord (and conus) surface
  double sacAngle{ 0 };     // its position in the sac below the conus
  double radius{ 0 };       // mm
  double exit{ 0 };         // the foramen it leaves through (the disc below its vertebra); 0: below the model
};

// Pairs L2-S4: the lumbar roots leave the lumbar enlargement first and lie laterally in the sac, the
// sacral ones later and dorsally, near the midline (supine patient).
const std::vector<NerveRoot> &
NerveRoots()
{
  static const std::vector<NerveRoot> roots = [] {
    std::vector<NerveRoot> r;
    for (int i = 0; i < 8; ++i)
    {
      for (const double side : { -1.0, 1.0 })
      {
        NerveRoot n;
        n.origin = 19.7 + 0.16 * i;
        n.surfaceAngle = side * ((i % 2 == 0 ? 45.0 : 120.0) + 4.0 * i);
        n.sacAngle = side * (100.0 - 12.0 * i);
        n.radius = i < 4 ? 0.9 : (i < 6 ? 0.7 : 0.5);
        n.exit = i < 4 ? 22.0 + i : 0.0;
        r.push_back(n);
      }
    }
    return r;
  }();
  return roots;
}

double
SmoothStep(double x)
{
  const double k = std::clamp(x, 0.0, 1.0);
  return k * k * (3.0 - 2.0 * k);
}
} // namespace

bool
SpinalPhantomModel::InsideNerveRoot(double                        level,
                                    double                        rx,
                                    double                        ry,
                                    const std::array<double, 2> & cordAxes,
                                    const std::array<double, 2> & canalAxes)
{
  for (const auto & root : NerveRoots())
  {
    const bool leftTheSac = root.exit > 0.0 && level > root.exit - 0.6;
    if (level < root.origin || leftTheSac)
    {
      continue;
    }
    // A root leaves the cord surface at its origin and settles in the sac over the next 0.6 level (the
    // lowest ones just below the conus tip).
    const double settled = SmoothStep((level - root.origin) / 0.6);
    const double r = root.radius;
    const double onCord = root.surfaceAngle * Math::pi_over_180;
    // A lumbar root turns to the lateral sac wall over the level above its foramen.
    const double leaving = root.exit > 0.0 ? SmoothStep((level - (root.exit - 1.4)) / 0.8) : 0.0;
    const double side = root.sacAngle < 0.0 ? -1.0 : 1.0;
    const double inSac = (root.sacAngle + leaving * (side * 110.0 - root.sacAngle)) * Math::pi_over_180;
    const double rho = 0.7 + 0.3 * leaving;
    const double x = (1.0 - settled) * (cordAxes[0] + r + 0.2) * std::sin(onCord) +
                     settled * rho * (canalAxes[0] - r - 0.3) * std::sin(inSac);
    const double y = (1.0 - settled) * (cordAxes[1] + r + 0.2) * std::cos(onCord) +
                     settled * (CanalOffsetY + rho * (canalAxes[1] - r - 0.3) * std::cos(inSac));
    if (Square(rx - x) + Square(ry - y) <= r * r)
    {
      return true;
    }
  }
  // The filum terminale continues the conus tip, dorsal of the sac's centre.
  constexpr double filumRadius = 0.4;
  return level >= 20.9 && Square(rx) + Square(ry - (CanalOffsetY + 0.2 * canalAxes[1])) <= Square(filumRadius);
}

void
SpinalPhantomModel::SetCurvature(double amplitude, double wavelength)
{
  m_CurvatureAmplitude = amplitude;
  m_CurvatureWavelength = wavelength;
}

double
SpinalPhantomModel::DiscAbove(unsigned int level) const
{
  return LevelRange(level)[1];
}

std::array<double, 2>
SpinalPhantomModel::LevelRange(unsigned int level) const
{
  if (level < m_Vertebrae.front().level || level > m_Vertebrae.back().level)
  {
    throw std::out_of_range("SpinalPhantomModel: level " + std::to_string(level) + " is not modelled");
  }
  return m_LevelRanges[level - m_Vertebrae.front().level];
}

unsigned int
SpinalPhantomModel::LevelAt(double z) const
{
  for (std::size_t i = 0; i < m_LevelRanges.size(); ++i)
  {
    if (z <= m_LevelRanges[i][1] && z > m_LevelRanges[i][0])
    {
      return m_Vertebrae[i].level;
    }
  }
  return 0;
}

double
SpinalPhantomModel::LevelCoordinate(double z) const
{
  const auto & first = m_LevelRanges.front();
  if (z > first[1])
  {
    return m_Vertebrae.front().level - (z - first[1]) / (first[1] - first[0]);
  }
  for (std::size_t i = 0; i < m_LevelRanges.size(); ++i)
  {
    const auto & range = m_LevelRanges[i];
    if (z > range[0])
    {
      return m_Vertebrae[i].level + (range[1] - z) / (range[1] - range[0]);
    }
  }
  const auto & last = m_LevelRanges.back();
  return m_Vertebrae.back().level + 1 + (last[0] - z) / (last[1] - last[0]);
}

SpinalPhantomModel::PointType
SpinalPhantomModel::CordCentre(double z) const
{
  PointType c;
  c[0] = 0.0;
  c[1] = m_CurvatureAmplitude * std::sin(2.0 * itk::Math::pi * (z - m_Inflection) / m_CurvatureWavelength);
  c[2] = z;
  return c;
}

double
SpinalPhantomModel::CentrelineSlope(double z) const
{
  return m_CurvatureAmplitude * 2.0 * itk::Math::pi / m_CurvatureWavelength *
         std::cos(2.0 * itk::Math::pi * (z - m_Inflection) / m_CurvatureWavelength);
}

std::array<double, 2>
SpinalPhantomModel::CordSemiAxes(double z) const
{
  return Interpolate(CordTable(), LevelCoordinate(z));
}

std::array<double, 2>
SpinalPhantomModel::CanalSemiAxes(double z) const
{
  return Interpolate(CanalTable(), LevelCoordinate(z));
}

bool
SpinalPhantomModel::InsideLesionEllipsoid(const Lesion & lesion, const PointType & p) const
{
  const PointType centre = CordCentre(lesion.z);
  const double    dx = p[0] - (centre[0] + lesion.offsetX);
  const double    dy = p[1] - (centre[1] + lesion.offsetY);
  const double    dz = p[2] - lesion.z;
  // Local frame: u left-right, v antero-posterior (normal to the centreline in the sagittal plane),
  // w along the centreline tangent.
  const double slope = CentrelineSlope(lesion.z);
  const double norm = std::sqrt(1.0 + slope * slope);
  const double w = (dy * slope + dz) / norm;
  const double v = (dy - dz * slope) / norm;
  return Square(dx / lesion.semiAxes[0]) + Square(v / lesion.semiAxes[1]) + Square(w / lesion.semiAxes[2]) <= 1.0;
}

SpinalPhantomModel::Sample
SpinalPhantomModel::Classify(const PointType & p) const
{
  Sample          s;
  const double    z = p[2];
  const PointType cord = CordCentre(z);
  const double    rx = p[0] - cord[0];
  const double    ry = p[1] - cord[1];

  // Torso outline, subcutaneous fat.
  const double torsoA = 165.0;
  const double torsoB = 115.0;
  const double torsoY = -55.0;
  if (Square(rx / torsoA) + Square((ry - torsoY) / torsoB) > 1.0)
  {
    return s; // air
  }
  if (Square(rx / (torsoA - 12.0)) + Square((ry - torsoY) / (torsoB - 12.0)) > 1.0)
  {
    s.tissue = PhantomTissue::SubcutaneousFat;
    return s;
  }

  const double levelCoordinate = LevelCoordinate(z);
  const auto   cordAxes = Interpolate(CordTable(), levelCoordinate);
  const auto   canalAxes = Interpolate(CanalTable(), levelCoordinate);
  const double cordR = (cordAxes[0] > 0.0) ? Square(rx / cordAxes[0]) + Square(ry / cordAxes[1]) : 2.0;
  const bool   inCord = cordR <= 1.0;
  auto         edemaAt = [&]() {
    for (const auto & e : m_Edemas)
    {
      const double t = (z - e.z) / (0.5 * e.length);
      if (std::abs(t) < 1.0 && std::sqrt(cordR) <= std::min(1.0, 1.6 * (1.0 - t * t)))
      {
        return true;
      }
    }
    return false;
  };

  // Intramedullary foci (allowed to bulge 1 mm beyond the cord surface).
  if (cordAxes[0] > 0.0 && Square(rx / (cordAxes[0] + 1.0)) + Square(ry / (cordAxes[1] + 1.0)) <= 1.0)
  {
    for (const auto & lesion : m_Lesions)
    {
      const double reach = std::max({ lesion.semiAxes[0], lesion.semiAxes[1], lesion.semiAxes[2] });
      if (std::abs(z - lesion.z) > reach + 1.0 || !InsideLesionEllipsoid(lesion, p))
      {
        continue;
      }
      s.lesionId = static_cast<std::uint16_t>(lesion.id);
      s.tissue = PhantomTissue::LesionCore;
      if (lesion.enhancement == Enhancement::Rim)
      {
        Lesion core = lesion;
        for (auto & a : core.semiAxes)
        {
          a = std::max(0.05, a - lesion.rimThickness);
        }
        if (!InsideLesionEllipsoid(core, p))
        {
          s.tissue = PhantomTissue::LesionRim;
        }
      }
      s.edema = edemaAt();
      s.level = static_cast<std::uint8_t>(LevelAt(z));
      return s;
    }
  }
  if (inCord)
  {
    s.tissue = PhantomTissue::Cord;
    s.edema = edemaAt();
    s.greyMatter = m_GreyMatter && InsideGreyMatter(rx / cordAxes[0], ry / cordAxes[1]);
    s.level = static_cast<std::uint8_t>(LevelAt(z));
    return s;
  }

  const Distractors & d = m_Distractors;
  // Leptomeningeal coating of the dorsal cord surface.
  if (cordAxes[0] > 0.0 && z <= d.leptomeningesTop && z >= d.leptomeningesBottom && ry > 0.0 &&
      Square(rx / (cordAxes[0] + d.leptomeningesThickness)) + Square(ry / (cordAxes[1] + d.leptomeningesThickness)) <=
        1.0)
  {
    s.tissue = PhantomTissue::Leptomeninges;
    return s;
  }
  // Dorsal surface vein running along the cord.
  if (z <= d.vesselTop && z >= d.vesselBottom && cordAxes[0] > 0.0)
  {
    const double vy = cordAxes[1] + d.vesselRadius + 0.2;
    if (Square(rx) + Square(ry - vy) <= Square(d.vesselRadius))
    {
      s.tissue = PhantomTissue::Vessel;
      return s;
    }
  }
  // Thecal sac: CSF, with an enhancing (thickened) dural wall over [duraBottom, duraTop].
  const double cy = ry - CanalOffsetY;
  if (Square(rx / canalAxes[0]) + Square(cy / canalAxes[1]) <= 1.0)
  {
    if (m_CaudaEquina && InsideNerveRoot(levelCoordinate, rx, ry, cordAxes, canalAxes))
    {
      s.tissue = PhantomTissue::NerveRoot;
      return s;
    }
    const double t = d.duraThickness;
    const bool   inWall = Square(rx / (canalAxes[0] - t)) + Square(cy / (canalAxes[1] - t)) > 1.0;
    s.tissue = (z <= d.duraTop && z >= d.duraBottom && inWall) ? PhantomTissue::Dura : PhantomTissue::CSF;
    return s;
  }
  // Posterior epidural fat.
  if (cy > 0.0 && Square(rx / (canalAxes[0] + 1.0)) + Square(cy / (canalAxes[1] + 3.0)) <= 1.0)
  {
    s.tissue = PhantomTissue::EpiduralFat;
    return s;
  }
  s = ClassifySpineColumn(p, cord, canalAxes);
  if (s.tissue != PhantomTissue::Air)
  {
    return s;
  }
  // Aorta, anterior-left of the vertebral bodies; organs anterior to the spine, muscle elsewhere.
  const double bodyFront = CanalOffsetY - canalAxes[1] - 2.0 - 34.0;
  if (Square(rx - 20.0) + Square(ry - (bodyFront - 13.0)) <= Square(11.0))
  {
    s.tissue = PhantomTissue::Aorta;
    return s;
  }
  if (ry >= bodyFront - 4.0)
  {
    s.tissue = PhantomTissue::Muscle;
    return s;
  }
  // Anterior to the spine: the lungs in the chest, abdominal organs below the domed diaphragm, and a
  // mediastinal strip of soft tissue in front of the vertebrae.
  const double top = m_Vertebrae.front().top;
  const double dome = top - 0.6 * (top - m_Vertebrae.back().bottom); // diaphragm apex, about T10
  const double lungY = bodyFront - 88.0;
  const bool   chest = Square((ry - lungY) / 66.0) + Square((z - top - 40.0) / (top + 40.0 - dome)) <= 1.0;
  s.tissue = chest ? PhantomTissue::Lung : PhantomTissue::Organ;
  return s;
}

SpinalPhantomModel::Sample
SpinalPhantomModel::ClassifySpineColumn(const PointType &             p,
                                        const PointType &             cord,
                                        const std::array<double, 2> & canalAxes) const
{
  Sample       s;
  const double z = p[2];
  const double rx = p[0] - cord[0];
  const double ry = p[1] - cord[1];
  const double canalBack = CanalOffsetY + canalAxes[1];
  for (std::size_t i = 0; i < m_Vertebrae.size(); ++i)
  {
    const Vertebra & v = m_Vertebrae[i];
    const double discBottom = (i + 1 < m_Vertebrae.size()) ? m_Vertebrae[i + 1].top : v.bottom - DiscHeight(v.level);
    if (z > v.top + 1.0 && (i > 0 || z > v.top + 0.5 * DiscHeight(v.level - 1)))
    {
      continue;
    }
    if (z < discBottom - 12.0)
    {
      continue;
    }
    const auto   size = BodySize(v.level);
    const double a = 0.5 * size[0];
    const double b = 0.5 * size[1];
    const double by = CanalOffsetY - canalAxes[1] - 2.0 - b; // body centre (relative to the cord centre)
    const double bodyR = Square(rx / a) + Square((ry - by) / b);
    if (z <= v.top && z >= v.bottom && bodyR <= 1.0)
    {
      const double inner = Square(rx / (a - 1.0)) + Square((ry - by) / (b - 1.0));
      if (v.level == m_Distractors.boneMetastasisLevel)
      {
        const auto & m = m_Distractors.boneMetastasisSemiAxes;
        const double mz = 0.5 * (v.top + v.bottom);
        if (Square(rx / m[0]) + Square((ry - by) / m[1]) + Square((z - mz) / m[2]) <= 1.0)
        {
          s.tissue = PhantomTissue::BoneMetastasis;
          return s;
        }
      }
      s.tissue = (inner > 1.0 || z > v.top - 1.0 || z < v.bottom + 1.0) ? PhantomTissue::Cortex : PhantomTissue::Marrow;
      return s;
    }
    if (z < v.bottom && z > discBottom && bodyR <= 1.0)
    {
      const double h = v.bottom - discBottom;
      const double zc = 0.5 * (v.bottom + discBottom);
      const bool   nucleus =
        Square(rx / (0.55 * a)) + Square((ry - by) / (0.55 * b)) <= 1.0 && std::abs(z - zc) < 0.32 * h;
      s.tissue = nucleus ? PhantomTissue::DiscNucleus : PhantomTissue::DiscAnnulus;
      return s;
    }
    // Posterior arch (laminae) around the thecal sac and epidural fat, at the height of the body.
    const double cy = ry - CanalOffsetY;
    if (z <= v.top - 2.0 && z >= v.bottom - 3.0 && cy > -2.0)
    {
      const double outer = Square(rx / (canalAxes[0] + 7.0)) + Square(cy / (canalAxes[1] + 10.0));
      const double innerArch = Square(rx / (canalAxes[0] + 1.0)) + Square(cy / (canalAxes[1] + 3.0));
      if (outer <= 1.0 && innerArch > 1.0)
      {
        const double shell = Square(rx / (canalAxes[0] + 6.0)) + Square(cy / (canalAxes[1] + 9.0));
        s.tissue = shell > 1.0 ? PhantomTissue::Cortex : PhantomTissue::Marrow;
        return s;
      }
    }
    // Spinous process: a posterior, caudally sloping plate on the midline.
    const double depth = ry - (canalBack + 9.0);
    if (std::abs(rx) <= 4.0 && depth >= 0.0 && depth <= 38.0)
    {
      const double spTop = v.top - 4.0 - 0.45 * depth;
      const double spBottom = v.bottom - 5.0 - 0.45 * depth;
      if (z <= spTop && z >= spBottom)
      {
        const bool edge = std::abs(rx) > 3.0 || z > spTop - 1.0 || z < spBottom + 1.0 || depth > 37.0;
        s.tissue = edge ? PhantomTissue::Cortex : PhantomTissue::Marrow;
        return s;
      }
    }
  }
  return s;
}

double
SpinalPhantomModel::CordSignal(PhantomSequence sequence)
{
  return SignalTable()[static_cast<std::size_t>(PhantomTissue::Cord)][static_cast<std::size_t>(sequence)];
}

double
SpinalPhantomModel::Intensity(const Sample & s, PhantomSequence sequence) const
{
  const auto   seq = static_cast<std::size_t>(sequence);
  const double cord = CordSignal(sequence);
  if (s.tissue == PhantomTissue::LesionCore || s.tissue == PhantomTissue::LesionRim)
  {
    if (sequence == PhantomSequence::T1Post)
    {
      const auto it =
        std::find_if(m_Lesions.begin(), m_Lesions.end(), [&](const Lesion & l) { return l.id == s.lesionId; });
      const double enh = it == m_Lesions.end() ? 0.8 : it->enhancementRatio;
      if (it != m_Lesions.end() && it->enhancement == Enhancement::Rim)
      {
        return cord * (1.0 + (s.tissue == PhantomTissue::LesionRim ? 1.3 * enh : 0.25 * enh));
      }
      return cord * (1.0 + enh);
    }
    return SignalTable()[static_cast<std::size_t>(s.tissue)][seq];
  }
  if (s.tissue == PhantomTissue::Cord && s.edema)
  {
    if (sequence == PhantomSequence::T2)
    {
      double strength = 0.55;
      if (!m_Edemas.empty())
      {
        strength = m_Edemas.front().strength;
      }
      return cord * (1.0 + strength);
    }
    return cord * 0.92;
  }
  if (s.tissue == PhantomTissue::Cord && s.greyMatter)
  {
    return cord * (sequence == PhantomSequence::T2 ? 1.12 : 0.92);
  }
  return SignalTable()[static_cast<std::size_t>(s.tissue)][seq];
}

} // namespace itk
