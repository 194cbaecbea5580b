#ifndef cordresponse_Checksum_h
#define cordresponse_Checksum_h

#include <filesystem>
#include <string>
#include <string_view>

namespace cordresponse {

/** SHA-256 of a byte string, as 64 lowercase hex digits (FIPS 180-4). */
std::string
Sha256(std::string_view bytes);

/** SHA-256 of a file's contents, or of every file in a directory (sorted by name, e.g. a DICOM series:
 *  the hash of the concatenated per-file hashes). Throws InputError if unreadable. */
std::string
Sha256OfPath(const std::filesystem::path & path);

} // namespace cordresponse

#endif
