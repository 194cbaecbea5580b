#include "cordresponse/ImageFileIntegrity.h"

#include "cordresponse/AtomicFile.h"
#include "cordresponse/Errors.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace cordresponse {
namespace fs = std::filesystem;

namespace {

std::string
Lower(std::string s)
{
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string
Trim(const std::string & s)
{
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos)
  {
    return {};
  }
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::string
HumanBytes(std::uint64_t n)
{
  std::ostringstream os;
  os << n << " bytes";
  return os.str();
}

/** Result of decompressing a stream to the end. */
struct InflateResult
{
  std::uint64_t     bytes{ 0 };
  bool              complete{ false }; // reached the end of the compressed stream with a valid checksum
  std::string       error;
  std::vector<char> head; // the first bytes of the decompressed data (for headers)
};

using ByteSink = std::function<void(const char *, std::size_t)>;

/** Decompress `compressed` (gzip or zlib, auto-detected) completely, counting bytes; every
 *  decompressed chunk is also passed to `sink` when one is given. */
InflateResult
InflateAll(std::istream & compressed, std::size_t keepHead, const ByteSink & sink = {})
{
  InflateResult r;
  z_stream      zs{};
  if (inflateInit2(&zs, 32 + MAX_WBITS) != Z_OK)
  {
    r.error = "zlib initialisation failed";
    return r;
  }
  std::vector<char> in(1 << 16);
  std::vector<char> out(1 << 18);
  int               status = Z_OK;
  while (status != Z_STREAM_END)
  {
    compressed.read(in.data(), static_cast<std::streamsize>(in.size()));
    const auto got = compressed.gcount();
    if (got == 0)
    {
      break; // input exhausted before the end of the stream
    }
    zs.next_in = reinterpret_cast<Bytef *>(in.data());
    zs.avail_in = static_cast<uInt>(got);
    while (zs.avail_in > 0 && status != Z_STREAM_END)
    {
      zs.next_out = reinterpret_cast<Bytef *>(out.data());
      zs.avail_out = static_cast<uInt>(out.size());
      status = inflate(&zs, Z_NO_FLUSH);
      if (status != Z_OK && status != Z_STREAM_END)
      {
        r.error = std::string("compressed data is corrupt (zlib: ") + (zs.msg ? zs.msg : "error") + ")";
        inflateEnd(&zs);
        return r;
      }
      const std::size_t produced = out.size() - zs.avail_out;
      if (r.head.size() < keepHead)
      {
        const std::size_t take = std::min(produced, keepHead - r.head.size());
        r.head.insert(r.head.end(), out.data(), out.data() + take);
      }
      if (sink)
      {
        sink(out.data(), produced);
      }
      r.bytes += produced;
    }
  }
  r.complete = (status == Z_STREAM_END);
  if (!r.complete && r.error.empty())
  {
    r.error = "compressed stream ends early (file truncated)";
  }
  inflateEnd(&zs);
  return r;
}

std::uint64_t
RemainingBytes(std::ifstream & in)
{
  const auto pos = in.tellg();
  in.seekg(0, std::ios::end);
  const auto end = in.tellg();
  in.seekg(pos);
  return static_cast<std::uint64_t>(end - pos);
}

void
RequireBytes(const fs::path & file, std::uint64_t have, std::uint64_t need, const char * what)
{
  if (have < need)
  {
    throw InputError(file, std::string("truncated: ") + what + " holds " + HumanBytes(have) +
                             " but the header declares " + HumanBytes(need) + " of voxel data");
  }
}

/** Check a (possibly compressed) data stream starting at the current position of `in`. */
void
CheckDataStream(const fs::path & file, std::ifstream & in, bool compressed, std::uint64_t need)
{
  if (!compressed)
  {
    RequireBytes(file, RemainingBytes(in), need, "the data block");
    return;
  }
  const InflateResult r = InflateAll(in, 0);
  if (!r.error.empty())
  {
    throw InputError(file, r.error);
  }
  RequireBytes(file, r.bytes, need, "the decompressed data");
}

// ------------------------------------------------------------------------------------------ NIfTI

template <typename T>
T
ReadAt(const std::vector<char> & b, std::size_t offset, bool swap)
{
  T v;
  std::memcpy(&v, b.data() + offset, sizeof(T));
  if (swap)
  {
    auto * p = reinterpret_cast<unsigned char *>(&v);
    std::reverse(p, p + sizeof(T));
  }
  return v;
}

struct NiftiLayout
{
  std::uint64_t voxOffset{ 0 };
  std::uint64_t dataBytes{ 0 };
  int           floatBytes{ 0 }; // 4 or 8 for float32/float64 voxels, 0 otherwise
  bool          swap{ false };
};

/** Counts NaN and infinite voxels of a float NIfTI data block fed in arbitrary chunks. ITK 5.2's NIfTI
 *  reader silently replaces non-finite voxels, so they must be found in the file itself. */
class NonFiniteCounter
{
public:
  void
  Start(const NiftiLayout & layout)
  {
    m_Layout = layout;
    m_Started = true;
  }
  bool
  Started() const
  {
    return m_Started;
  }
  /** Feed bytes at file position `position`. */
  void
  Consume(const char * data, std::size_t n, std::uint64_t position)
  {
    if (m_Layout.floatBytes == 0)
    {
      return;
    }
    const std::uint64_t begin = m_Layout.voxOffset;
    const std::uint64_t end = m_Layout.voxOffset + m_Layout.dataBytes;
    for (std::size_t i = 0; i < n; ++i)
    {
      const std::uint64_t pos = position + i;
      if (pos < begin || pos >= end)
      {
        continue;
      }
      m_Element[m_Filled++] = data[i];
      if (m_Filled == static_cast<std::size_t>(m_Layout.floatBytes))
      {
        Classify();
        m_Filled = 0;
      }
    }
  }
  std::uint64_t nan{ 0 };
  std::uint64_t inf{ 0 };

private:
  void
  Classify()
  {
    if (m_Layout.swap)
    {
      std::reverse(m_Element.begin(), m_Element.begin() + m_Layout.floatBytes);
    }
    double v = 0.0;
    if (m_Layout.floatBytes == 4)
    {
      float f;
      std::memcpy(&f, m_Element.data(), 4);
      v = f;
    }
    else
    {
      std::memcpy(&v, m_Element.data(), 8);
    }
    nan += std::isnan(v) ? 1 : 0;
    inf += std::isinf(v) ? 1 : 0;
  }
  NiftiLayout         m_Layout;
  bool                m_Started{ false };
  std::array<char, 8> m_Element{};
  std::size_t         m_Filled{ 0 };
};

void
RequireFinite(const fs::path & file, const NonFiniteCounter & counter)
{
  if (counter.nan > 0 || counter.inf > 0)
  {
    throw InputError(file, "contains non-finite values (" + std::to_string(counter.nan) + " NaN, " +
                             std::to_string(counter.inf) + " infinite voxels)");
  }
}

NiftiLayout
ParseNiftiHeader(const fs::path & file, const std::vector<char> & h)
{
  if (h.size() < 348)
  {
    throw InputError(file, "truncated: shorter than a NIfTI header (" + HumanBytes(h.size()) + ")");
  }
  const auto    size32 = ReadAt<std::int32_t>(h, 0, false);
  const auto    size32s = ReadAt<std::int32_t>(h, 0, true);
  NiftiLayout   layout;
  std::uint64_t voxels = 1;
  int           bitpix = 0;
  int           datatype = 0;
  if (size32 == 348 || size32s == 348)
  {
    const bool swap = size32s == 348;
    layout.swap = swap;
    datatype = ReadAt<std::int16_t>(h, 70, swap);
    const auto ndim = ReadAt<std::int16_t>(h, 40, swap);
    if (ndim < 1 || ndim > 7)
    {
      throw InputError(file, "corrupt NIfTI header: dim[0] = " + std::to_string(ndim));
    }
    for (int i = 1; i <= ndim; ++i)
    {
      const auto d = ReadAt<std::int16_t>(h, 40 + 2 * i, swap);
      if (d < 1)
      {
        throw InputError(file, "corrupt NIfTI header: dim[" + std::to_string(i) + "] = " + std::to_string(d));
      }
      voxels *= static_cast<std::uint64_t>(d);
    }
    bitpix = ReadAt<std::int16_t>(h, 72, swap);
    layout.voxOffset = static_cast<std::uint64_t>(std::max(0.0f, ReadAt<float>(h, 108, swap)));
  }
  else if (h.size() >= 540 && (ReadAt<std::int32_t>(h, 0, false) == 540 || ReadAt<std::int32_t>(h, 0, true) == 540))
  {
    const bool swap = ReadAt<std::int32_t>(h, 0, true) == 540;
    layout.swap = swap;
    datatype = ReadAt<std::int16_t>(h, 12, swap);
    const auto ndim = ReadAt<std::int64_t>(h, 16, swap);
    if (ndim < 1 || ndim > 7)
    {
      throw InputError(file, "corrupt NIfTI-2 header: dim[0] = " + std::to_string(ndim));
    }
    for (int i = 1; i <= ndim; ++i)
    {
      const auto d = ReadAt<std::int64_t>(h, 16 + 8 * static_cast<std::size_t>(i), swap);
      if (d < 1)
      {
        throw InputError(file, "corrupt NIfTI-2 header: dim[" + std::to_string(i) + "] = " + std::to_string(d));
      }
      voxels *= static_cast<std::uint64_t>(d);
    }
    bitpix = ReadAt<std::int16_t>(h, 14, swap);
    layout.voxOffset = static_cast<std::uint64_t>(std::max<std::int64_t>(0, ReadAt<std::int64_t>(h, 168, swap)));
  }
  else
  {
    throw InputError(file, "not a NIfTI file (header size field is neither 348 nor 540)");
  }
  if (bitpix <= 0 || bitpix % 8 != 0)
  {
    throw InputError(file, "corrupt NIfTI header: bitpix = " + std::to_string(bitpix));
  }
  layout.dataBytes = voxels * static_cast<std::uint64_t>(bitpix / 8);
  layout.floatBytes = datatype == 16 ? 4 : datatype == 64 ? 8 : 0; // NIFTI_TYPE_FLOAT32 / FLOAT64
  return layout;
}

std::vector<char>
ReadPrefix(const fs::path & file, std::size_t n, bool gzipped)
{
  std::ifstream in(file, std::ios::binary);
  if (!gzipped)
  {
    std::vector<char> b(n);
    in.read(b.data(), static_cast<std::streamsize>(n));
    b.resize(static_cast<std::size_t>(in.gcount()));
    return b;
  }
  InflateResult r = InflateAll(in, n);
  if (!r.error.empty())
  {
    throw InputError(file, r.error);
  }
  return r.head;
}

/** Streams a single-file NIfTI (.nii or .nii.gz) once: header, length and non-finite voxels. */
void
CheckSingleFileNifti(const fs::path & file, bool gz)
{
  std::ifstream     in(file, std::ios::binary);
  std::vector<char> head;
  NonFiniteCounter  counter;
  std::uint64_t     position = 0;
  NiftiLayout       layout;
  // The header (up to 540 bytes) is buffered until complete; then it and everything after it is fed
  // to the counter at its file position.
  auto startCounting = [&] {
    layout = ParseNiftiHeader(file, head);
    counter.Start(layout);
    counter.Consume(head.data(), head.size(), 0);
  };
  auto sink = [&](const char * data, std::size_t n) {
    if (counter.Started())
    {
      counter.Consume(data, n, position);
    }
    else
    {
      const std::size_t take = std::min<std::size_t>(n, 540 - head.size());
      head.insert(head.end(), data, data + take);
      if (head.size() == 540)
      {
        startCounting();
        counter.Consume(data + take, n - take, 540);
      }
    }
    position += n;
  };
  std::uint64_t total = 0;
  if (gz)
  {
    const InflateResult r = InflateAll(in, 0, sink);
    if (!r.error.empty())
    {
      throw InputError(file, r.error);
    }
    total = r.bytes;
  }
  else
  {
    std::vector<char> buffer(1 << 18);
    while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0)
    {
      sink(buffer.data(), static_cast<std::size_t>(in.gcount()));
    }
    total = position;
  }
  if (!counter.Started())
  {
    startCounting(); // a file shorter than 540 bytes: a NIfTI-1 header, or too short (throws)
  }
  RequireBytes(file, total, layout.voxOffset + layout.dataBytes, gz ? "the decompressed file" : "the file");
  RequireFinite(file, counter);
}

void
CheckNifti(const fs::path & file, const std::string & ext)
{
  const bool gz = ext == ".nii.gz" || ext == ".hdr.gz" || ext == ".img.gz";
  if (ext == ".nii" || ext == ".nii.gz")
  {
    CheckSingleFileNifti(file, gz);
    return;
  }
  // Header/image pair: the header names the layout, the .img holds the data from offset 0.
  fs::path          header = file;
  fs::path          image = file;
  const std::string base = file.string().substr(0, file.string().size() - ext.size());
  header = base + (gz ? ".hdr.gz" : ".hdr");
  image = base + (gz ? ".img.gz" : ".img");
  if (!fs::exists(header) || !fs::exists(image))
  {
    throw InputError(file, "NIfTI/Analyze pair is incomplete: needs both " + header.filename().string() + " and " +
                             image.filename().string());
  }
  NiftiLayout   l = ParseNiftiHeader(header, ReadPrefix(header, 540, gz));
  std::ifstream in(image, std::ios::binary);
  CheckDataStream(image, in, gz, l.dataBytes);
  if (l.floatBytes != 0)
  {
    l.voxOffset = 0;
    NonFiniteCounter counter;
    counter.Start(l);
    std::ifstream  data(image, std::ios::binary);
    std::uint64_t  position = 0;
    const ByteSink sink = [&](const char * d, std::size_t n) {
      counter.Consume(d, n, position);
      position += n;
    };
    if (gz)
    {
      InflateAll(data, 0, sink);
    }
    else
    {
      std::vector<char> buffer(1 << 18);
      while (data.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || data.gcount() > 0)
      {
        sink(buffer.data(), static_cast<std::size_t>(data.gcount()));
      }
    }
    RequireFinite(image, counter);
  }
}

// ------------------------------------------------------------------------------------------- NRRD

std::uint64_t
NrrdTypeSize(const std::string & type)
{
  static const std::map<std::string, std::uint64_t> sizes = { { "signed char", 1 },
                                                              { "int8", 1 },
                                                              { "int8_t", 1 },
                                                              { "uchar", 1 },
                                                              { "unsigned char", 1 },
                                                              { "uint8", 1 },
                                                              { "uint8_t", 1 },
                                                              { "short", 2 },
                                                              { "short int", 2 },
                                                              { "signed short", 2 },
                                                              { "signed short int", 2 },
                                                              { "int16", 2 },
                                                              { "int16_t", 2 },
                                                              { "ushort", 2 },
                                                              { "unsigned short", 2 },
                                                              { "unsigned short int", 2 },
                                                              { "uint16", 2 },
                                                              { "uint16_t", 2 },
                                                              { "int", 4 },
                                                              { "signed int", 4 },
                                                              { "int32", 4 },
                                                              { "int32_t", 4 },
                                                              { "uint", 4 },
                                                              { "unsigned int", 4 },
                                                              { "uint32", 4 },
                                                              { "uint32_t", 4 },
                                                              { "longlong", 8 },
                                                              { "long long", 8 },
                                                              { "long long int", 8 },
                                                              { "signed long long", 8 },
                                                              { "signed long long int", 8 },
                                                              { "int64", 8 },
                                                              { "int64_t", 8 },
                                                              { "ulonglong", 8 },
                                                              { "unsigned long long", 8 },
                                                              { "unsigned long long int", 8 },
                                                              { "uint64", 8 },
                                                              { "uint64_t", 8 },
                                                              { "float", 4 },
                                                              { "double", 8 } };
  const auto                                        it = sizes.find(type);
  return it == sizes.end() ? 0 : it->second;
}

void
CheckNrrd(const fs::path & file)
{
  std::ifstream in(file, std::ios::binary);
  std::string   line;
  if (!std::getline(in, line) || line.rfind("NRRD", 0) != 0)
  {
    throw InputError(file, "not a NRRD file (no NRRD magic line)");
  }
  std::map<std::string, std::string> fields;
  while (std::getline(in, line))
  {
    line = Trim(line);
    if (line.empty())
    {
      break; // end of header; data follows (attached)
    }
    if (line[0] == '#')
    {
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string::npos || line.find(":=") == colon)
    {
      continue; // key/value pairs (":=") are metadata
    }
    fields[Lower(Trim(line.substr(0, colon)))] = Trim(line.substr(colon + 1));
  }
  std::uint64_t voxels = 1;
  {
    std::istringstream sizes(fields["sizes"]);
    std::uint64_t      s = 0;
    int                n = 0;
    while (sizes >> s)
    {
      voxels *= s;
      ++n;
    }
    if (n == 0)
    {
      throw InputError(file, "corrupt NRRD header: no 'sizes' field");
    }
  }
  const std::uint64_t elem = NrrdTypeSize(Lower(fields["type"]));
  const std::string   enc = Lower(fields["encoding"]);
  const bool          gz = enc == "gzip" || enc == "gz";
  if (elem == 0 || (enc != "raw" && !gz) || fields.count("byte skip") || fields.count("byteskip") ||
      fields.count("line skip") || fields.count("lineskip"))
  {
    return; // text, bzip2, block or skipped layouts: left to ITK's reader
  }
  std::string dataFile = fields.count("data file") ? fields["data file"] : fields["datafile"];
  if (dataFile.empty())
  {
    CheckDataStream(file, in, gz, voxels * elem);
    return;
  }
  if (dataFile.rfind("LIST", 0) == 0 || dataFile.find('%') != std::string::npos)
  {
    return; // multi-file layouts: left to ITK
  }
  const fs::path detached = fs::path(dataFile).is_absolute() ? fs::path(dataFile) : file.parent_path() / dataFile;
  if (!fs::exists(detached))
  {
    throw InputError(file, "its data file '" + detached.string() + "' does not exist");
  }
  std::ifstream data(detached, std::ios::binary);
  CheckDataStream(detached, data, gz, voxels * elem);
}

// -------------------------------------------------------------------------------------- MetaImage

std::uint64_t
MetaTypeSize(const std::string & type)
{
  static const std::map<std::string, std::uint64_t> sizes = {
    { "MET_CHAR", 1 },      { "MET_UCHAR", 1 },      { "MET_SHORT", 2 }, { "MET_USHORT", 2 },
    { "MET_INT", 4 },       { "MET_UINT", 4 },       { "MET_LONG", 4 },  { "MET_ULONG", 4 },
    { "MET_LONG_LONG", 8 }, { "MET_ULONG_LONG", 8 }, { "MET_FLOAT", 4 }, { "MET_DOUBLE", 8 },
  };
  const auto it = sizes.find(type);
  return it == sizes.end() ? 0 : it->second;
}

void
CheckMetaImage(const fs::path & file)
{
  std::ifstream                      in(file, std::ios::binary);
  std::map<std::string, std::string> fields;
  std::string                        line;
  bool                               sawDataFile = false;
  while (std::getline(in, line))
  {
    const auto eq = line.find('=');
    if (eq == std::string::npos)
    {
      continue;
    }
    const std::string key = Lower(Trim(line.substr(0, eq)));
    fields[key] = Trim(line.substr(eq + 1));
    if (key == "elementdatafile")
    {
      sawDataFile = true;
      break; // last header field; LOCAL data starts right after this line
    }
  }
  if (!sawDataFile)
  {
    throw InputError(file, "corrupt MetaImage header: no ElementDataFile field");
  }
  std::uint64_t voxels = 1;
  {
    std::istringstream dims(fields["dimsize"]);
    std::uint64_t      d = 0;
    int                n = 0;
    while (dims >> d)
    {
      voxels *= d;
      ++n;
    }
    if (n == 0)
    {
      throw InputError(file, "corrupt MetaImage header: no DimSize field");
    }
  }
  std::uint64_t channels = 1;
  if (fields.count("elementnumberofchannels"))
  {
    channels = std::stoull(fields["elementnumberofchannels"]);
  }
  std::string         type = fields["elementtype"];
  const std::uint64_t elem = MetaTypeSize(type);
  if (elem == 0 || fields.count("headersize"))
  {
    return;
  }
  const bool          compressed = Lower(fields["compresseddata"]) == "true";
  const std::string   dataFile = fields["elementdatafile"];
  const std::uint64_t need = voxels * channels * elem;
  if (dataFile == "LOCAL")
  {
    CheckDataStream(file, in, compressed, need);
    return;
  }
  if (dataFile.rfind("LIST", 0) == 0 || dataFile.find('%') != std::string::npos ||
      dataFile.find(' ') != std::string::npos)
  {
    return; // file lists and patterns: left to ITK
  }
  const fs::path detached = fs::path(dataFile).is_absolute() ? fs::path(dataFile) : file.parent_path() / dataFile;
  if (!fs::exists(detached))
  {
    throw InputError(file, "its data file '" + detached.string() + "' does not exist");
  }
  std::ifstream data(detached, std::ios::binary);
  CheckDataStream(detached, data, compressed, need);
}

} // namespace

void
CheckImageFileIntegrity(const fs::path & path)
{
  const std::string ext = Lower(FullExtension(path));
  const std::string name = Lower(path.filename().string());
  auto              endsWith = [&](const char * s) {
    const std::string e(s);
    return name.size() >= e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0;
  };
  if (ext == ".nii" || ext == ".nii.gz" || ext == ".hdr" || ext == ".img" || endsWith(".hdr.gz") || endsWith(".img.gz"))
  {
    CheckNifti(path, endsWith(".hdr.gz") ? ".hdr.gz" : endsWith(".img.gz") ? ".img.gz" : ext);
  }
  else if (ext == ".nrrd" || ext == ".nhdr")
  {
    CheckNrrd(path);
  }
  else if (ext == ".mha" || ext == ".mhd")
  {
    CheckMetaImage(path);
  }
}

} // namespace cordresponse
