// Thin C shim over libpng 1.6 (see include/tessera_png.h). Every libpng call that can
// longjmp runs inside a function that set the jump buffer; the error handler copies
// libpng's message into the caller's buffer before jumping.

#include "tessera_png.h"

#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// MARK: - Error plumbing

typedef struct {
    char *err;
    size_t err_len;
} TPErrorSink;

static void tp_error_fn(png_structp png, png_const_charp message) {
    TPErrorSink *sink = (TPErrorSink *)png_get_error_ptr(png);
    if (sink && sink->err && sink->err_len) snprintf(sink->err, sink->err_len, "%s", message);
    png_longjmp(png, 1);
}

static void tp_warning_fn(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;  // warnings (e.g. a bad CRC in an ancillary chunk) are not errors
}

static void set_err(char *err, size_t err_len, const char *message) {
    if (err && err_len) snprintf(err, err_len, "%s", message);
}

static int is_ascii(const char *s) {
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80) return 0;
    return 1;
}

// MARK: - Write

int tp_png_write(const char *path, const uint8_t *pixels, int width, int height, int channels,
                 const char *const *text_keys, const char *const *text_values, int text_count,
                 int compression_level, char *err, size_t err_len) {
    if (width <= 0 || height <= 0 || (channels != 3 && channels != 4)) {
        set_err(err, err_len, "invalid image geometry (need width, height > 0 and 3 or 4 channels)");
        return -1;
    }
    FILE *fp = fopen(path, "wb");
    if (!fp) {
        if (err && err_len) snprintf(err, err_len, "cannot open for writing: %s", strerror(errno));
        return -1;
    }
    TPErrorSink sink = {err, err_len};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &sink, tp_error_fn, tp_warning_fn);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    png_text *volatile texts = NULL;
    png_bytep *volatile rows = NULL;
    if (!png || !info) {
        set_err(err, err_len, "out of memory creating the PNG writer");
        if (png) png_destroy_write_struct(&png, NULL);
        fclose(fp);
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(texts);
        free(rows);
        fclose(fp);
        return -1;
    }
    png_init_io(png, fp);
    if (compression_level >= 0 && compression_level <= 9) png_set_compression_level(png, compression_level);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8,
                 channels == 4 ? PNG_COLOR_TYPE_RGB_ALPHA : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (text_count > 0) {
        texts = (png_textp)calloc((size_t)text_count, sizeof(png_text));
        if (!texts) png_error(png, "out of memory for text chunks");
        for (int i = 0; i < text_count; i++) {
            texts[i].key = (png_charp)text_keys[i];
            texts[i].text = (png_charp)text_values[i];
            texts[i].text_length = strlen(text_values[i]);
            texts[i].compression = is_ascii(text_values[i]) ? PNG_TEXT_COMPRESSION_NONE : PNG_ITXT_COMPRESSION_NONE;
        }
        png_set_text(png, info, texts, text_count);
    }
    rows = (png_bytep *)malloc(sizeof(png_bytep) * (size_t)height);
    if (!rows) png_error(png, "out of memory for row pointers");
    for (int y = 0; y < height; y++) rows[y] = (png_bytep)pixels + (size_t)y * (size_t)width * (size_t)channels;
    png_set_rows(png, info, rows);
    png_write_png(png, info, PNG_TRANSFORM_IDENTITY, NULL);
    png_destroy_write_struct(&png, &info);
    free(texts);
    free(rows);
    if (fflush(fp) != 0 || ferror(fp)) {
        if (err && err_len) snprintf(err, err_len, "write failed: %s", strerror(errno));
        fclose(fp);
        return -1;
    }
    if (fclose(fp) != 0) {
        if (err && err_len) snprintf(err, err_len, "close failed: %s", strerror(errno));
        return -1;
    }
    return 0;
}

// MARK: - Read

void tp_png_free(TPImage *image) {
    if (!image) return;
    free(image->pixels);
    for (int i = 0; i < image->text_count; i++) {
        free(image->text_keys[i]);
        free(image->text_values[i]);
    }
    free(image->text_keys);
    free(image->text_values);
    memset(image, 0, sizeof(*image));
}

int tp_png_read(const char *path, TPImage *out, char *err, size_t err_len) {
    memset(out, 0, sizeof(*out));
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        if (err && err_len) snprintf(err, err_len, "cannot open: %s", strerror(errno));
        return -1;
    }
    unsigned char signature[8];
    if (fread(signature, 1, 8, fp) != 8 || png_sig_cmp(signature, 0, 8) != 0) {
        set_err(err, err_len, "not a PNG file (bad signature)");
        fclose(fp);
        return -1;
    }
    TPErrorSink sink = {err, err_len};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &sink, tp_error_fn, tp_warning_fn);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    png_bytep *volatile rows = NULL;
    if (!png || !info) {
        set_err(err, err_len, "out of memory creating the PNG reader");
        if (png) png_destroy_read_struct(&png, NULL, NULL);
        fclose(fp);
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        free(rows);
        tp_png_free(out);
        fclose(fp);
        return -1;
    }
    png_init_io(png, fp);
    png_set_sig_bytes(png, 8);
    png_set_user_limits(png, 1u << 15, 1u << 15);  // 32768 x 32768 at most
    png_read_info(png, info);

    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0;
    png_get_IHDR(png, info, &width, &height, &bit_depth, &color_type, NULL, NULL, NULL);
    if (bit_depth == 16) png_set_scale_16(png);  // rounds (v * 255 / 65535), unlike strip_16
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    int channels = png_get_channels(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    if ((channels != 3 && channels != 4) || rowbytes != (size_t)width * (size_t)channels)
        png_error(png, "unsupported PNG layout after conversion to 8-bit RGB(A)");
    out->width = (int)width;
    out->height = (int)height;
    out->channels = channels;
    out->pixels = (uint8_t *)malloc(rowbytes * height);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * height);
    if (!out->pixels || !rows) png_error(png, "out of memory for the image");
    for (png_uint_32 y = 0; y < height; y++) rows[y] = out->pixels + (size_t)y * rowbytes;
    png_read_image(png, rows);
    png_read_end(png, info);  // text chunks after IDAT land in the same info struct

    png_textp texts = NULL;
    int count = 0;
    png_get_text(png, info, &texts, &count);
    if (count > 0) {
        out->text_keys = (char **)calloc((size_t)count, sizeof(char *));
        out->text_values = (char **)calloc((size_t)count, sizeof(char *));
        if (!out->text_keys || !out->text_values) png_error(png, "out of memory for text chunks");
        for (int i = 0; i < count; i++) {
            out->text_keys[i] = strdup(texts[i].key ? texts[i].key : "");
            size_t n = texts[i].compression >= PNG_ITXT_COMPRESSION_NONE ? texts[i].itxt_length : texts[i].text_length;
            out->text_values[i] = (char *)malloc(n + 1);
            if (!out->text_keys[i] || !out->text_values[i]) png_error(png, "out of memory for text chunks");
            if (n) memcpy(out->text_values[i], texts[i].text, n);
            out->text_values[i][n] = 0;
            out->text_count = i + 1;
        }
    }
    png_destroy_read_struct(&png, &info, NULL);
    free(rows);
    fclose(fp);
    return 0;
}
