// Images in and out: round trips through every format, DICOM series, and every validation error.
#include "TestUtilities.h"

#include "cordresponse/AtomicFile.h"
#include "cordresponse/Errors.h"
#include "cordresponse/ImageIO.h"

#include "itkGDCMImageIO.h"
#include "itkImageFileWriter.h"
#include "itkImageRegionConstIterator.h"
#include "itkImageSeriesWriter.h"
#include "itkMetaDataObject.h"
#include "itkNumericSeriesFileNames.h"
#include "itkRGBPixel.h"

#include <cmath>
#include <cstring>
#include <sstream>

namespace cordresponse::test {
namespace fs = std::filesystem;

namespace {
bool
SameValues(const ImageType * a, const ImageType * b)
{
  itk::ImageRegionConstIterator<ImageType> ia(a, a->GetLargestPossibleRegion());
  itk::ImageRegionConstIterator<ImageType> ib(b, b->GetLargestPossibleRegion());
  for (; !ia.IsAtEnd(); ++ia, ++ib)
  {
    if (ia.Get() != ib.Get())
    {
      return false;
    }
  }
  return true;
}

template <typename TImage>
void
WriteWithItk(const TImage * image, const fs::path & path, bool compress = true)
{
  RegisterIOFactories();
  auto writer = itk::ImageFileWriter<TImage>::New();
  writer->SetInput(image);
  writer->SetFileName(path.string());
  writer->SetUseCompression(compress);
  writer->Update();
}

/** Expect LoadImage (or LoadLabelImage) to throw an InputError that names the file and says `problem`. */
void
ExpectInputError(const fs::path & path, const std::string & problem, bool label = false)
{
  try
  {
    if (label)
    {
      LoadLabelImage(path);
    }
    else
    {
      LoadImage(path);
    }
    ADD_FAILURE() << "no error for " << path;
  }
  catch (const InputError & e)
  {
    EXPECT_EQ(e.File(), path);
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
    EXPECT_NE(e.Problem().find(problem), std::string::npos) << "message: " << e.what() << "\nexpected: " << problem;
  }
}

/** Writes `image` as a DICOM series into `dir`, one file per slice along k, with per-slice geometry. */
void
WriteDicomSeries(const ImageType * image, const fs::path & dir, const std::string & seriesUid)
{
  using DicomImage = itk::Image<std::int16_t, 3>;
  using SliceImage = itk::Image<std::int16_t, 2>;
  auto converted = DicomImage::New();
  converted->CopyInformation(image);
  converted->SetRegions(image->GetLargestPossibleRegion());
  converted->Allocate();
  std::copy(image->GetBufferPointer(), image->GetBufferPointer() + image->GetPixelContainer()->Size(),
            converted->GetBufferPointer());

  auto gdcm = itk::GDCMImageIO::New();
  gdcm->KeepOriginalUIDOn();
  const auto                             size = image->GetLargestPossibleRegion().GetSize();
  const auto &                           d = image->GetDirection();
  std::vector<itk::MetaDataDictionary>   dictionaries(size[2]);
  std::vector<itk::MetaDataDictionary *> pointers;
  std::vector<std::string>               names;
  for (unsigned int k = 0; k < size[2]; ++k)
  {
    auto &               dict = dictionaries[k];
    ImageType::PointType p;
    image->TransformIndexToPhysicalPoint({ { 0, 0, static_cast<itk::IndexValueType>(k) } }, p);
    std::ostringstream ipp, iop, ps;
    ipp.precision(10);
    iop.precision(10);
    ipp << p[0] << "\\" << p[1] << "\\" << p[2];
    iop << d(0, 0) << "\\" << d(1, 0) << "\\" << d(2, 0) << "\\" << d(0, 1) << "\\" << d(1, 1) << "\\" << d(2, 1);
    ps << image->GetSpacing()[1] << "\\" << image->GetSpacing()[0];
    itk::EncapsulateMetaData<std::string>(dict, "0008|0060", "MR");
    itk::EncapsulateMetaData<std::string>(dict, "0020|000d", "1.2.826.0.1.3680043.2.1125.1");
    itk::EncapsulateMetaData<std::string>(dict, "0020|000e", seriesUid);
    itk::EncapsulateMetaData<std::string>(dict, "0008|0018", seriesUid + "." + std::to_string(k + 1));
    itk::EncapsulateMetaData<std::string>(dict, "0020|0013", std::to_string(k + 1));
    itk::EncapsulateMetaData<std::string>(dict, "0020|0032", ipp.str());
    itk::EncapsulateMetaData<std::string>(dict, "0020|0037", iop.str());
    itk::EncapsulateMetaData<std::string>(dict, "0028|0030", ps.str());
    itk::EncapsulateMetaData<std::string>(dict, "0018|0050", std::to_string(image->GetSpacing()[2]));
    pointers.push_back(&dict);
    names.push_back((dir / ("slice" + std::to_string(k) + ".dcm")).string());
  }
  fs::create_directories(dir);
  auto writer = itk::ImageSeriesWriter<DicomImage, SliceImage>::New();
  writer->SetInput(converted);
  writer->SetImageIO(gdcm);
  writer->SetFileNames(names);
  writer->SetMetaDataDictionaryArray(&pointers);
  writer->Update();
}
} // namespace

// ------------------------------------------------------------------------------------ round trips

class ImageFormatRoundTrip : public ::testing::TestWithParam<std::string>
{};

TEST_P(ImageFormatRoundTrip, KeepsGeometryAndValues)
{
  TemporaryDirectory dir;
  const auto         original = MakeTestImage();
  const fs::path     path = dir / ("image" + GetParam());
  SaveImage(original, path);
  ASSERT_TRUE(fs::exists(path));
  const auto back = LoadImage(path);
  EXPECT_TRUE(SameGeometry(original, back));
  EXPECT_TRUE(SameValues(original, back));
  // Only the destination remains: no temporary sibling.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.Path()), fs::directory_iterator{}), 1);
}

TEST_P(ImageFormatRoundTrip, LabelMapsKeepTheirLabels)
{
  TemporaryDirectory dir;
  const auto         values = MakeTestImage();
  auto               labels = LabelImageType::New();
  labels->CopyInformation(values);
  labels->SetRegions(values->GetLargestPossibleRegion());
  labels->Allocate();
  for (std::size_t i = 0; i < values->GetPixelContainer()->Size(); ++i)
  {
    labels->GetBufferPointer()[i] = static_cast<std::uint16_t>(i % 7 == 0 ? 60000 : i % 3);
  }
  const fs::path path = dir / ("labels" + GetParam());
  SaveLabelImage(labels, path);
  const auto back = LoadLabelImage(path);
  EXPECT_TRUE(SameGeometry(labels, back));
  EXPECT_TRUE(std::equal(labels->GetBufferPointer(), labels->GetBufferPointer() + labels->GetPixelContainer()->Size(),
                         back->GetBufferPointer()));
}

INSTANTIATE_TEST_SUITE_P(AllFormats,
                         ImageFormatRoundTrip,
                         ::testing::Values(".nii.gz", ".nii", ".nrrd", ".mha"),
                         [](const auto & p) {
                           std::string n = p.param.substr(1);
                           std::replace(n.begin(), n.end(), '.', '_');
                           return n;
                         });

TEST(ImageIO, ReadsTwoFileFormats)
{
  TemporaryDirectory dir;
  const auto         original = MakeTestImage();
  WriteWithItk(original.GetPointer(), dir / "pair.mhd", false);
  WriteWithItk(original.GetPointer(), dir / "pair.nhdr", false);
  for (const char * name : { "pair.mhd", "pair.nhdr" })
  {
    const auto back = LoadImage(dir / name);
    EXPECT_TRUE(SameGeometry(original, back)) << name;
    EXPECT_TRUE(SameValues(original, back)) << name;
  }
}

TEST(ImageIO, ReadsAFourDimensionalFileWithOneVolume)
{
  TemporaryDirectory dir;
  using Image4 = itk::Image<float, 4>;
  auto               image = Image4::New();
  Image4::RegionType region;
  region.SetSize({ { 4, 3, 2, 1 } });
  image->SetRegions(region);
  image->Allocate();
  for (std::size_t i = 0; i < image->GetPixelContainer()->Size(); ++i)
  {
    image->GetBufferPointer()[i] = static_cast<float>(i);
  }
  WriteWithItk(image.GetPointer(), dir / "one.nii.gz");
  const auto back = LoadImage(dir / "one.nii.gz");
  EXPECT_EQ(back->GetLargestPossibleRegion().GetSize(), (ImageType::SizeType{ { 4, 3, 2 } }));
  EXPECT_EQ(back->GetPixel({ { 3, 2, 1 } }), 23.0f);
}

// -------------------------------------------------------------------------------------------- DICOM

TEST(DicomSeries, ReadsBackWithGeometrySortedByPosition)
{
  TemporaryDirectory dir;
  const auto         original = MakeTestImage(8, 7, 5);
  WriteDicomSeries(original, dir / "series", "1.2.826.0.1.3680043.2.1125.7");
  const auto uids = ListDicomSeries(dir / "series");
  ASSERT_EQ(uids.size(), 1u);
  const auto back = LoadImage(dir / "series");
  EXPECT_TRUE(SameGeometry(original, back, 1e-3));
  EXPECT_TRUE(SameValues(original, back));
}

TEST(DicomSeries, SeveralSeriesAreChosenByUid)
{
  TemporaryDirectory dir;
  const auto         a = MakeTestImage(6, 5, 4);
  auto               b = MakeTestImage(6, 5, 3);
  b->GetBufferPointer()[0] = 999.0f;
  WriteDicomSeries(a, dir / "mixed", "1.2.826.0.1.3680043.2.1125.11");
  WriteDicomSeries(b, dir / "mixed" / "b", "1.2.826.0.1.3680043.2.1125.12");
  // Move b's files next to a's so the directory holds two series.
  for (const auto & f : fs::directory_iterator(dir / "mixed" / "b"))
  {
    fs::rename(f.path(), dir / "mixed" / ("b_" + f.path().filename().string()));
  }
  fs::remove(dir / "mixed" / "b");
  ExpectInputError(dir / "mixed", "holds 2 DICOM series; choose one by SeriesInstanceUID");
  const auto back = LoadImage(dir / "mixed", ReadOptions{ "1.2.826.0.1.3680043.2.1125.12" });
  EXPECT_EQ(back->GetLargestPossibleRegion().GetSize()[2], 3u);
  EXPECT_EQ(back->GetBufferPointer()[0], 999.0f);
  EXPECT_THROW(LoadImage(dir / "mixed", ReadOptions{ "1.2.3.4" }), InputError);
}

TEST(DicomSeries, MissingSliceIsAnError)
{
  TemporaryDirectory dir;
  WriteDicomSeries(MakeTestImage(6, 5, 5), dir / "gap", "1.2.826.0.1.3680043.2.1125.21");
  fs::remove(dir / "gap" / "slice2.dcm");
  ExpectInputError(dir / "gap", "unevenly spaced slices");
}

TEST(DicomSeries, DirectoryWithoutDicomIsAnError)
{
  TemporaryDirectory dir;
  fs::create_directories(dir / "nothing");
  WriteText(dir / "nothing" / "readme.txt", "not dicom");
  ExpectInputError(dir / "nothing", "holds no readable DICOM series");
}

// ----------------------------------------------------------------------------------- bad inputs

TEST(ImageValidation, MissingFile)
{
  TemporaryDirectory dir;
  ExpectInputError(dir / "absent.nii.gz", "does not exist");
}

TEST(ImageValidation, EmptyFile)
{
  TemporaryDirectory dir;
  WriteText(dir / "empty.nii.gz", "");
  ExpectInputError(dir / "empty.nii.gz", "is empty (0 bytes)");
}

TEST(ImageValidation, NotAnImage)
{
  TemporaryDirectory dir;
  WriteText(dir / "notes.nii.gz", "this is a text file, not an image");
  ExpectInputError(dir / "notes.nii.gz", "compressed");
  WriteText(dir / "notes.png", "this is a text file, not an image");
  ExpectInputError(dir / "notes.png", "not a readable image");
}

class TruncatedFile : public ::testing::TestWithParam<std::string>
{};

TEST_P(TruncatedFile, IsCaughtEvenWhereItkWouldZeroFill)
{
  TemporaryDirectory dir;
  const auto         image = MakeTestImage(40, 30, 20);
  const fs::path     whole = dir / ("whole" + GetParam());
  SaveImage(image, whole);
  const fs::path cut = dir / ("cut" + GetParam());
  TruncateCopy(whole, cut, 0.3);
  ExpectInputError(cut, "truncated");
}

INSTANTIATE_TEST_SUITE_P(AllFormats,
                         TruncatedFile,
                         ::testing::Values(".nii.gz", ".nii", ".nrrd", ".mha"),
                         [](const auto & p) {
                           std::string n = p.param.substr(1);
                           std::replace(n.begin(), n.end(), '.', '_');
                           return n;
                         });

TEST(ImageValidation, CorruptCompressedData)
{
  TemporaryDirectory dir;
  SaveImage(MakeTestImage(40, 30, 20), dir / "ok.nii.gz");
  std::string bytes = ReadText(dir / "ok.nii.gz");
  for (std::size_t i = bytes.size() / 2; i < bytes.size() / 2 + 64; ++i)
  {
    bytes[i] = static_cast<char>(bytes[i] ^ 0x5a);
  }
  WriteText(dir / "flipped.nii.gz", bytes);
  ExpectInputError(dir / "flipped.nii.gz", "corrupt");
}

TEST(ImageValidation, WrongDimension)
{
  TemporaryDirectory dir;
  using Image2 = itk::Image<float, 2>;
  auto image2 = Image2::New();
  image2->SetRegions(Image2::SizeType{ { 5, 5 } });
  image2->Allocate();
  image2->FillBuffer(1.0f);
  image2->SetPixel({ { 0, 0 } }, 2.0f);
  WriteWithItk(image2.GetPointer(), dir / "flat.nii.gz");
  ExpectInputError(dir / "flat.nii.gz", "is 2-D; a 3-D volume is required");

  using Image4 = itk::Image<float, 4>;
  auto image4 = Image4::New();
  image4->SetRegions(Image4::SizeType{ { 4, 4, 4, 3 } });
  image4->Allocate();
  image4->FillBuffer(1.0f);
  WriteWithItk(image4.GetPointer(), dir / "series.nii.gz");
  ExpectInputError(dir / "series.nii.gz", "is 4-D with 3 volumes");
}

TEST(ImageValidation, VectorImage)
{
  TemporaryDirectory dir;
  using RGB = itk::Image<itk::RGBPixel<unsigned char>, 3>;
  auto image = RGB::New();
  image->SetRegions(RGB::SizeType{ { 4, 4, 4 } });
  image->Allocate();
  WriteWithItk(image.GetPointer(), dir / "colour.mha");
  ExpectInputError(dir / "colour.mha", "has 3 components per voxel");
}

TEST(ImageValidation, NonFiniteValues)
{
  TemporaryDirectory dir;
  auto               image = MakeTestImage();
  image->GetBufferPointer()[3] = std::numeric_limits<float>::quiet_NaN();
  image->GetBufferPointer()[4] = std::numeric_limits<float>::quiet_NaN();
  image->GetBufferPointer()[5] = std::numeric_limits<float>::infinity();
  for (const char * name : { "nan.nrrd", "nan.nii.gz", "nan.nii", "nan.mha" })
  {
    SaveImage(image, dir / name);
    ExpectInputError(dir / name, "non-finite values (2 NaN, 1 infinite voxels)");
  }
}

TEST(ImageValidation, BlankImage)
{
  TemporaryDirectory dir;
  auto               image = MakeTestImage();
  image->FillBuffer(0.0f);
  WriteWithItk(image.GetPointer(), dir / "blank.nii.gz");
  ExpectInputError(dir / "blank.nii.gz", "is blank: every voxel has the value 0");
}

TEST(ImageValidation, SingleSlice)
{
  TemporaryDirectory dir;
  WriteWithItk(MakeTestImage(6, 5, 1).GetPointer(), dir / "slice.mha");
  ExpectInputError(dir / "slice.mha", "has 1 voxel(s) along axis 2");
}

namespace {
/** A MetaImage with an editable header, for geometry the ITK writers refuse to produce. */
void
WriteMetaImage(const fs::path & path, const std::string & extraHeader, unsigned int nx = 4)
{
  std::ostringstream h;
  h << "ObjectType = Image\nNDims = 3\nBinaryData = True\nBinaryDataByteOrderMSB = False\n"
    << extraHeader << "DimSize = " << nx << " 3 2\nElementType = MET_FLOAT\nElementDataFile = LOCAL\n";
  std::string data(sizeof(float) * nx * 6, '\0');
  for (unsigned int i = 0; i < nx * 6; ++i)
  {
    const float v = static_cast<float>(i);
    std::memcpy(&data[i * sizeof(float)], &v, sizeof(float));
  }
  WriteText(path, h.str() + data);
}
} // namespace

TEST(ImageValidation, InvalidSpacing)
{
  TemporaryDirectory dir;
  WriteMetaImage(dir / "zero.mha", "ElementSpacing = 1 0 1\n");
  ExpectInputError(dir / "zero.mha", "invalid voxel spacing 0 mm along axis 1");
  WriteMetaImage(dir / "negative.mha", "ElementSpacing = 1 1 -2\n");
  ExpectInputError(dir / "negative.mha", "invalid voxel spacing");
}

TEST(ImageValidation, ShearedDirection)
{
  TemporaryDirectory dir;
  WriteMetaImage(dir / "shear.mha", "TransformMatrix = 1 0 0 0.5 1 0 0 0 1\n");
  ExpectInputError(dir / "shear.mha", "not orthonormal");
}

TEST(ImageValidation, ImplausibleSize)
{
  TemporaryDirectory dir;
  WriteMetaImage(dir / "huge.mha", "", 5000);
  ExpectInputError(dir / "huge.mha", "more than 4096");
}

TEST(ImageValidation, LabelMapsMustHoldWholeNumbers)
{
  TemporaryDirectory dir;
  auto               image = MakeTestImage();
  image->GetBufferPointer()[7] = 0.5f;
  WriteWithItk(image.GetPointer(), dir / "soft.nii.gz");
  ExpectInputError(dir / "soft.nii.gz", "is not a label map: holds the value 0.5", true);
  image->GetBufferPointer()[7] = -1.0f;
  WriteWithItk(image.GetPointer(), dir / "negative.nii.gz");
  ExpectInputError(dir / "negative.nii.gz", "holds the value -1", true);
}

TEST(ImageValidation, EmptyMaskIsReportedByTheCaller)
{
  TemporaryDirectory dir;
  auto               labels = LabelImageType::New();
  labels->SetRegions(LabelImageType::SizeType{ { 4, 4, 4 } });
  labels->Allocate();
  labels->FillBuffer(0);
  SaveLabelImage(labels, dir / "empty_mask.nii.gz");
  const auto back = LoadLabelImage(dir / "empty_mask.nii.gz"); // valid as a label map
  try
  {
    RequireNonEmpty(back, dir / "empty_mask.nii.gz", "cord mask");
    ADD_FAILURE() << "no error";
  }
  catch (const InputError & e)
  {
    EXPECT_NE(std::string(e.what()).find("empty_mask.nii.gz: cord mask is empty"), std::string::npos) << e.what();
  }
}

// ------------------------------------------------------------------------------------------ writing

TEST(ImageWriting, RefusesTwoFileAndUnknownFormatsAndLeavesNothing)
{
  TemporaryDirectory dir;
  const auto         image = MakeTestImage();
  EXPECT_THROW(SaveImage(image, dir / "x.mhd"), OutputError);
  EXPECT_THROW(SaveImage(image, dir / "x.png"), OutputError);
  EXPECT_TRUE(fs::is_empty(dir.Path()));
}

TEST(ImageWriting, FailedWriteLeavesNoFile)
{
  TemporaryDirectory dir;
  fs::create_directories(dir / "blocked");
  // The destination is a non-empty directory: the rename must fail, and nothing may be left behind.
  fs::create_directories(dir / "blocked" / "out.nii.gz" / "inside");
  EXPECT_THROW(SaveImage(MakeTestImage(), dir / "blocked" / "out.nii.gz"), OutputError);
  std::size_t files = 0;
  for (const auto & e : fs::recursive_directory_iterator(dir / "blocked"))
  {
    files += e.is_regular_file() ? 1 : 0;
  }
  EXPECT_EQ(files, 0u);
}

TEST(AtomicOutputPath, UncommittedTemporaryIsRemoved)
{
  TemporaryDirectory dir;
  fs::path           temporary;
  {
    AtomicOutputPath out(dir / "sub" / "report.json");
    temporary = out.TemporaryPath();
    WriteText(temporary, "partial");
    EXPECT_EQ(temporary.parent_path(), dir / "sub");
    EXPECT_EQ(FullExtension(temporary), ".json");
  }
  EXPECT_FALSE(fs::exists(temporary));
  EXPECT_FALSE(fs::exists(dir / "sub" / "report.json"));
  WriteFileAtomically(dir / "sub" / "report.json", "{}");
  EXPECT_EQ(ReadText(dir / "sub" / "report.json"), "{}");
}

TEST(AtomicOutputPath, FullExtension)
{
  EXPECT_EQ(FullExtension("a/b/c.nii.gz"), ".nii.gz");
  EXPECT_EQ(FullExtension("c.nrrd"), ".nrrd");
  EXPECT_EQ(FullExtension("noext"), "");
}

// --------------------------------------------------------------------------------- real shared data

TEST(RealData, ReadsTheSharedSpinalMriWhenPresent)
{
  const fs::path shared = SharedDataDirectory();
  if (shared.empty())
  {
    GTEST_SKIP() << "../shared/data/sct-testing-data is absent";
  }
  const auto t2 = LoadImage(shared / "t2" / "t2.nii.gz");
  EXPECT_EQ(t2->GetLargestPossibleRegion().GetSize(), (ImageType::SizeType{ { 60, 55, 52 } }));
  const auto lesion = LoadLabelImage(shared / "t2" / "t2_fake_lesion_lesion_seg.nii.gz");
  const auto count =
    std::count_if(lesion->GetBufferPointer(), lesion->GetBufferPointer() + lesion->GetPixelContainer()->Size(),
                  [](auto v) { return v != 0; });
  EXPECT_EQ(count, 163);
  // The shared data's stated volume: 163 voxels of 0.8 x 0.8 x 0.8 mm = 83.46 mm^3.
  const auto & spacing = lesion->GetSpacing();
  EXPECT_NEAR(count * spacing[0] * spacing[1] * spacing[2], 83.46, 0.01);
}

} // namespace cordresponse::test
