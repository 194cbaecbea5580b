#include "cordresponse/Checksum.h"

#include "cordresponse/Errors.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <fstream>
#include <vector>

namespace cordresponse {
namespace fs = std::filesystem;

namespace {
constexpr std::array<std::uint32_t, 64> K = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

std::uint32_t
Rotr(std::uint32_t x, int n)
{
  return (x >> n) | (x << (32 - n));
}

/** Incremental SHA-256. */
class Sha256State
{
public:
  void
  Update(const unsigned char * data, std::size_t n)
  {
    m_Length += n;
    for (std::size_t i = 0; i < n; ++i)
    {
      m_Block[m_Fill++] = data[i];
      if (m_Fill == 64)
      {
        Compress();
        m_Fill = 0;
      }
    }
  }
  std::string
  Finish()
  {
    const std::uint64_t bits = m_Length * 8;
    const unsigned char one = 0x80;
    Update(&one, 1);
    const unsigned char zero = 0;
    while (m_Fill != 56)
    {
      Update(&zero, 1);
    }
    for (int i = 7; i >= 0; --i)
    {
      const auto byte = static_cast<unsigned char>(bits >> (8 * i));
      Update(&byte, 1);
    }
    static const char * hex = "0123456789abcdef";
    std::string         out;
    for (std::uint32_t h : m_H)
    {
      for (int i = 3; i >= 0; --i)
      {
        const auto byte = static_cast<unsigned char>(h >> (8 * i));
        out += hex[byte >> 4];
        out += hex[byte & 15];
      }
    }
    return out;
  }

private:
  void
  Compress()
  {
    std::array<std::uint32_t, 64> w{};
    for (int i = 0; i < 16; ++i)
    {
      w[i] = (std::uint32_t(m_Block[4 * i]) << 24) | (std::uint32_t(m_Block[4 * i + 1]) << 16) |
             (std::uint32_t(m_Block[4 * i + 2]) << 8) | std::uint32_t(m_Block[4 * i + 3]);
    }
    for (int i = 16; i < 64; ++i)
    {
      const std::uint32_t s0 = Rotr(w[i - 15], 7) ^ Rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      const std::uint32_t s1 = Rotr(w[i - 2], 17) ^ Rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    std::uint32_t a = m_H[0], b = m_H[1], c = m_H[2], d = m_H[3], e = m_H[4], f = m_H[5], g = m_H[6], h = m_H[7];
    for (int i = 0; i < 64; ++i)
    {
      const std::uint32_t t1 = h + (Rotr(e, 6) ^ Rotr(e, 11) ^ Rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
      const std::uint32_t t2 = (Rotr(a, 2) ^ Rotr(a, 13) ^ Rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      h = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
    }
    m_H[0] += a, m_H[1] += b, m_H[2] += c, m_H[3] += d, m_H[4] += e, m_H[5] += f, m_H[6] += g, m_H[7] += h;
  }

  std::array<std::uint32_t, 8>  m_H{ 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
  std::array<unsigned char, 64> m_Block{};
  std::size_t                   m_Fill{ 0 };
  std::uint64_t                 m_Length{ 0 };
};

std::string
Sha256OfFile(const fs::path & file)
{
  std::ifstream in(file, std::ios::binary);
  if (!in)
  {
    throw InputError(file, "cannot be read to compute its checksum");
  }
  Sha256State       state;
  std::vector<char> buffer(1 << 16);
  while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0)
  {
    state.Update(reinterpret_cast<const unsigned char *>(buffer.data()), static_cast<std::size_t>(in.gcount()));
  }
  return state.Finish();
}
} // namespace

std::string
Sha256(std::string_view bytes)
{
  Sha256State state;
  state.Update(reinterpret_cast<const unsigned char *>(bytes.data()), bytes.size());
  return state.Finish();
}

std::string
Sha256OfPath(const fs::path & path)
{
  if (!fs::is_directory(path))
  {
    return Sha256OfFile(path);
  }
  std::vector<fs::path> files;
  for (const auto & entry : fs::directory_iterator(path))
  {
    if (entry.is_regular_file())
    {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  std::string hashes;
  for (const auto & f : files)
  {
    hashes += f.filename().string() + ":" + Sha256OfFile(f) + "\n";
  }
  return Sha256(hashes);
}

} // namespace cordresponse
