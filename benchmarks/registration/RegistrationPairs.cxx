// cordresponse_registration_pairs: the image pairs of the registration peer benchmark, and the target
// registration error (TRE) of a result against the known motion.
//
//   cordresponse_registration_pairs make <out-dir> [<sct-testing-data dir>]
//       Writes <out-dir>/<pair>/{fixed.nii, moving.nii, truth.tfm, targets.txt} for each pair:
//         iso1mm       synthetic spine, 1 mm isotropic 128 x 160 x 192, motion 9.5 deg / 18.0 mm
//         sagittal     synthetic spine, clinical sagittal 0.6 x 0.6 x 3 mm, 512 x 512 x 20, 6.9 deg / 14.3 mm
//         largemotion  synthetic spine, 1 mm isotropic, motion 14.9 deg / 39.4 mm, follow-up field of view
//                      re-centred on the anatomy (7 mm off)
//         sct-t2       the real t2/t2.nii.gz of sct-testing-data moved by 7.8 deg / 7.8 mm (cubic B-spline
//                      interpolation), targets = its manual cord segmentation; skipped if absent
//       Images are stored as uncompressed int16 NIfTI so that file decoding does not dominate either tool.
//       truth.tfm maps fixed points to moving points (ITK convention, LPS mm); targets.txt holds cord points
//       (LPS mm, one "x y z" per line).
//
//   cordresponse_registration_pairs tre <pair-dir> (--itk <file.tfm> | --elastix <TransformParameters.0.txt>)
//       Prints "mean max" distance (mm) between the estimated and the true fixed->moving mapping over the
//       cord targets. elastix's EulerTransform parameters (rx ry rz tx ty tz, CenterOfRotationPoint,
//       ComputeZYX) are ITK's Euler3DTransform, in the same fixed->moving convention.
#include "SyntheticSpine.h"

#include "cordresponse/ImageIO.h"
#include "cordresponse/Transforms.h"

#include "itkBSplineInterpolateImageFunction.h"
#include "itkCastImageFilter.h"
#include "itkEuler3DTransform.h"
#include "itkImageFileWriter.h"
#include "itkImageRegionConstIteratorWithIndex.h"
#include "itkImageRegionIterator.h"
#include "itkResampleImageFilter.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

namespace fs = std::filesystem;
using namespace cordresponse;
using namespace cordresponse::test;

namespace {
SpinePoint
Point(double x, double y, double z)
{
  SpinePoint p;
  p[0] = x;
  p[1] = y;
  p[2] = z;
  return p;
}

void
WriteShort(const ImageType * image, const fs::path & path)
{
  using ShortImage = itk::Image<short, 3>;
  auto cast = itk::CastImageFilter<ImageType, ShortImage>::New();
  // Round (not truncate) and clamp.
  auto copy = ImageType::New();
  copy->CopyInformation(image);
  copy->SetRegions(image->GetLargestPossibleRegion());
  copy->Allocate();
  itk::ImageRegionConstIterator<ImageType> in(image, image->GetLargestPossibleRegion());
  itk::ImageRegionIterator<ImageType>      out(copy, copy->GetLargestPossibleRegion());
  for (; !in.IsAtEnd(); ++in, ++out)
  {
    out.Set(static_cast<float>(std::clamp(std::round(in.Get()), -32768.0f, 32767.0f)));
  }
  cast->SetInput(copy);
  RegisterIOFactories();
  auto writer = itk::ImageFileWriter<ShortImage>::New();
  writer->SetInput(cast->GetOutput());
  writer->SetFileName(path.string());
  writer->SetUseCompression(false);
  writer->Update();
}

void
WriteTargets(const std::vector<SpinePoint> & points, const fs::path & path)
{
  std::ofstream out(path);
  out.precision(10);
  for (const auto & p : points)
  {
    out << p[0] << " " << p[1] << " " << p[2] << "\n";
  }
}

std::vector<SpinePoint>
ReadTargets(const fs::path & path)
{
  std::ifstream           in(path);
  std::vector<SpinePoint> points;
  SpinePoint              p;
  while (in >> p[0] >> p[1] >> p[2])
  {
    points.push_back(p);
  }
  return points;
}

void
SyntheticPair(const fs::path &              dir,
              ImageType::Pointer            fixed,
              ImageType::Pointer            moving,
              const std::array<double, 3> & rotation,
              const std::array<double, 3> & translation)
{
  fs::create_directories(dir);
  auto truth = MakeRigidMotion(rotation, translation, Point(0, 0, 0));
  RenderSpine(fixed, nullptr, SpineContrast::T1Post, 3.0, 101);
  RenderSpine(moving, truth, SpineContrast::T1Post, 3.0, 102);
  WriteShort(fixed, dir / "fixed.nii");
  WriteShort(moving, dir / "moving.nii");
  WriteTransformFile(truth, dir / "truth.tfm");
  WriteTargets(CordTargetPoints(fixed), dir / "targets.txt");
  std::cout << "wrote " << dir << "\n";
}

void
RealPair(const fs::path & dir, const fs::path & sct)
{
  const fs::path t2 = sct / "t2" / "t2.nii.gz";
  const fs::path seg = sct / "t2" / "t2_seg-manual.nii.gz";
  if (!fs::exists(t2) || !fs::exists(seg))
  {
    std::cout << "skipped sct-t2: " << t2 << " not found\n";
    return;
  }
  fs::create_directories(dir);
  const auto fixed = LoadImage(t2);
  const auto cord = LoadLabelImage(seg);
  // Centre of the motion: the centre of the cord.
  std::vector<SpinePoint> targets;
  SpinePoint              centre = Point(0, 0, 0);
  for (itk::ImageRegionConstIteratorWithIndex<LabelImageType> it(cord, cord->GetLargestPossibleRegion()); !it.IsAtEnd();
       ++it)
  {
    if (it.Get())
    {
      SpinePoint p;
      cord->TransformIndexToPhysicalPoint(it.GetIndex(), p);
      targets.push_back(p);
      for (unsigned int d = 0; d < 3; ++d)
      {
        centre[d] += p[d];
      }
    }
  }
  for (unsigned int d = 0; d < 3; ++d)
  {
    centre[d] /= static_cast<double>(targets.size());
  }
  auto truth = MakeRigidMotion({ 4.0, -3.0, 6.0 }, { 3.0, -4.0, 6.0 }, centre);
  // moving(q) = fixed(truth^-1(q)) on the same grid; cubic interpolation, then mild noise.
  using ResampleType = itk::ResampleImageFilter<ImageType, ImageType, double, double>;
  auto resample = ResampleType::New();
  resample->SetInput(fixed);
  resample->SetTransform(truth->GetInverseTransform());
  resample->SetInterpolator(itk::BSplineInterpolateImageFunction<ImageType, double, double>::New());
  resample->UseReferenceImageOn();
  resample->SetReferenceImage(fixed);
  resample->SetDefaultPixelValue(0);
  resample->Update();
  ImageType::Pointer               moving = resample->GetOutput();
  std::mt19937                     rng(103);
  std::normal_distribution<double> noise(0.0, 5.0);
  for (itk::ImageRegionIterator<ImageType> it(moving, moving->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it)
  {
    it.Set(static_cast<float>(std::max(0.0, it.Get() + noise(rng))));
  }
  WriteShort(fixed, dir / "fixed.nii");
  WriteShort(moving, dir / "moving.nii");
  WriteTransformFile(truth, dir / "truth.tfm");
  WriteTargets(targets, dir / "targets.txt");
  std::cout << "wrote " << dir << "\n";
}

int
Make(const fs::path & out, const fs::path & sct)
{
  ImageType::DirectionType identity;
  identity.SetIdentity();
  const SpinePoint centre = Point(0, -20, 0);
  auto iso = [&](const SpinePoint & c) { return MakeGrid({ 128, 160, 192 }, { 1.0, 1.0, 1.0 }, identity, c); };
  SyntheticPair(out / "iso1mm", iso(centre), iso(centre), { 4.0, -3.0, 8.0 }, { 6.0, -8.0, 15.0 });
  auto sagittal = [&] { return MakeGrid({ 512, 512, 20 }, { 0.6, 0.6, 3.0 }, SagittalDirection(), centre); };
  SyntheticPair(out / "sagittal", sagittal(), sagittal(), { 3.0, -2.0, 6.0 }, { 5.0, -6.0, 12.0 });
  {
    const std::array<double, 3> rotation{ 0.0, 5.0, 14.0 };
    const std::array<double, 3> translation{ 10.0, -15.0, 35.0 };
    auto                        truth = MakeRigidMotion(rotation, translation, Point(0, 0, 0));
    auto                        movingCentre = truth->TransformPoint(centre);
    movingCentre[2] += 7.0;
    SyntheticPair(out / "largemotion", iso(centre), iso(movingCentre), rotation, translation);
  }
  if (!sct.empty())
  {
    RealPair(out / "sct-t2", sct);
  }
  return 0;
}

/** elastix's TransformParameters.0.txt (EulerTransform) as an ITK Euler3DTransform. */
SpineTransform::Pointer
ReadElastix(const fs::path & path)
{
  std::ifstream in(path);
  if (!in)
  {
    throw std::runtime_error("cannot read " + path.string());
  }
  std::string         line;
  std::vector<double> parameters, centre;
  bool                zyx = false;
  std::string         transformName;
  auto                numbers = [](const std::string & text) {
    std::istringstream  is(text);
    std::vector<double> v;
    double              x;
    while (is >> x)
    {
      v.push_back(x);
    }
    return v;
  };
  while (std::getline(in, line))
  {
    const auto open = line.find('(');
    const auto close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos)
    {
      continue;
    }
    std::istringstream is(line.substr(open + 1, close - open - 1));
    std::string        key;
    is >> key;
    std::string rest;
    std::getline(is, rest);
    if (key == "TransformParameters")
    {
      parameters = numbers(rest);
    }
    else if (key == "CenterOfRotationPoint")
    {
      centre = numbers(rest);
    }
    else if (key == "ComputeZYX")
    {
      zyx = rest.find("true") != std::string::npos;
    }
    else if (key == "Transform")
    {
      transformName = rest;
    }
  }
  if (transformName.find("EulerTransform") == std::string::npos || parameters.size() != 6 || centre.size() != 3)
  {
    throw std::runtime_error(path.string() + ": not an elastix 3-D EulerTransform");
  }
  auto t = itk::Euler3DTransform<double>::New();
  t->SetComputeZYX(zyx);
  t->SetCenter(Point(centre[0], centre[1], centre[2]));
  itk::Euler3DTransform<double>::ParametersType p(6);
  for (unsigned int i = 0; i < 6; ++i)
  {
    p[i] = parameters[i];
  }
  t->SetParameters(p);
  return t.GetPointer();
}

int
Tre(const fs::path & dir, const std::string & kind, const fs::path & file)
{
  const auto              truth = ReadTransformFile(dir / "truth.tfm");
  const auto              targets = ReadTargets(dir / "targets.txt");
  SpineTransform::Pointer estimate = kind == "--elastix" ? ReadElastix(file) : ReadTransformFile(file);
  const auto              error = MeasureTargetError(estimate, truth, targets);
  std::cout.precision(4);
  std::cout << std::fixed << error.mean << " " << error.max << "\n";
  return 0;
}
} // namespace

int
main(int argc, char ** argv)
{
  try
  {
    const std::string command = argc > 1 ? argv[1] : "";
    if (command == "make" && argc >= 3)
    {
      return Make(argv[2], argc >= 4 ? fs::path(argv[3]) : fs::path());
    }
    if (command == "tre" && argc == 5 && (std::string(argv[3]) == "--itk" || std::string(argv[3]) == "--elastix"))
    {
      return Tre(argv[2], argv[3], argv[4]);
    }
    std::cerr << "usage: " << argv[0] << " make <out-dir> [<sct-testing-data dir>]\n"
              << "       " << argv[0] << " tre <pair-dir> (--itk <file.tfm> | --elastix <TransformParameters.0.txt>)\n";
    return 2;
  }
  catch (const std::exception & e)
  {
    std::cerr << argv[0] << ": error: " << e.what() << "\n";
    return 1;
  }
}
