#include "cordresponse/ImageIO.h"

#include "cordresponse/AtomicFile.h"
#include "cordresponse/Errors.h"
#include "cordresponse/ImageFileIntegrity.h"

#include "itkExtractImageFilter.h"
#include "itkGDCMImageIO.h"
#include "itkGDCMImageIOFactory.h"
#include "itkGDCMSeriesFileNames.h"
#include "itkImageFileReader.h"
#include "itkImageFileWriter.h"
#include "itkImageIOFactory.h"
#include "itkImageRegionConstIterator.h"
#include "itkImageSeriesReader.h"
#include "itkMetaDataObject.h"
#include "itkMetaImageIOFactory.h"
#include "itkNiftiImageIOFactory.h"
#include "itkNrrdImageIOFactory.h"
#include "itkTxtTransformIOFactory.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <sstream>

namespace cordresponse {
namespace fs = std::filesystem;

namespace {
using Image4DType = itk::Image<float, 4>;
constexpr unsigned int kMaxVoxelsPerAxis = 4096;

std::string
Lower(std::string s)
{
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string
FirstLine(const std::string & text)
{
  std::istringstream in(text);
  std::string        line;
  std::string        joined;
  while (std::getline(in, line))
  {
    const auto b = line.find_first_not_of(" \t");
    if (b != std::string::npos)
    {
      joined += (joined.empty() ? "" : " ") + line.substr(b);
    }
  }
  return joined;
}

/** Pre-read checks on the file's header: dimension and pixel kind. */
unsigned int
CheckHeader(const fs::path & path, itk::ImageIOBase * io)
{
  io->SetFileName(path.string());
  try
  {
    io->ReadImageInformation();
  }
  catch (const itk::ExceptionObject & e)
  {
    throw InputError(path, "unreadable image header: " + FirstLine(e.GetDescription()));
  }
  if (io->GetNumberOfComponents() != 1)
  {
    throw InputError(path, "has " + std::to_string(io->GetNumberOfComponents()) +
                             " components per voxel (vector, RGB or tensor data); a scalar image is required");
  }
  const unsigned int dims = io->GetNumberOfDimensions();
  for (unsigned int d = 0; d < std::min(dims, 3u); ++d)
  {
    const double spacing = io->GetSpacing(d);
    if (!(spacing > 0.0) || !std::isfinite(spacing))
    {
      std::ostringstream os;
      os << "has invalid voxel spacing " << spacing << " mm along axis " << d << " (must be positive and finite)";
      throw InputError(path, os.str());
    }
  }
  if (dims < 3)
  {
    throw InputError(path, "is " + std::to_string(dims) + "-D; a 3-D volume is required");
  }
  if (dims > 4 || (dims == 4 && io->GetDimensions(3) != 1))
  {
    const auto volumes = dims == 4 ? io->GetDimensions(3) : 0;
    throw InputError(path, "is " + std::to_string(dims) + "-D" +
                             (dims == 4 ? " with " + std::to_string(volumes) + " volumes" : std::string()) +
                             "; a single 3-D volume is required");
  }
  return dims;
}

ImageType::Pointer
ReadFile(const fs::path & path)
{
  CheckImageFileIntegrity(path);
  itk::ImageIOBase::Pointer io =
    itk::ImageIOFactory::CreateImageIO(path.string().c_str(), itk::ImageIOFactory::IOFileModeEnum::ReadMode);
  if (!io)
  {
    throw InputError(path, "not a readable image (unknown format or corrupt header); supported: .nii, .nii.gz, "
                           ".nrrd, .nhdr, .mha, .mhd, or a DICOM series directory");
  }
  const unsigned int dims = CheckHeader(path, io);
  try
  {
    if (dims == 3)
    {
      auto reader = itk::ImageFileReader<ImageType>::New();
      reader->SetImageIO(io);
      reader->SetFileName(path.string());
      reader->Update();
      return reader->GetOutput();
    }
    // A 4-D file with a single volume: take that volume.
    auto reader = itk::ImageFileReader<Image4DType>::New();
    reader->SetImageIO(io);
    reader->SetFileName(path.string());
    reader->UpdateOutputInformation();
    auto region = reader->GetOutput()->GetLargestPossibleRegion();
    region.SetSize(3, 0);
    auto extract = itk::ExtractImageFilter<Image4DType, ImageType>::New();
    extract->SetInput(reader->GetOutput());
    extract->SetExtractionRegion(region);
    extract->SetDirectionCollapseToSubmatrix();
    extract->Update();
    return extract->GetOutput();
  }
  catch (const itk::ExceptionObject & e)
  {
    throw InputError(path, "cannot read the voxel data: " + FirstLine(e.GetDescription()));
  }
}

ImageType::Pointer
ReadDicomSeries(const fs::path & directory, const ReadOptions & options)
{
  const std::vector<std::string> uids = ListDicomSeries(directory);
  if (uids.empty())
  {
    throw InputError(directory, "is a directory but holds no readable DICOM series");
  }
  std::string uid = options.dicomSeriesUid;
  if (uid.empty())
  {
    if (uids.size() > 1)
    {
      std::string list;
      for (const auto & u : uids)
      {
        list += "\n  " + u;
      }
      throw InputError(directory, "holds " + std::to_string(uids.size()) +
                                    " DICOM series; choose one by SeriesInstanceUID:" + list);
    }
    uid = uids.front();
  }
  else if (std::find(uids.begin(), uids.end(), uid) == uids.end())
  {
    throw InputError(directory, "holds no DICOM series with SeriesInstanceUID " + uid);
  }
  auto names = itk::GDCMSeriesFileNames::New();
  names->SetUseSeriesDetails(false);
  names->SetDirectory(directory.string());
  const std::vector<std::string> files = names->GetFileNames(uid); // sorted by image position
  if (files.size() < 2)
  {
    throw InputError(directory, "DICOM series " + uid + " has " + std::to_string(files.size()) +
                                  " slice(s); a 3-D volume needs at least 2");
  }
  auto reader = itk::ImageSeriesReader<ImageType>::New();
  reader->SetImageIO(itk::GDCMImageIO::New());
  reader->SetFileNames(files);
  try
  {
    reader->Update();
  }
  catch (const itk::ExceptionObject & e)
  {
    throw InputError(directory, "cannot read DICOM series " + uid + ": " + FirstLine(e.GetDescription()));
  }
  ImageType::Pointer image = reader->GetOutput();
  // ITK records how far slice positions stray from an even grid; a missing or duplicated slice shows here.
  double deviation = 0.0;
  if (itk::ExposeMetaData<double>(image->GetMetaDataDictionary(), "ITK_non_uniform_sampling_deviation", deviation) &&
      deviation > 0.1 * image->GetSpacing()[2])
  {
    std::ostringstream os;
    os << "DICOM series " << uid << " has unevenly spaced slices (deviation " << deviation
       << " mm): a slice is missing or duplicated";
    throw InputError(directory, os.str());
  }
  image->DisconnectPipeline();
  return image;
}

void
ValidateGeometry(const fs::path & path, const ImageType * image)
{
  const auto size = image->GetLargestPossibleRegion().GetSize();
  const auto spacing = image->GetSpacing();
  const auto origin = image->GetOrigin();
  for (unsigned int d = 0; d < 3; ++d)
  {
    if (size[d] < 2)
    {
      throw InputError(path, "has " + std::to_string(size[d]) + " voxel(s) along axis " + std::to_string(d) +
                               "; a 3-D volume needs at least 2 along every axis");
    }
    if (size[d] > kMaxVoxelsPerAxis)
    {
      throw InputError(path, "has " + std::to_string(size[d]) + " voxels along axis " + std::to_string(d) +
                               " (more than " + std::to_string(kMaxVoxelsPerAxis) + "): not a plausible MRI volume");
    }
    if (!(spacing[d] > 0.0) || !std::isfinite(spacing[d]))
    {
      std::ostringstream os;
      os << "has invalid voxel spacing " << spacing[d] << " mm along axis " << d << " (must be positive and finite)";
      throw InputError(path, os.str());
    }
    if (!std::isfinite(origin[d]))
    {
      throw InputError(path, "has a non-finite origin");
    }
  }
  const auto & dir = image->GetDirection();
  double       worst = 0.0;
  for (unsigned int i = 0; i < 3; ++i)
  {
    for (unsigned int j = 0; j < 3; ++j)
    {
      double dot = 0.0;
      for (unsigned int k = 0; k < 3; ++k)
      {
        dot += dir[k][i] * dir[k][j];
      }
      worst = std::max(worst, std::abs(dot - (i == j ? 1.0 : 0.0)));
    }
  }
  if (!(worst < 1e-3))
  {
    throw InputError(path, "has a direction matrix that is not orthonormal (a sheared or degenerate orientation)");
  }
}

void
ValidateValues(const fs::path & path, const ImageType * image, bool requireNonBlank)
{
  std::size_t nan = 0;
  std::size_t inf = 0;
  float       lo = std::numeric_limits<float>::max();
  float       hi = std::numeric_limits<float>::lowest();
  for (itk::ImageRegionConstIterator<ImageType> it(image, image->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it)
  {
    const float v = it.Get();
    if (std::isnan(v))
    {
      ++nan;
    }
    else if (std::isinf(v))
    {
      ++inf;
    }
    else
    {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  if (nan > 0 || inf > 0)
  {
    throw InputError(path, "contains non-finite values (" + std::to_string(nan) + " NaN, " + std::to_string(inf) +
                             " infinite voxels)");
  }
  if (requireNonBlank && !(hi > lo))
  {
    std::ostringstream os;
    os << "is blank: every voxel has the value " << lo;
    throw InputError(path, os.str());
  }
}

ImageType::Pointer
ReadAndValidate(const fs::path & path, const ReadOptions & options, bool requireNonBlank)
{
  RegisterIOFactories();
  std::error_code ec;
  const auto      status = fs::status(path, ec);
  if (ec || !fs::exists(status))
  {
    throw InputError(path, "does not exist");
  }
  ImageType::Pointer image;
  if (fs::is_directory(status))
  {
    image = ReadDicomSeries(path, options);
  }
  else
  {
    if (fs::file_size(path, ec) == 0)
    {
      throw InputError(path, "is empty (0 bytes)");
    }
    image = ReadFile(path);
  }
  ValidateGeometry(path, image);
  ValidateValues(path, image, requireNonBlank);
  return image;
}

template <typename TImage>
void
WriteAtomically(const TImage * image, const fs::path & path)
{
  RegisterIOFactories();
  if (image == nullptr)
  {
    throw OutputError(path, "no image to write");
  }
  const std::string ext = Lower(FullExtension(path));
  if (ext == ".mhd" || ext == ".hdr" || ext == ".img" || ext == ".nhdr")
  {
    throw OutputError(path, "two-file formats cannot be written atomically; use .nii.gz, .nrrd or .mha");
  }
  if (ext != ".nii.gz" && ext != ".nii" && ext != ".nrrd" && ext != ".mha")
  {
    throw OutputError(path, "unsupported output format '" + ext + "'; use .nii.gz, .nii, .nrrd or .mha");
  }
  AtomicOutputPath out(path);
  auto             writer = itk::ImageFileWriter<TImage>::New();
  writer->SetInput(image);
  writer->SetFileName(out.TemporaryPath().string());
  writer->SetUseCompression(ext != ".nii");
  writer->SetCompressionLevel(1); // fastest: MR volumes and label maps gain little from stronger levels
  try
  {
    writer->Update();
  }
  catch (const itk::ExceptionObject & e)
  {
    throw OutputError(path, "writing failed: " + FirstLine(e.GetDescription()));
  }
  out.Commit();
}

} // namespace

void
RegisterIOFactories()
{
  static std::once_flag once;
  std::call_once(once, [] {
    itk::NiftiImageIOFactory::RegisterOneFactory();
    itk::NrrdImageIOFactory::RegisterOneFactory();
    itk::MetaImageIOFactory::RegisterOneFactory();
    itk::GDCMImageIOFactory::RegisterOneFactory();
    itk::TxtTransformIOFactory::RegisterOneFactory();
  });
}

std::vector<std::string>
ListDicomSeries(const fs::path & directory)
{
  RegisterIOFactories();
  auto names = itk::GDCMSeriesFileNames::New();
  names->SetUseSeriesDetails(false);
  names->SetDirectory(directory.string());
  return names->GetSeriesUIDs();
}

ImageType::Pointer
LoadImage(const fs::path & path, const ReadOptions & options)
{
  return ReadAndValidate(path, options, true);
}

LabelImageType::Pointer
LoadLabelImage(const fs::path & path, const ReadOptions & options)
{
  const ImageType::Pointer values = ReadAndValidate(path, options, false);
  auto                     labels = LabelImageType::New();
  labels->CopyInformation(values);
  labels->SetRegions(values->GetLargestPossibleRegion());
  labels->Allocate();
  const float * in = values->GetBufferPointer();
  auto *        out = labels->GetBufferPointer();
  const auto    n = values->GetPixelContainer()->Size();
  for (std::size_t i = 0; i < n; ++i)
  {
    const float v = in[i];
    if (v < 0.0f || v > 65535.0f || v != std::floor(v))
    {
      std::ostringstream os;
      os << "is not a label map: holds the value " << v << " (labels must be whole numbers from 0 to 65535)";
      throw InputError(path, os.str());
    }
    out[i] = static_cast<LabelImageType::PixelType>(v);
  }
  return labels;
}

void
RequireNonEmpty(const LabelImageType * labels, const fs::path & path, const std::string & what)
{
  const auto * p = labels->GetBufferPointer();
  const auto   n = labels->GetPixelContainer()->Size();
  if (std::all_of(p, p + n, [](auto v) { return v == 0; }))
  {
    throw InputError(path, what + " is empty (no labelled voxel)");
  }
}

void
SaveImage(const ImageType * image, const fs::path & path, PixelStorage storage)
{
  if (storage == PixelStorage::Float32 || image == nullptr)
  {
    WriteAtomically(image, path);
    return;
  }
  using ShortImage = itk::Image<std::int16_t, 3>;
  auto stored = ShortImage::New();
  stored->CopyInformation(image);
  stored->SetRegions(image->GetLargestPossibleRegion());
  stored->Allocate();
  const float * in = image->GetBufferPointer();
  auto *        out = stored->GetBufferPointer();
  for (std::size_t i = 0; i < image->GetPixelContainer()->Size(); ++i)
  {
    out[i] = static_cast<std::int16_t>(std::clamp(std::lround(in[i]), -32768L, 32767L));
  }
  WriteAtomically(stored.GetPointer(), path);
}

void
SaveLabelImage(const LabelImageType * labels, const fs::path & path)
{
  WriteAtomically(labels, path);
}

} // namespace cordresponse
