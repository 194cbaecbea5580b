#include "cordresponse/Transforms.h"

#include "cordresponse/AtomicFile.h"
#include "cordresponse/Errors.h"

#include "itkCompositeTransform.h"
#include "itkLinearInterpolateImageFunction.h"
#include "itkMatrixOffsetTransformBase.h"
#include "itkNearestNeighborInterpolateImageFunction.h"
#include "itkResampleImageFilter.h"
#include "itkTransformFileReader.h"
#include "itkTransformFactoryBase.h"
#include "itkTransformFileWriter.h"

#include <algorithm>
#include <fstream>
#include <iomanip>
#include <limits>
#include <vector>
#include <sstream>

namespace cordresponse {
namespace fs = std::filesystem;

namespace {
using LinearType = itk::MatrixOffsetTransformBase<double, 3, 3>;
using CompositeType = itk::CompositeTransform<double, 3>;

std::string
Lower(std::string s)
{
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string
FirstLine(const std::string & text)
{
  const auto end = text.find('\n');
  return end == std::string::npos ? text : text.substr(0, end);
}

Matrix4
Identity4()
{
  Matrix4 m{};
  for (unsigned int i = 0; i < 4; ++i)
  {
    m[i][i] = 1.0;
  }
  return m;
}

Matrix4
Multiply(const Matrix4 & a, const Matrix4 & b)
{
  Matrix4 c{};
  for (unsigned int i = 0; i < 4; ++i)
  {
    for (unsigned int j = 0; j < 4; ++j)
    {
      for (unsigned int k = 0; k < 4; ++k)
      {
        c[i][j] += a[i][k] * b[k][j];
      }
    }
  }
  return c;
}

Matrix4
LinearMatrix(const LinearType * t)
{
  Matrix4 m = Identity4();
  for (unsigned int i = 0; i < 3; ++i)
  {
    for (unsigned int j = 0; j < 3; ++j)
    {
      m[i][j] = t->GetMatrix()(i, j);
    }
    m[i][3] = t->GetOffset()[i];
  }
  return m;
}

std::vector<double>
Numbers(const std::string & text)
{
  std::istringstream  is(text);
  std::vector<double> values;
  std::string         word;
  while (is >> word)
  {
    try
    {
      values.push_back(std::stod(word));
    }
    catch (const std::exception &)
    {
      values.push_back(std::numeric_limits<double>::quiet_NaN());
    }
  }
  return values;
}

/** Before ITK parses the file (its text reader does not check that a transform gets as many parameters
 *  as it has), check every entry's parameter counts against a fresh instance of its type. */
void
CheckParameterCounts(const fs::path & path)
{
  std::ifstream       in(path);
  std::string         line, name;
  std::vector<double> parameters, fixed;
  bool                haveParameters = false, haveFixed = false;
  auto                check = [&]() {
    if (name.empty() || name.rfind("CompositeTransform", 0) == 0)
    {
      return; // a composite's entry has no parameters of its own; its components follow
    }
    if (!haveParameters || !haveFixed)
    {
      throw InputError(path, "is truncated: transform " + name + " lacks its " +
                                              (haveParameters ? "FixedParameters" : "Parameters") + " line");
    }
    std::string doubleName = name;
    const auto  at = doubleName.find("_float_");
    if (at != std::string::npos)
    {
      doubleName.replace(at, 7, "_double_");
    }
    if (doubleName.rfind("CompositeTransform", 0) == 0)
    {
      return;
    }
    itk::TransformFactoryBase::RegisterDefaultTransforms();
    auto object = itk::ObjectFactoryBase::CreateInstance(doubleName.c_str());
    if (object)
    {
      object->UnRegister(); // CreateInstance hands over one reference too many, as itkNewMacro knows
    }
    auto * instance = dynamic_cast<itk::TransformBaseTemplate<double> *>(object.GetPointer());
    if (!instance)
    {
      return; // unknown here: ITK's reader reports it
    }
    if (instance->GetFixedParameters().Size() == fixed.size() ||
        instance->GetTransformCategory() != itk::TransformBaseTemplate<double>::TransformCategoryEnum::Linear)
    {
      itk::TransformBaseTemplate<double>::FixedParametersType fp(fixed.size());
      for (std::size_t i = 0; i < fixed.size(); ++i)
      {
        fp[i] = fixed[i];
      }
      if (instance->GetTransformCategory() != itk::TransformBaseTemplate<double>::TransformCategoryEnum::Linear)
      {
        try
        {
          instance->SetFixedParameters(fp);
        }
        catch (const itk::ExceptionObject &)
        {
          throw InputError(path, "has invalid FixedParameters for " + name);
        }
      }
    }
    if (instance->GetFixedParameters().Size() != fixed.size() || instance->GetNumberOfParameters() != parameters.size())
    {
      throw InputError(path, "is truncated or corrupt: " + name + " has " + std::to_string(parameters.size()) +
                                              " parameters and " + std::to_string(fixed.size()) + " fixed parameters; expected " +
                                              std::to_string(instance->GetNumberOfParameters()) + " and " +
                                              std::to_string(instance->GetFixedParameters().Size()));
    }
  };
  while (std::getline(in, line))
  {
    if (line.rfind("Transform:", 0) == 0)
    {
      check();
      std::istringstream is(line.substr(10));
      is >> name;
      haveParameters = haveFixed = false;
      parameters.clear();
      fixed.clear();
    }
    else if (line.rfind("Parameters:", 0) == 0)
    {
      parameters = Numbers(line.substr(11));
      haveParameters = true;
    }
    else if (line.rfind("FixedParameters:", 0) == 0)
    {
      fixed = Numbers(line.substr(16));
      haveFixed = true;
    }
  }
  check();
}

template <typename TImage, typename TInterpolator>
typename TImage::Pointer
Resample(const TImage * image, const itk::ImageBase<3> * reference, const TransformType * transform)
{
  if (!image || !reference)
  {
    throw std::invalid_argument("ResampleToReference: no image or no reference");
  }
  using FilterType = itk::ResampleImageFilter<TImage, TImage, double, double>;
  auto filter = FilterType::New();
  filter->SetInput(image);
  if (transform)
  {
    filter->SetTransform(transform);
  }
  filter->SetInterpolator(TInterpolator::New());
  filter->SetOutputOrigin(reference->GetOrigin());
  filter->SetOutputSpacing(reference->GetSpacing());
  filter->SetOutputDirection(reference->GetDirection());
  filter->SetSize(reference->GetLargestPossibleRegion().GetSize());
  filter->SetOutputStartIndex(reference->GetLargestPossibleRegion().GetIndex());
  filter->SetDefaultPixelValue(0);
  filter->Update();
  return filter->GetOutput();
}
} // namespace

void
WriteTransformFile(const TransformType * transform, const fs::path & path)
{
  RegisterIOFactories();
  if (!transform)
  {
    throw OutputError(path, "no transform to write");
  }
  const std::string ext = Lower(FullExtension(path));
  if (ext != ".tfm" && ext != ".txt")
  {
    throw OutputError(path, "unsupported transform format '" + ext + "'; use .tfm (ITK text transform file)");
  }
  AtomicOutputPath out(path);
  auto             writer = itk::TransformFileWriterTemplate<double>::New();
  writer->SetFileName(out.TemporaryPath().string());
  writer->SetInput(transform);
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

TransformType::Pointer
ReadTransformFile(const fs::path & path)
{
  RegisterIOFactories();
  std::error_code ec;
  if (!fs::exists(path, ec))
  {
    throw InputError(path, "does not exist");
  }
  if (fs::is_directory(path, ec))
  {
    throw InputError(path, "is a directory, not a transform file");
  }
  if (fs::file_size(path, ec) == 0)
  {
    throw InputError(path, "is empty (0 bytes)");
  }
  CheckParameterCounts(path);
  auto reader = itk::TransformFileReaderTemplate<double>::New();
  reader->SetFileName(path.string());
  try
  {
    reader->Update();
  }
  catch (const itk::ExceptionObject & e)
  {
    throw InputError(path, "is not a readable ITK transform file: " + FirstLine(e.GetDescription()));
  }
  const auto * list = reader->GetTransformList();
  if (!list || list->empty())
  {
    throw InputError(path, "holds no transform");
  }
  // A composite transform is listed first, followed by its components; anything else must be alone.
  const auto & first = list->front();
  auto *       transform = dynamic_cast<TransformType *>(first.GetPointer());
  if (!transform)
  {
    throw InputError(path, "holds a " + std::string(first->GetNameOfClass()) + " that is not a 3-D transform");
  }
  if (list->size() > 1 && !dynamic_cast<CompositeType *>(transform))
  {
    throw InputError(path, "holds " + std::to_string(list->size()) + " transforms; expected one");
  }
  for (unsigned int i = 0; i < transform->GetNumberOfParameters(); ++i)
  {
    if (!std::isfinite(transform->GetParameters()[i]))
    {
      throw InputError(path, "has a non-finite parameter");
    }
  }
  return transform;
}

bool
IsLinear(const TransformType * transform)
{
  if (dynamic_cast<const LinearType *>(transform))
  {
    return true;
  }
  if (const auto * composite = dynamic_cast<const CompositeType *>(transform))
  {
    for (unsigned int i = 0; i < composite->GetNumberOfTransforms(); ++i)
    {
      if (!dynamic_cast<const LinearType *>(composite->GetNthTransformConstPointer(i)))
      {
        return false;
      }
    }
    return true;
  }
  return transform && transform->GetTransformCategory() == TransformType::TransformCategoryEnum::Linear &&
         transform->GetNumberOfParameters() == 0;
}

Matrix4
TransformMatrix(const TransformType * transform)
{
  if (const auto * linear = dynamic_cast<const LinearType *>(transform))
  {
    return LinearMatrix(linear);
  }
  if (const auto * composite = dynamic_cast<const CompositeType *>(transform))
  {
    // CompositeTransform applies its last transform first: T = T0 o T1 o ... o Tn-1.
    Matrix4 m = Identity4();
    for (unsigned int i = 0; i < composite->GetNumberOfTransforms(); ++i)
    {
      if (const auto * part = dynamic_cast<const LinearType *>(composite->GetNthTransformConstPointer(i)))
      {
        m = Multiply(m, LinearMatrix(part));
      }
    }
    return m;
  }
  if (transform && transform->GetTransformCategory() == TransformType::TransformCategoryEnum::Linear &&
      transform->GetNumberOfParameters() == 0)
  {
    return Identity4();
  }
  throw std::invalid_argument("TransformMatrix: not a linear transform");
}

std::string
FormatMatrix(const Matrix4 & matrix)
{
  std::ostringstream os;
  os << std::setprecision(10);
  for (const auto & row : matrix)
  {
    os << row[0] << " " << row[1] << " " << row[2] << " " << row[3] << "\n";
  }
  return os.str();
}

ImageType::Pointer
ResampleToReference(const ImageType *         image,
                    const itk::ImageBase<3> * reference,
                    const TransformType *     transform,
                    Interpolation             interpolation)
{
  if (interpolation == Interpolation::NearestNeighbour)
  {
    return Resample<ImageType, itk::NearestNeighborInterpolateImageFunction<ImageType, double>>(image, reference,
                                                                                                transform);
  }
  return Resample<ImageType, itk::LinearInterpolateImageFunction<ImageType, double>>(image, reference, transform);
}

LabelImageType::Pointer
ResampleLabelsToReference(const LabelImageType *    labels,
                          const itk::ImageBase<3> * reference,
                          const TransformType *     transform)
{
  return Resample<LabelImageType, itk::NearestNeighborInterpolateImageFunction<LabelImageType, double>>(
    labels, reference, transform);
}

} // namespace cordresponse
