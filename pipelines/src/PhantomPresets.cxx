// The built-in phantom cases: anatomy, lesions per timepoint, motion, and the expected answers.
#include "cordresponse/Phantom.h"

#include "itkSpinalLevels.h"

#include <functional>
#include <map>
#include <random>
#include <stdexcept>

namespace cordresponse {
namespace {
using Lesion = itk::SpinalPhantomModel::Lesion;
using Edema = itk::SpinalPhantomModel::Edema;
using Enhancement = itk::SpinalPhantomModel::Enhancement;

constexpr unsigned int T6 = 13, T7 = 14, T8 = 15, T9 = 16, T10 = 17, T11 = 18, T12 = 19, L1 = 20, L2 = 21;

/** Deterministic jitter from the seed (portable: no std distributions). */
class Jitter
{
public:
  explicit Jitter(std::uint64_t seed)
    : m_Engine(seed * 0x9E3779B97F4A7C15ULL + 17)
  {}
  /** Uniform in [-1, 1]. */
  double
  Next()
  {
    return 2.0 * (static_cast<double>(m_Engine() >> 11) * (1.0 / 9007199254740992.0)) - 1.0;
  }

private:
  std::mt19937_64 m_Engine;
};

Lesion
MakeLesion(unsigned int id, double z, std::array<double, 3> semiAxes, Enhancement enhancement, double enhancementRatio)
{
  Lesion l;
  l.id = id;
  l.z = z;
  l.semiAxes = semiAxes;
  l.enhancement = enhancement;
  l.enhancementRatio = enhancementRatio;
  return l;
}

Lesion
Resized(Lesion l, std::array<double, 3> semiAxes)
{
  l.semiAxes = semiAxes;
  return l;
}

/** Common anatomy and distractors: the thoraco-lumbar spine T3-L4 with a dorsal vein at T8, a bone
 *  metastasis in the T11 body, leptomeningeal coating at T11-T12 and dural enhancement at L1-L2. */
PhantomCase
BaseCase(const std::string & preset, std::uint64_t seed, PhantomGrid grid)
{
  PhantomCase c;
  c.preset = preset;
  c.seed = seed;
  c.grid = grid;
  const itk::SpinalPhantomModel anatomy(c.firstLevel, c.lastLevel, c.top);
  auto                          range = [&](unsigned int level) { return anatomy.LevelRange(level); };
  auto &                        d = c.distractors;
  d.vesselTop = range(T8)[1] - 4.0;
  d.vesselBottom = range(T8)[0] + 2.0;
  d.boneMetastasisLevel = T11;
  d.leptomeningesTop = range(T11)[0] + 6.0;
  d.leptomeningesBottom = range(T12)[1] - 14.0;
  d.duraTop = range(L1)[0] - 2.0;
  d.duraBottom = range(L2)[0] + 4.0;
  return c;
}

double
DiscZ(const PhantomCase & c, unsigned int level)
{
  return itk::SpinalPhantomModel(c.firstLevel, c.lastLevel, c.top).DiscAbove(level);
}

double
LevelMiddle(const PhantomCase & c, unsigned int level)
{
  const auto r = itk::SpinalPhantomModel(c.firstLevel, c.lastLevel, c.top).LevelRange(level);
  return 0.5 * (r[0] + r[1]);
}

PhantomTimepoint
Timepoint(const std::string & label, std::vector<Lesion> lesions, std::vector<Edema> edemas, double snr = 25.0)
{
  PhantomTimepoint t;
  t.label = label;
  t.lesions = std::move(lesions);
  t.edemas = std::move(edemas);
  t.snr = snr;
  return t;
}

PhantomMotion
SmallMotion(Jitter & j)
{
  PhantomMotion m;
  m.rotationDegrees = { 2.0 + 0.5 * j.Next(), -1.5 + 0.5 * j.Next(), 1.0 + 0.5 * j.Next() };
  m.translation = { 2.5 + j.Next(), -3.0 + j.Next(), 4.0 + j.Next() };
  return m;
}

/** The seed case: two foci at T9-T10 (homogeneous, measurable) and T12-L1 (rim-enhancing, not
 *  measurable), long edema; after treatment both foci resolve and the edema recedes. */
PhantomCase
SeedCase(const std::string & preset, std::uint64_t seed, PhantomGrid grid, double snr)
{
  PhantomCase c = BaseCase(preset, seed, grid);
  Jitter      j(seed);
  c.description = "two foci (T9-T10 homogeneous, T12-L1 rim-enhancing) with long edema; complete response";
  const Lesion a =
    MakeLesion(1, DiscZ(c, T10) + 1.5 * j.Next(), { 2.8, 2.6, 7.0 + 0.4 * j.Next() }, Enhancement::Homogeneous, 0.9);
  const Lesion b =
    MakeLesion(2, DiscZ(c, L1) + 1.0 * j.Next(), { 2.4, 2.2, 5.0 + 0.3 * j.Next() }, Enhancement::Rim, 0.8);
  const double edemaTop = LevelMiddle(c, T8);
  const double edemaBottom = LevelMiddle(c, L1) - 4.0;
  const Edema  edema{ 0.5 * (edemaTop + edemaBottom), edemaTop - edemaBottom, 0.55 };
  c.timepoints.push_back(Timepoint("baseline", { a, b }, { edema }, snr));
  PhantomTimepoint f = Timepoint("followup", {}, { Edema{ LevelMiddle(c, T10), 45.0, 0.35 } }, snr);
  f.motion = SmallMotion(j);
  f.expectedRanoBm = "CR";
  f.expectedVolumetric = "CR";
  c.timepoints.push_back(f);
  c.changes = { { "baseline", "followup", { 1 }, {}, "resolved" }, { "baseline", "followup", { 2 }, {}, "resolved" } };
  return c;
}

PhantomCase
PartialResponse(const std::string & preset, std::uint64_t seed, PhantomGrid grid)
{
  PhantomCase c = BaseCase(preset, seed, grid);
  Jitter      j(seed);
  c.description = "two measurable foci shrink by about 37% in diameter (70% in volume); partial response";
  const Lesion a = MakeLesion(1, DiscZ(c, T10) + j.Next(), { 3.0, 2.8, 8.0 }, Enhancement::Homogeneous, 0.9);
  const Lesion b = MakeLesion(2, DiscZ(c, L1) + j.Next(), { 2.6, 2.6, 6.0 }, Enhancement::Rim, 0.8);
  c.timepoints.push_back(Timepoint("baseline", { a, b }, { Edema{ LevelMiddle(c, T10) - 10.0, 110.0, 0.55 } }));
  PhantomTimepoint f = Timepoint("followup", { Resized(a, { 2.0, 1.9, 5.2 }), Resized(b, { 1.8, 1.7, 3.6 }) },
                                 { Edema{ LevelMiddle(c, T10) - 5.0, 75.0, 0.45 } });
  f.motion = SmallMotion(j);
  f.expectedRanoBm = "PR";
  f.expectedVolumetric = "PR";
  c.timepoints.push_back(f);
  c.changes = { { "baseline", "followup", { 1 }, { 1 }, "shrinking" },
                { "baseline", "followup", { 2 }, { 2 }, "shrinking" } };
  return c;
}

PhantomCase
Progression(const std::string & preset, std::uint64_t seed, PhantomGrid grid)
{
  PhantomCase c = BaseCase(preset, seed, grid);
  Jitter      j(seed);
  c.description = "one focus grows by 50% in diameter (+6 mm) and a new focus appears at T12; progression";
  const Lesion a = MakeLesion(1, DiscZ(c, T10) + j.Next(), { 2.8, 2.6, 6.0 }, Enhancement::Homogeneous, 0.9);
  c.timepoints.push_back(Timepoint("baseline", { a }, { Edema{ DiscZ(c, T10), 60.0, 0.5 } }));
  const Lesion grown = Resized(a, { 3.4, 3.2, 9.0 });
  const Lesion fresh = MakeLesion(3, LevelMiddle(c, T12) + j.Next(), { 2.2, 2.0, 4.0 }, Enhancement::Homogeneous, 0.8);
  PhantomTimepoint f = Timepoint("followup", { grown, fresh },
                                 { Edema{ DiscZ(c, T10), 85.0, 0.55 }, Edema{ LevelMiddle(c, T12), 30.0, 0.55 } });
  f.motion = SmallMotion(j);
  f.expectedRanoBm = "PD";
  f.expectedVolumetric = "PD";
  c.timepoints.push_back(f);
  c.changes = { { "baseline", "followup", { 1 }, { 1 }, "growing" }, { "baseline", "followup", {}, { 3 }, "new" } };
  return c;
}

PhantomCase
Stable(const std::string & preset, std::uint64_t seed, PhantomGrid grid)
{
  PhantomCase c = BaseCase(preset, seed, grid);
  Jitter      j(seed);
  c.description = "one measurable focus changes by 3% in diameter; stable disease";
  const Lesion a = MakeLesion(1, DiscZ(c, T10) + j.Next(), { 2.8, 2.6, 7.0 }, Enhancement::Homogeneous, 0.9);
  c.timepoints.push_back(Timepoint("baseline", { a }, { Edema{ DiscZ(c, T10), 70.0, 0.5 } }));
  PhantomTimepoint f =
    Timepoint("followup", { Resized(a, { 2.85, 2.65, 7.2 }) }, { Edema{ DiscZ(c, T10), 68.0, 0.5 } });
  f.motion = SmallMotion(j);
  f.expectedRanoBm = "SD";
  f.expectedVolumetric = "SD";
  c.timepoints.push_back(f);
  c.changes = { { "baseline", "followup", { 1 }, { 1 }, "stable" } };
  return c;
}

PhantomCase
SmallFoci(const std::string & preset, std::uint64_t seed, PhantomGrid grid)
{
  PhantomCase c = BaseCase(preset, seed, grid);
  Jitter      j(seed);
  c.description = "three foci of 2-4 mm near the resolution limit (3 mm slices); one resolves; non-measurable disease";
  const Lesion a = MakeLesion(1, LevelMiddle(c, T9) + j.Next(), { 1.4, 1.3, 1.6 }, Enhancement::Homogeneous, 1.0);
  const Lesion b = MakeLesion(2, LevelMiddle(c, T11) + j.Next(), { 1.7, 1.6, 2.1 }, Enhancement::Homogeneous, 1.0);
  const Lesion s = MakeLesion(3, DiscZ(c, L1) + j.Next(), { 1.1, 1.0, 1.1 }, Enhancement::Homogeneous, 1.0);
  c.timepoints.push_back(Timepoint("baseline", { a, b, s }, { Edema{ LevelMiddle(c, T10), 50.0, 0.45 } }));
  PhantomTimepoint f = Timepoint("followup", { b, s }, { Edema{ LevelMiddle(c, T11), 30.0, 0.4 } });
  f.motion = SmallMotion(j);
  f.expectedRanoBm = "SD";
  f.expectedVolumetric = "SD";
  c.timepoints.push_back(f);
  c.changes = { { "baseline", "followup", { 1 }, {}, "resolved" },
                { "baseline", "followup", { 2 }, { 2 }, "stable" },
                { "baseline", "followup", { 3 }, { 3 }, "stable" } };
  return c;
}

PhantomCase
LargeMotion(const std::string & preset, std::uint64_t seed, PhantomGrid grid)
{
  PhantomCase c = PartialResponse(preset, seed, grid);
  Jitter      j(seed + 1000);
  c.description = "partial response with ~20 mm / ~9 degree patient motion and a shifted field of view";
  auto & f = c.timepoints.back();
  f.motion.rotationDegrees = { 6.0 + 0.5 * j.Next(), -5.0 + 0.5 * j.Next(), 5.0 + 0.5 * j.Next() };
  f.motion.translation = { 11.0 + j.Next(), -9.0 + j.Next(), 12.0 + j.Next() };
  f.fieldOfViewShift = { 0.0, 10.0, -15.0 };
  return c;
}

PhantomCase
Merge(const std::string & preset, std::uint64_t seed, PhantomGrid grid)
{
  PhantomCase c = BaseCase(preset, seed, grid);
  Jitter      j(seed);
  c.description = "two adjacent measurable foci grow and coalesce into one; RANO-BM progression, volumetric stable";
  const double z = DiscZ(c, T10) + j.Next();
  const Lesion a = MakeLesion(1, z + 7.0, { 2.8, 2.6, 5.5 }, Enhancement::Homogeneous, 0.9);
  const Lesion b = MakeLesion(2, z - 7.0, { 2.8, 2.6, 5.5 }, Enhancement::Homogeneous, 0.9);
  c.timepoints.push_back(Timepoint("baseline", { a, b }, { Edema{ z, 80.0, 0.5 } }));
  Lesion a2 = Resized(a, { 3.0, 2.8, 8.0 });
  Lesion b2 = Resized(b, { 3.0, 2.8, 8.0 });
  b2.id = 1; // coalesced: one lesion, id of the first
  PhantomTimepoint f = Timepoint("followup", { a2, b2 }, { Edema{ z, 90.0, 0.5 } });
  f.motion = SmallMotion(j);
  f.expectedRanoBm = "PD";
  f.expectedVolumetric = "SD";
  c.timepoints.push_back(f);
  c.changes = { { "baseline", "followup", { 1, 2 }, { 1 }, "merged" } };
  return c;
}

PhantomCase
Nadir(const std::string & preset, std::uint64_t seed, PhantomGrid grid)
{
  PhantomCase c = BaseCase(preset, seed, grid);
  Jitter      j(seed);
  c.description = "three exams: partial response, then regrowth of +30% in diameter from the nadir but only +3 mm "
                  "(RANO-BM stable) and +113% in volume (volumetric progression)";
  const Lesion a = MakeLesion(1, DiscZ(c, T10) + j.Next(), { 3.0, 2.8, 8.0 }, Enhancement::Homogeneous, 0.9);
  c.timepoints.push_back(Timepoint("baseline", { a }, { Edema{ DiscZ(c, T10), 80.0, 0.5 } }));
  PhantomTimepoint f1 = Timepoint("followup", { Resized(a, { 2.0, 1.9, 5.0 }) }, { Edema{ DiscZ(c, T10), 50.0, 0.4 } });
  f1.motion = SmallMotion(j);
  f1.expectedRanoBm = "PR";
  f1.expectedVolumetric = "PR";
  PhantomTimepoint f2 =
    Timepoint("followup2", { Resized(a, { 2.6, 2.4, 6.5 }) }, { Edema{ DiscZ(c, T10), 60.0, 0.45 } });
  f2.motion = SmallMotion(j);
  f2.motion.translation[0] *= -1.0;
  f2.expectedRanoBm = "SD";
  f2.expectedVolumetric = "PD";
  c.timepoints.push_back(f1);
  c.timepoints.push_back(f2);
  c.changes = { { "baseline", "followup", { 1 }, { 1 }, "shrinking" },
                { "followup", "followup2", { 1 }, { 1 }, "growing" } };
  return c;
}

using PresetFactory = std::function<PhantomCase(const std::string &, std::uint64_t, PhantomGrid)>;

const std::vector<std::pair<std::string, PresetFactory>> &
Factories()
{
  static const std::vector<std::pair<std::string, PresetFactory>> factories = {
    { "seed", [](const std::string & p, std::uint64_t s, PhantomGrid g) { return SeedCase(p, s, g, 25.0); } },
    { "partial-response", PartialResponse },
    { "progression", Progression },
    { "stable", Stable },
    { "small-foci", SmallFoci },
    { "low-snr",
      [](const std::string & p, std::uint64_t s, PhantomGrid g) {
        PhantomCase                                               c = SeedCase(p, s, g, 8.0);
        c.description = "the seed case at SNR 8";
        return c;
      } },
    { "large-motion", LargeMotion },
    { "merge", Merge },
    { "nadir", Nadir },
  };
  return factories;
}
} // namespace

PhantomGrid
ParsePhantomGrid(const std::string & name)
{
  if (name == "clinical")
  {
    return PhantomGrid::Clinical;
  }
  if (name == "isotropic")
  {
    return PhantomGrid::Isotropic;
  }
  if (name == "test")
  {
    return PhantomGrid::Test;
  }
  throw std::invalid_argument("unknown phantom grid '" + name + "' (use clinical, isotropic or test)");
}

std::string
ToString(PhantomGrid grid)
{
  switch (grid)
  {
    case PhantomGrid::Clinical:
      return "clinical";
    case PhantomGrid::Isotropic:
      return "isotropic";
    case PhantomGrid::Test:
      return "test";
  }
  return "clinical";
}

itk::SpinalPhantomModel
PhantomCase::Model(std::size_t index) const
{
  itk::SpinalPhantomModel model(firstLevel, lastLevel, top);
  for (const auto & l : timepoints.at(index).lesions)
  {
    model.AddLesion(l);
  }
  for (const auto & e : timepoints.at(index).edemas)
  {
    model.AddEdema(e);
  }
  model.SetDistractors(distractors);
  model.SetGreyMatter(greyMatter);
  model.SetCaudaEquina(caudaEquina);
  return model;
}

std::vector<std::pair<std::string, std::string>>
PhantomPresets()
{
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto & f : Factories())
  {
    out.emplace_back(f.first, f.second(f.first, 1, PhantomGrid::Test).description);
  }
  return out;
}

PhantomCase
MakePhantomCase(const std::string & preset, std::uint64_t seed, PhantomGrid grid)
{
  for (const auto & f : Factories())
  {
    if (f.first == preset)
    {
      return f.second(preset, seed, grid);
    }
  }
  std::string names;
  for (const auto & f : Factories())
  {
    names += (names.empty() ? "" : ", ") + f.first;
  }
  throw std::invalid_argument("unknown phantom preset '" + preset + "' (available: " + names + ")");
}

} // namespace cordresponse
