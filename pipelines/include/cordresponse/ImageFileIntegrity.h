#ifndef cordresponse_ImageFileIntegrity_h
#define cordresponse_ImageFileIntegrity_h

#include <filesystem>

namespace cordresponse {

/** Checks that an image file holds all the voxel data its header promises, before ITK reads it.
 *
 *  ITK 5.2's NIfTI reader returns a truncated .nii.gz, or a .nii whose data block is cut short, as a
 *  "successful" read with the missing voxels zero-filled. This check parses the header itself and
 *  compares the data length (decompressing gzip/zlib streams completely, so a cut or corrupt stream
 *  is caught by zlib's length and CRC checks) with what the header declares. Covers NIfTI-1/2 (.nii,
 *  .nii.gz, .hdr/.img pairs), NRRD (.nrrd, .nhdr; raw and gzip encodings) and MetaImage (.mha, .mhd;
 *  raw and zlib-compressed). Other formats pass through to ITK unchecked.
 *
 *  Throws InputError naming the file and the problem. */
void
CheckImageFileIntegrity(const std::filesystem::path & path);

} // namespace cordresponse

#endif
