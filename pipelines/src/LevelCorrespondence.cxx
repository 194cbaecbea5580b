#include "cordresponse/LevelCorrespondence.h"

#include "cordresponse/Errors.h"

#include "itkImageRegionConstIteratorWithIndex.h"

#include <algorithm>
#include <vector>

namespace cordresponse {
namespace {
/** A label of at most this many voxels is a point (a disc label, possibly a 3 x 3 x 3 blob). */
constexpr std::size_t kMaximumPointLabelVoxels = 27;
} // namespace

std::map<unsigned int, LabelCentroid>
LabelCentroids(const LabelImageType * labels)
{
  std::map<unsigned int, LabelCentroid> centroids;
  if (!labels)
  {
    return centroids;
  }
  for (itk::ImageRegionConstIteratorWithIndex<LabelImageType> it(labels, labels->GetBufferedRegion()); !it.IsAtEnd();
       ++it)
  {
    if (it.Get() == 0)
    {
      continue;
    }
    itk::Point<double, 3> p;
    labels->TransformIndexToPhysicalPoint(it.GetIndex(), p);
    auto & c = centroids[it.Get()];
    for (unsigned int d = 0; d < 3; ++d)
    {
      c.centroidMm[d] += p[d];
    }
    ++c.voxels;
  }
  for (auto & [label, c] : centroids)
  {
    for (double & x : c.centroidMm)
    {
      x /= static_cast<double>(c.voxels);
    }
  }
  return centroids;
}

std::optional<std::array<double, 3>>
LevelCorrespondenceTranslation(const std::map<unsigned int, LabelCentroid> & fixed,
                               const std::map<unsigned int, LabelCentroid> & moving,
                               unsigned int                                  minimumShared,
                               double                                        completeRatio)
{
  // Disc labels are points, a labelled cord is regions; label v of one and of the other lie half a
  // vertebra apart.
  const auto points = [](const std::map<unsigned int, LabelCentroid> & labels) {
    return std::all_of(labels.begin(), labels.end(),
                       [](const auto & entry) { return entry.second.voxels <= kMaximumPointLabelVoxels; });
  };
  if (points(fixed) != points(moving))
  {
    return std::nullopt;
  }
  std::vector<std::array<double, 3>> all, complete;
  for (const auto & [label, f] : fixed)
  {
    const auto m = moving.find(label);
    if (m == moving.end())
    {
      continue;
    }
    std::array<double, 3> difference{};
    for (unsigned int d = 0; d < 3; ++d)
    {
      difference[d] = m->second.centroidMm[d] - f.centroidMm[d];
    }
    all.push_back(difference);
    const auto [fewer, more] = std::minmax(f.voxels, m->second.voxels);
    if (static_cast<double>(fewer) >= completeRatio * static_cast<double>(more))
    {
      complete.push_back(difference);
    }
  }
  if (all.size() < std::max(1u, minimumShared))
  {
    return std::nullopt;
  }
  const auto &          used = complete.empty() ? all : complete;
  std::array<double, 3> translation{};
  for (unsigned int d = 0; d < 3; ++d)
  {
    std::vector<double> values;
    for (const auto & v : used)
    {
      values.push_back(v[d]);
    }
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    translation[d] = n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
  }
  return translation;
}

std::array<double, 3>
LevelCorrespondenceFromFiles(const std::filesystem::path & fixedLabels, const std::filesystem::path & movingLabels)
{
  const auto fixed = LoadLabelImage(fixedLabels);
  RequireNonEmpty(fixed, fixedLabels, "vertebral labels");
  const auto moving = LoadLabelImage(movingLabels);
  RequireNonEmpty(moving, movingLabels, "vertebral labels");
  const auto start = LevelCorrespondenceTranslation(LabelCentroids(fixed), LabelCentroids(moving));
  if (!start)
  {
    throw InputError(movingLabels, "shares fewer than two vertebral levels with " + fixedLabels.string() +
                                     ", or one holds disc labels and the other a labelled cord");
  }
  return *start;
}

} // namespace cordresponse
