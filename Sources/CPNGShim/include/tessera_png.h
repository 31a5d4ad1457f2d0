// Thin C shim over libpng: 8-bit RGB/RGBA images with text chunks.
// libpng reports errors by longjmp; the setjmp lives here, so callers only see a return
// code and libpng's message in `err`.

#ifndef TESSERA_PNG_H
#define TESSERA_PNG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A decoded image: 8-bit samples, `channels` = 3 (RGB) or 4 (RGBA), rows packed
/// (stride = width * channels). Text chunks (tEXt, zTXt, iTXt) as UTF-8 key/value pairs.
typedef struct TPImage {
    int width;
    int height;
    int channels;
    uint8_t *pixels;
    int text_count;
    char **text_keys;
    char **text_values;
} TPImage;

/// Writes `pixels` (rows packed, `channels` 3 or 4) to `path` as an 8-bit PNG with
/// `text_count` text chunks (tEXt when the value is ASCII, uncompressed iTXt otherwise).
/// Returns 0, or -1 with a message in `err`; a failed write removes nothing (the caller
/// writes to a temporary name).
int tp_png_write(const char *path, const uint8_t *pixels, int width, int height, int channels,
                 const char *const *text_keys, const char *const *text_values, int text_count,
                 int compression_level, char *err, size_t err_len);

/// Reads any PNG (palette, grey, 16-bit, interlaced, with or without alpha) into 8-bit RGB,
/// or RGBA when the file has alpha. Returns 0 and fills `out` (free with tp_png_free),
/// or -1 with a message in `err`.
int tp_png_read(const char *path, TPImage *out, char *err, size_t err_len);

/// Frees what tp_png_read allocated and zeroes `image`.
void tp_png_free(TPImage *image);

#ifdef __cplusplus
}
#endif

#endif
