// Thin C shim over libavformat/libavcodec/libswscale/libavutil (FFmpeg 5.x and later):
// encode RGB24 (or palettised) frames to a file, decode any readable video to RGB24.
// Errors come back as -1/NULL with a one-line message (av_strerror's text) in `err`.

#ifndef TESSERA_FFMPEG_H
#define TESSERA_FFMPEG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// MARK: - Logging

/// FFmpeg's own log output (stderr): 0 = silent (the default here; errors come back as
/// messages), 1 = warnings and errors, 2 = verbose.
void tv_set_log_level(int level);

// MARK: - Writer

typedef struct TVWriter TVWriter;

/// Settings for tv_writer_open. `container` is a libavformat muxer name ("mp4", "webm",
/// "gif"), `codec` an encoder name ("libx264", "libvpx-vp9", "gif"). `palettised` = 1 means
/// frames arrive as 8-bit indices + a 256-entry palette (GIF), otherwise as RGB24.
/// `codec_options` and `muxer_options` are "key=value" strings, NULL-terminated arrays
/// (may be NULL); `metadata_keys`/`metadata_values` become container tags.
typedef struct TVWriterSettings {
    const char *container;
    const char *codec;
    int width;
    int height;
    int fps;
    int palettised;
    const char *const *codec_options;
    const char *const *muxer_options;
    const char *const *metadata_keys;
    const char *const *metadata_values;
    int metadata_count;
} TVWriterSettings;

/// Opens `path` for writing and writes the container header. NULL on failure.
TVWriter *tv_writer_open(const char *path, const TVWriterSettings *settings, char *err, size_t err_len);

/// Encodes one RGB24 frame (rows `stride` bytes apart, width x height as opened).
int tv_writer_write_rgb(TVWriter *writer, const uint8_t *rgb, int stride, char *err, size_t err_len);

/// Encodes one palettised frame: `indices` (width x height, rows `stride` bytes apart) into
/// `palette` (256 entries, 0xAARRGGBB).
int tv_writer_write_indexed(TVWriter *writer, const uint8_t *indices, int stride, const uint32_t *palette,
                            char *err, size_t err_len);

/// Flushes the encoder, writes the trailer and closes the file. 0 on success.
int tv_writer_finish(TVWriter *writer, char *err, size_t err_len);

/// Frees the writer (closing the file if tv_writer_finish was not called). NULL is fine.
void tv_writer_free(TVWriter *writer);

// MARK: - Reader

typedef struct TVReader TVReader;

/// What the container and stream headers say (before decoding).
typedef struct TVReaderInfo {
    int width;
    int height;
    int fps_num;          ///< average frame rate (falls back to the real base frame rate)
    int fps_den;
    int64_t frame_count;  ///< from the header; 0 when the container does not say
    double duration;      ///< seconds; < 0 when unknown
    char container[128];  ///< libavformat's demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
    char codec[64];       ///< e.g. "h264"
    char pixel_format[32];
} TVReaderInfo;

/// Opens `path` and its best video stream. NULL on failure (not a media file, no video).
TVReader *tv_reader_open(const char *path, TVReaderInfo *info, char *err, size_t err_len);

/// Number of container + stream metadata tags, and each key/value (UTF-8, owned by reader).
int tv_reader_tag_count(const TVReader *reader);
const char *tv_reader_tag_key(const TVReader *reader, int index);
const char *tv_reader_tag_value(const TVReader *reader, int index);

/// Decodes the next frame. Returns 1 with a frame, 0 at the end, -1 on error. When `rgb` is
/// not NULL the frame is converted to RGB24 into it (width*height*3 bytes at the header's
/// size; a frame of another size is scaled to it); NULL skips conversion (counting frames).
int tv_reader_next(TVReader *reader, uint8_t *rgb, char *err, size_t err_len);

void tv_reader_free(TVReader *reader);

#ifdef __cplusplus
}
#endif

#endif
