#include "itkSpinalPhantomImageSource.h"

#include "itkImageRegionIteratorWithIndex.h"
#include "itkMultiThreaderBase.h"

#include <vnl/algo/vnl_fft_1d.h>

#include <cmath>
#include <complex>
#include <mutex>

namespace itk {
namespace {
constexpr unsigned int FirstLabelOutput = PhantomSequenceCount; // outputs 0..2 images, 3..6 labels
constexpr unsigned int LabelOutputCount = 4;
constexpr double       Pi = 3.14159265358979323846;

/** SplitMix64 finaliser: a counter-based generator (same value for the same key on any thread). */
std::uint64_t
Mix(std::uint64_t x)
{
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

/** Uniform in (0, 1) from a key. */
double
Uniform(std::uint64_t key)
{
  return (static_cast<double>(Mix(key) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

/** Smooth value noise in [-1, 1]: random values on a 4 mm lattice keyed by the seed, trilinearly
 *  interpolated. Evaluated in the body frame, so the texture moves with the anatomy. */
double
ValueNoise(std::uint64_t seed, const SpinalPhantomModel::PointType & p)
{
  constexpr double cell = 4.0;
  double           f[3];
  std::int64_t     i[3];
  for (unsigned int d = 0; d < 3; ++d)
  {
    const double x = p[d] / cell;
    i[d] = static_cast<std::int64_t>(std::floor(x));
    f[d] = x - static_cast<double>(i[d]);
    f[d] = f[d] * f[d] * (3.0 - 2.0 * f[d]); // smoothstep
  }
  double value = 0.0;
  for (unsigned int corner = 0; corner < 8; ++corner)
  {
    const std::int64_t a = i[0] + (corner & 1), b = i[1] + ((corner >> 1) & 1), c = i[2] + (corner >> 2);
    const auto         key =
      seed ^ Mix(static_cast<std::uint64_t>(a) * 73856093ULL ^ static_cast<std::uint64_t>(b) * 19349663ULL ^
                 static_cast<std::uint64_t>(c) * 83492791ULL);
    const double w = ((corner & 1) ? f[0] : 1.0 - f[0]) * (((corner >> 1) & 1) ? f[1] : 1.0 - f[1]) *
                     ((corner >> 2) ? f[2] : 1.0 - f[2]);
    value += w * (2.0 * Uniform(key) - 1.0);
  }
  return value;
}

/** Key of the noise of one voxel of one sequence (two uniforms: `key` and `key + 1`). */
std::uint64_t
NoiseKey(std::uint64_t seed, unsigned int sequence, std::uint64_t voxel)
{
  return Mix(Mix(seed ^ 0xC0FFEE) + sequence) ^ (voxel * 4);
}

/** Standard complex Gaussian sample (Box-Muller) of one key. */
std::complex<double>
ComplexGaussian(std::uint64_t key)
{
  const double r = std::sqrt(-2.0 * std::log(Uniform(key)));
  const double phi = 2.0 * Pi * Uniform(key + 1);
  return { r * std::cos(phi), r * std::sin(phi) };
}

/** Smallest length >= n whose only prime factors are 2, 3 and 5 (the lengths vnl_fft transforms). */
unsigned int
FftLength(unsigned int n)
{
  for (;; ++n)
  {
    unsigned int m = n;
    for (unsigned int p : { 2u, 3u, 5u })
    {
      while (m % p == 0)
      {
        m /= p;
      }
    }
    if (m == 1)
    {
      return n;
    }
  }
}

/** Zero filling along one axis: lines of `length` voxels are reflect-padded (by at least 16 voxels, so the
 *  field-of-view border does not wrap around) to an FFT length, of which the frequencies |k| <= keptHalf
 *  (1 / (2 acquired spacing) cycles/mm) are kept. */
struct ZeroFilling
{
  unsigned int fftLength{ 0 };
  std::size_t  keptHalf{ 0 };

  ZeroFilling(std::size_t length, double spacing, double acquired)
    : fftLength(FftLength(static_cast<unsigned int>(length + std::min<std::size_t>(length, 16))))
    , keptHalf(static_cast<std::size_t>(std::floor(fftLength * spacing / (2.0 * acquired))))
  {}
  /** Fraction of the variance of white noise that survives. */
  double
  KeptFraction() const
  {
    return std::min(1.0, (2.0 * keptHalf + 1.0) / fftLength);
  }
};

/** Truncates the k-space of every line along `axis` of a complex volume (x fastest) as `filling` says. */
void
TruncateKSpace(std::vector<std::complex<double>> & data,
               const std::array<std::size_t, 3> &  n,
               unsigned int                        axis,
               const ZeroFilling &                 filling,
               MultiThreaderBase *                 threader)
{
  const std::size_t     length = n[axis];
  const std::size_t     stride = axis == 0 ? 1 : (axis == 1 ? n[0] : n[0] * n[1]);
  const unsigned int    u = axis == 0 ? 1 : 0, v = axis == 2 ? 1 : 2;
  const std::size_t     strideU = u == 0 ? 1 : n[0], strideV = v == 1 ? n[0] : n[0] * n[1];
  const std::size_t     lines = n[u] * n[v];
  const std::size_t     fftLength = filling.fftLength;
  constexpr std::size_t linesPerChunk = 64;
  threader->ParallelizeArray(
    0, (lines + linesPerChunk - 1) / linesPerChunk,
    [&](SizeValueType chunk) {
      vnl_fft_1d<double>                fft(static_cast<int>(fftLength));
      std::vector<std::complex<double>> line(fftLength);
      const std::size_t                 tail = (fftLength - length + 1) / 2; // padding mirrored from the end
      for (std::size_t l = chunk * linesPerChunk; l < std::min(lines, (chunk + 1) * linesPerChunk); ++l)
      {
        const std::size_t first = (l % n[u]) * strideU + (l / n[u]) * strideV;
        for (std::size_t j = 0; j < length; ++j)
        {
          line[j] = data[first + j * stride];
        }
        for (std::size_t j = length; j < fftLength; ++j)
        {
          // The end mirrored into the first part of the padding, the start into the rest (the line is periodic).
          const std::size_t beyondEnd = j - length, beforeStart = fftLength - j;
          line[j] = line[beyondEnd < tail ? length - 1 - std::min(beyondEnd, length - 1)
                                          : std::min(beforeStart - 1, length - 1)];
        }
        fft.fwd_transform(line);
        for (std::size_t k = filling.keptHalf + 1; k + filling.keptHalf < fftLength; ++k)
        {
          line[k] = 0.0;
        }
        fft.bwd_transform(line);
        for (std::size_t j = 0; j < length; ++j)
        {
          data[first + j * stride] = line[j] / static_cast<double>(fftLength);
        }
      }
    },
    nullptr);
}

/** Per-voxel accumulator of label fractions, in integer micro-voxel units so that sums are exact. */
constexpr std::int64_t Units = 1000000;

struct VoxelFractions
{
  std::array<std::uint16_t, 4> lesionIds{};
  std::array<unsigned int, 4>  lesionCounts{};
  unsigned int                 cord{ 0 };
  unsigned int                 edema{ 0 };
  void
  AddLesion(std::uint16_t id)
  {
    for (std::size_t i = 0; i < lesionIds.size(); ++i)
    {
      if (lesionIds[i] == id || lesionCounts[i] == 0)
      {
        lesionIds[i] = id;
        ++lesionCounts[i];
        return;
      }
    }
  }
};

struct Totals
{
  std::int64_t                         cord{ 0 };
  std::int64_t                         edema{ 0 };
  std::map<unsigned int, std::int64_t> lesions;
};
} // namespace

SpinalPhantomImageSource::SpinalPhantomImageSource()
{
  m_Size.Fill(64);
  m_Spacing.Fill(1.0);
  m_AcquiredSpacing.Fill(0.0);
  m_Origin.Fill(0.0);
  m_Direction.SetIdentity();
  m_MotionRotation.SetIdentity();
  m_MotionTranslation.Fill(0.0);
  this->SetNumberOfRequiredOutputs(FirstLabelOutput + LabelOutputCount);
  for (unsigned int i = 0; i < FirstLabelOutput + LabelOutputCount; ++i)
  {
    this->SetNthOutput(i, this->MakeOutput(i));
  }
}

void
SpinalPhantomImageSource::SetModel(const SpinalPhantomModel & model)
{
  m_Model = model;
  this->Modified();
}

DataObject::Pointer
SpinalPhantomImageSource::MakeOutput(DataObjectPointerArraySizeType idx)
{
  if (idx < FirstLabelOutput)
  {
    return OutputImageType::New().GetPointer();
  }
  return LabelImageType::New().GetPointer();
}

SpinalPhantomImageSource::OutputImageType *
SpinalPhantomImageSource::GetSequenceOutput(PhantomSequence sequence)
{
  return dynamic_cast<OutputImageType *>(this->ProcessObject::GetOutput(static_cast<unsigned int>(sequence)));
}

SpinalPhantomImageSource::LabelImageType *
SpinalPhantomImageSource::GetCordLabelOutput()
{
  return dynamic_cast<LabelImageType *>(this->ProcessObject::GetOutput(FirstLabelOutput));
}

SpinalPhantomImageSource::LabelImageType *
SpinalPhantomImageSource::GetLesionLabelOutput()
{
  return dynamic_cast<LabelImageType *>(this->ProcessObject::GetOutput(FirstLabelOutput + 1));
}

SpinalPhantomImageSource::LabelImageType *
SpinalPhantomImageSource::GetEdemaLabelOutput()
{
  return dynamic_cast<LabelImageType *>(this->ProcessObject::GetOutput(FirstLabelOutput + 2));
}

SpinalPhantomImageSource::LabelImageType *
SpinalPhantomImageSource::GetLevelLabelOutput()
{
  return dynamic_cast<LabelImageType *>(this->ProcessObject::GetOutput(FirstLabelOutput + 3));
}

double
SpinalPhantomImageSource::GetLesionPartialVolume(unsigned int id) const
{
  const auto it = m_LesionPartialVolumes.find(id);
  return it == m_LesionPartialVolumes.end() ? 0.0 : it->second;
}

SpinalPhantomModel::PointType
SpinalPhantomImageSource::ScannerToBody(const PointType & q) const
{
  // p = R^T (q - t)
  SpinalPhantomModel::PointType p;
  for (unsigned int r = 0; r < 3; ++r)
  {
    p[r] = 0.0;
    for (unsigned int c = 0; c < 3; ++c)
    {
      p[r] += m_MotionRotation[c][r] * (q[c] - m_MotionTranslation[c]);
    }
  }
  return p;
}

void
SpinalPhantomImageSource::GenerateOutputInformation()
{
  RegionType region;
  region.SetSize(m_Size);
  for (unsigned int i = 0; i < this->GetNumberOfOutputs(); ++i)
  {
    auto * out = dynamic_cast<ImageBase<3> *>(this->ProcessObject::GetOutput(i));
    out->SetLargestPossibleRegion(region);
    out->SetSpacing(m_Spacing);
    out->SetOrigin(m_Origin);
    out->SetDirection(m_Direction);
  }
}

double
SpinalPhantomImageSource::BiasField(unsigned int sequence, const PointType & q) const
{
  if (m_BiasAmplitude <= 0.0)
  {
    return 1.0;
  }
  // Normalised scanner coordinates relative to the centre of the field of view.
  std::array<double, 3> n{};
  for (unsigned int d = 0; d < 3; ++d)
  {
    n[d] = (q[d] - m_FieldOfViewCentre[d]) * m_FieldOfViewInverseHalfExtent[d];
  }
  const auto & c = m_BiasCoefficients[sequence];
  return std::exp(c[0] * n[1] + c[1] * n[2] * n[2] + c[2] * n[0] + c[3] * n[1] * n[2]);
}

void
SpinalPhantomImageSource::GenerateData()
{
  std::array<OutputImageType *, PhantomSequenceCount> images{};
  for (unsigned int s = 0; s < PhantomSequenceCount; ++s)
  {
    images[s] = this->GetSequenceOutput(static_cast<PhantomSequence>(s));
    images[s]->SetBufferedRegion(images[s]->GetLargestPossibleRegion());
    images[s]->Allocate();
  }
  std::array<LabelImageType *, LabelOutputCount> labels{ this->GetCordLabelOutput(), this->GetLesionLabelOutput(),
                                                         this->GetEdemaLabelOutput(), this->GetLevelLabelOutput() };
  for (auto * l : labels)
  {
    l->SetBufferedRegion(l->GetLargestPossibleRegion());
    l->Allocate();
  }
  for (unsigned int d = 0; d < 3; ++d)
  {
    double centre = m_Origin[d];
    double half = 0.0;
    for (unsigned int a = 0; a < 3; ++a)
    {
      centre += m_Direction[d][a] * m_Spacing[a] * 0.5 * (m_Size[a] - 1.0);
      half += std::abs(m_Direction[d][a]) * m_Spacing[a] * 0.5 * m_Size[a];
    }
    m_FieldOfViewCentre[d] = centre;
    m_FieldOfViewInverseHalfExtent[d] = 1.0 / std::max(half, 1.0);
  }
  for (unsigned int s = 0; s < PhantomSequenceCount; ++s)
  {
    for (unsigned int k = 0; k < 4; ++k)
    {
      m_BiasCoefficients[s][k] = m_BiasAmplitude * (2.0 * Uniform(Mix(m_Seed * 7919 + s * 31 + k)) - 1.0);
    }
  }

  // Sub-sample counts per axis and the index-space offsets of the seven probe points.
  std::array<unsigned int, 3> subdivisions{};
  for (unsigned int d = 0; d < 3; ++d)
  {
    subdivisions[d] = std::max(1u, static_cast<unsigned int>(std::ceil(m_Spacing[d] / m_SupersamplingStep - 1e-9)));
  }
  const unsigned int subsamples = subdivisions[0] * subdivisions[1] * subdivisions[2];
  const double       voxelVolume = m_Spacing[0] * m_Spacing[1] * m_Spacing[2];
  const auto *       reference = images[0];

  std::mutex totalsMutex;
  Totals     totals;
  // The texture belongs to the patient: keyed by a fixed anatomical seed, not the exam's noise seed.
  const std::uint64_t textureSeed = 0x5EEDF00DULL;

  auto renderRegion = [&](const RegionType & region) {
    Totals local;
    using ContinuousIndex = ContinuousIndex<double, 3>;
    std::array<double, PhantomSequenceCount> signal{};
    auto                                     classifyAt = [&](const ContinuousIndex & ci) {
      PointType q;
      reference->TransformContinuousIndexToPhysicalPoint(ci, q);
      return m_Model.Classify(ScannerToBody(q));
    };
    // Classes at the voxel corners of this region, shared by the (up to) eight voxels around each.
    const auto                              start = region.GetIndex();
    const auto                              n = region.GetSize();
    const std::size_t                       c0 = n[0] + 1, c1 = n[1] + 1;
    std::vector<SpinalPhantomModel::Sample> corners(c0 * c1 * (n[2] + 1));
    for (std::size_t c = 0; c <= n[2]; ++c)
    {
      for (std::size_t b = 0; b <= n[1]; ++b)
      {
        for (std::size_t a = 0; a <= n[0]; ++a)
        {
          ContinuousIndex ci;
          ci[0] = start[0] + a - 0.5;
          ci[1] = start[1] + b - 0.5;
          ci[2] = start[2] + c - 0.5;
          corners[a + c0 * (b + c1 * c)] = classifyAt(ci);
        }
      }
    }
    for (ImageRegionIteratorWithIndex<OutputImageType> it(images[0], region); !it.IsAtEnd(); ++it)
    {
      const auto      index = it.GetIndex();
      ContinuousIndex ci;
      for (unsigned int d = 0; d < 3; ++d)
      {
        ci[d] = static_cast<double>(index[d]);
      }
      PointType q;
      reference->TransformContinuousIndexToPhysicalPoint(ci, q);
      const auto body = ScannerToBody(q);

      // A voxel is pure when its eight corners agree and it is not near the spinal canal, where the only
      // structures thinner than a voxel live (elsewhere every structure is larger than a voxel).
      const std::size_t ia = index[0] - start[0], ib = index[1] - start[1], ic = index[2] - start[2];
      auto              cornerAt = [&](unsigned int corner) -> const SpinalPhantomModel::Sample & {
        return corners[(ia + (corner & 1)) + c0 * ((ib + ((corner >> 1) & 1)) + c1 * (ic + (corner >> 2)))];
      };
      bool pure = true;
      for (unsigned int corner = 1; corner < 8 && pure; ++corner)
      {
        pure = cornerAt(corner) == cornerAt(0);
      }
      if (pure)
      {
        const auto   cord = m_Model.CordCentre(body[2]);
        const auto   canal = m_Model.CanalSemiAxes(body[2]);
        const double margin = 2.0;
        pure = !(std::abs(body[0] - cord[0]) < canal[0] + margin &&
                 std::abs(body[1] - cord[1] - SpinalPhantomModel::CanalOffsetY) < canal[1] + margin);
      }
      const SpinalPhantomModel::Sample centreSample = pure ? cornerAt(0) : m_Model.Classify(body);

      VoxelFractions fractions;
      unsigned int   count = 1;
      if (pure)
      {
        for (unsigned int s = 0; s < PhantomSequenceCount; ++s)
        {
          signal[s] = m_Model.Intensity(centreSample, static_cast<PhantomSequence>(s));
        }
        fractions.cord = centreSample.InCord() ? 1 : 0;
        fractions.edema = centreSample.edema ? 1 : 0;
        if (centreSample.lesionId != 0)
        {
          fractions.AddLesion(centreSample.lesionId);
        }
      }
      else
      {
        signal.fill(0.0);
        count = subsamples;
        for (unsigned int a = 0; a < subdivisions[0]; ++a)
        {
          for (unsigned int b = 0; b < subdivisions[1]; ++b)
          {
            for (unsigned int c = 0; c < subdivisions[2]; ++c)
            {
              ContinuousIndex sub = ci;
              sub[0] += (a + 0.5) / subdivisions[0] - 0.5;
              sub[1] += (b + 0.5) / subdivisions[1] - 0.5;
              sub[2] += (c + 0.5) / subdivisions[2] - 0.5;
              PointType sq;
              reference->TransformContinuousIndexToPhysicalPoint(sub, sq);
              const auto sample = m_Model.Classify(ScannerToBody(sq));
              for (unsigned int s = 0; s < PhantomSequenceCount; ++s)
              {
                signal[s] += m_Model.Intensity(sample, static_cast<PhantomSequence>(s));
              }
              fractions.cord += sample.InCord() ? 1 : 0;
              fractions.edema += sample.edema ? 1 : 0;
              if (sample.lesionId != 0)
              {
                fractions.AddLesion(sample.lesionId);
              }
            }
          }
        }
        for (auto & v : signal)
        {
          v /= count;
        }
      }

      // Bias field (noise and k-space truncation follow in Acquire).
      const double texture = m_TextureAmplitude > 0.0 ? 1.0 + m_TextureAmplitude * ValueNoise(textureSeed, body) : 1.0;
      for (unsigned int s = 0; s < PhantomSequenceCount; ++s)
      {
        images[s]->SetPixel(index, static_cast<float>(signal[s] * texture * BiasField(s, q)));
      }

      // Labels: majority of the voxel.
      const bool cord = 2 * fractions.cord >= count && fractions.cord > 0;
      labels[0]->SetPixel(index, cord ? 1 : 0);
      unsigned short lesion = 0;
      for (std::size_t i = 0; i < fractions.lesionIds.size(); ++i)
      {
        if (fractions.lesionCounts[i] > 0 && 2 * fractions.lesionCounts[i] >= count)
        {
          lesion = fractions.lesionIds[i];
        }
        if (fractions.lesionCounts[i] > 0)
        {
          local.lesions[fractions.lesionIds[i]] += Units * fractions.lesionCounts[i] / count;
        }
      }
      labels[1]->SetPixel(index, lesion);
      labels[2]->SetPixel(index, (2 * fractions.edema >= count && fractions.edema > 0) ? 1 : 0);
      unsigned short level = 0;
      if (cord)
      {
        level = static_cast<unsigned short>(m_Model.LevelAt(ScannerToBody(q)[2]));
      }
      labels[3]->SetPixel(index, level);
      local.cord += Units * fractions.cord / count;
      local.edema += Units * fractions.edema / count;
    }
    std::lock_guard<std::mutex> lock(totalsMutex);
    totals.cord += local.cord;
    totals.edema += local.edema;
    for (const auto & l : local.lesions)
    {
      totals.lesions[l.first] += l.second;
    }
  };

  this->GetMultiThreader()->template ParallelizeImageRegion<3>(images[0]->GetBufferedRegion(), renderRegion, this);
  for (unsigned int s = 0; s < PhantomSequenceCount; ++s)
  {
    this->Acquire(s, images[s]);
  }

  m_CordPartialVolume = static_cast<double>(totals.cord) / Units * voxelVolume;
  m_EdemaPartialVolume = static_cast<double>(totals.edema) / Units * voxelVolume;
  m_LesionPartialVolumes.clear();
  for (const auto & l : totals.lesions)
  {
    m_LesionPartialVolumes[l.first] = static_cast<double>(l.second) / Units * voxelVolume;
  }
}

void
SpinalPhantomImageSource::Acquire(unsigned int sequence, OutputImageType * image)
{
  const double sigma =
    m_SNR > 0.0 ? SpinalPhantomModel::CordSignal(static_cast<PhantomSequence>(sequence)) / m_SNR : 0.0;
  const std::array<std::size_t, 3>                  n{ m_Size[0], m_Size[1], m_Size[2] };
  const std::size_t                                 voxels = n[0] * n[1] * n[2];
  std::vector<std::pair<unsigned int, ZeroFilling>> truncations;
  double                                            keptNoise = 1.0;
  for (unsigned int d = 0; d < 3; ++d)
  {
    if (m_AcquiredSpacing[d] > m_Spacing[d] * (1.0 + 1e-9))
    {
      truncations.emplace_back(d, ZeroFilling(n[d], m_Spacing[d], m_AcquiredSpacing[d]));
      keptNoise *= truncations.back().second.KeptFraction();
    }
  }
  if (sigma <= 0.0 && truncations.empty())
  {
    return;
  }
  // White complex noise scaled so that, after truncation, the image has sigma in each channel. Keyed by voxel,
  // so any thread split gives the same image.
  const double          sigmaAcquired = sigma / std::sqrt(keptNoise);
  float *               buffer = image->GetBufferPointer();
  auto *                threader = this->GetMultiThreader();
  constexpr std::size_t voxelsPerChunk = 1 << 14;
  const std::size_t     chunks = (voxels + voxelsPerChunk - 1) / voxelsPerChunk;
  auto                  forEachVoxel = [&](auto && f) {
    threader->ParallelizeArray(
                       0, chunks,
                       [&](SizeValueType chunk) {
        for (std::size_t i = chunk * voxelsPerChunk; i < std::min(voxels, (chunk + 1) * voxelsPerChunk); ++i)
        {
          f(i);
        }
      },
                       nullptr);
  };
  auto noisy = [&](std::size_t i) {
    return static_cast<double>(buffer[i]) + sigmaAcquired * ComplexGaussian(NoiseKey(m_Seed, sequence, i));
  };
  if (truncations.empty())
  {
    forEachVoxel([&](std::size_t i) { buffer[i] = static_cast<float>(std::abs(noisy(i))); });
    return;
  }
  std::vector<std::complex<double>> data(voxels);
  forEachVoxel([&](std::size_t i) { data[i] = sigma > 0.0 ? noisy(i) : static_cast<double>(buffer[i]); });
  for (const auto & t : truncations)
  {
    TruncateKSpace(data, n, t.first, t.second, threader);
  }
  forEachVoxel([&](std::size_t i) { buffer[i] = static_cast<float>(std::abs(data[i])); });
}

void
SpinalPhantomImageSource::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "Size: " << m_Size << std::endl;
  os << indent << "Spacing: " << m_Spacing << std::endl;
  os << indent << "Origin: " << m_Origin << std::endl;
  os << indent << "Direction: " << m_Direction << std::endl;
  os << indent << "MotionRotation: " << m_MotionRotation << std::endl;
  os << indent << "MotionTranslation: " << m_MotionTranslation << std::endl;
  os << indent << "SNR: " << m_SNR << std::endl;
  os << indent << "BiasAmplitude: " << m_BiasAmplitude << std::endl;
  os << indent << "TextureAmplitude: " << m_TextureAmplitude << std::endl;
  os << indent << "AcquiredSpacing: " << m_AcquiredSpacing << std::endl;
  os << indent << "Seed: " << m_Seed << std::endl;
  os << indent << "SupersamplingStep: " << m_SupersamplingStep << std::endl;
  os << indent << "Lesions: " << m_Model.GetLesions().size() << std::endl;
}

} // namespace itk
