// Thin C shim over libavformat/libavcodec/libswscale/libavutil (see include/tessera_ffmpeg.h).
// Written against FFmpeg 5.1 (Debian 12: libavcodec 59, libavformat 59, libswscale 6);
// uses only the send/receive API, so later versions build it too.

#include "tessera_ffmpeg.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avstring.h>
#include <libavutil/dict.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// MARK: - Logging

static int log_level_set = 0;

void tv_set_log_level(int level) {
    av_log_set_level(level <= 0 ? AV_LOG_QUIET : level == 1 ? AV_LOG_WARNING : AV_LOG_VERBOSE);
    log_level_set = 1;
}

/// Silences FFmpeg's stderr chatter unless the caller chose a level.
static void default_log_level(void) {
    if (!log_level_set) tv_set_log_level(0);
}

// MARK: - Errors

static void set_err(char *err, size_t err_len, const char *message) {
    if (err && err_len) snprintf(err, err_len, "%s", message);
}

/// "<what>: <av_strerror text>"
static void set_averr(char *err, size_t err_len, const char *what, int code) {
    char text[AV_ERROR_MAX_STRING_SIZE] = {0};
    av_strerror(code, text, sizeof(text));
    if (err && err_len) snprintf(err, err_len, "%s: %s", what, text);
}

/// Parses a NULL-terminated list of "key=value" strings into a dictionary.
static int parse_options(const char *const *list, AVDictionary **dict) {
    for (; list && *list; list++) {
        const char *eq = strchr(*list, '=');
        if (!eq) return AVERROR(EINVAL);
        size_t klen = (size_t)(eq - *list);
        char *key = (char *)av_malloc(klen + 1);
        if (!key) return AVERROR(ENOMEM);
        memcpy(key, *list, klen);
        key[klen] = 0;
        int ret = av_dict_set(dict, key, eq + 1, AV_DICT_DONT_STRDUP_KEY);
        if (ret < 0) return ret;
    }
    return 0;
}

// MARK: - Writer

struct TVWriter {
    AVFormatContext *fmt;
    AVCodecContext *enc;
    AVStream *stream;
    AVFrame *frame;
    AVPacket *packet;
    struct SwsContext *sws;
    uint8_t *rgb_data[4];  ///< aligned, padded copy of the caller's RGB (SIMD reads whole blocks)
    int rgb_linesize[4];
    int64_t next_pts;
    int palettised;
    int file_open;
    int finished;
};

void tv_writer_free(TVWriter *w) {
    if (!w) return;
    if (w->fmt && w->file_open && !(w->fmt->oformat->flags & AVFMT_NOFILE)) avio_closep(&w->fmt->pb);
    avcodec_free_context(&w->enc);
    av_frame_free(&w->frame);
    av_packet_free(&w->packet);
    sws_freeContext(w->sws);
    av_freep(&w->rgb_data[0]);
    avformat_free_context(w->fmt);
    free(w);
}

TVWriter *tv_writer_open(const char *path, const TVWriterSettings *s, char *err, size_t err_len) {
    if (s->width <= 0 || s->height <= 0 || s->fps <= 0) {
        set_err(err, err_len, "invalid size or frame rate");
        return NULL;
    }
    default_log_level();
    TVWriter *w = (TVWriter *)calloc(1, sizeof(TVWriter));
    if (!w) {
        set_err(err, err_len, "out of memory");
        return NULL;
    }
    w->palettised = s->palettised;
    AVDictionary *codec_opts = NULL, *muxer_opts = NULL;
    char what[256];
    int ret = avformat_alloc_output_context2(&w->fmt, NULL, s->container, path);
    if (ret < 0 || !w->fmt) {
        snprintf(what, sizeof(what), "no muxer for container '%s'", s->container);
        set_averr(err, err_len, what, ret < 0 ? ret : AVERROR_MUXER_NOT_FOUND);
        goto fail;
    }
    const AVCodec *codec = avcodec_find_encoder_by_name(s->codec);
    if (!codec) {
        snprintf(what, sizeof(what), "encoder '%s' is not available in this FFmpeg build", s->codec);
        set_err(err, err_len, what);
        goto fail;
    }
    w->stream = avformat_new_stream(w->fmt, NULL);
    w->enc = avcodec_alloc_context3(codec);
    w->frame = av_frame_alloc();
    w->packet = av_packet_alloc();
    if (!w->stream || !w->enc || !w->frame || !w->packet) {
        set_err(err, err_len, "out of memory");
        goto fail;
    }

    // Exact frame rate: one tick of the codec time base is one frame.
    AVCodecContext *c = w->enc;
    c->width = s->width;
    c->height = s->height;
    c->time_base = (AVRational){1, s->fps};
    c->framerate = (AVRational){s->fps, 1};
    c->sample_aspect_ratio = (AVRational){1, 1};
    if (s->palettised) {
        c->pix_fmt = AV_PIX_FMT_PAL8;
    } else {
        // RGB -> limited-range BT.601 YUV 4:2:0, tagged so players convert back the same way.
        c->pix_fmt = AV_PIX_FMT_YUV420P;
        c->color_range = AVCOL_RANGE_MPEG;
        c->colorspace = AVCOL_SPC_SMPTE170M;
        c->color_primaries = AVCOL_PRI_SMPTE170M;
        c->color_trc = AVCOL_TRC_SMPTE170M;
    }
    if (w->fmt->oformat->flags & AVFMT_GLOBALHEADER) c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;

    if ((ret = parse_options(s->codec_options, &codec_opts)) < 0 ||
        (ret = parse_options(s->muxer_options, &muxer_opts)) < 0) {
        set_averr(err, err_len, "bad option list", ret);
        goto fail;
    }
    if ((ret = avcodec_open2(c, codec, &codec_opts)) < 0) {
        snprintf(what, sizeof(what), "cannot open encoder '%s' at %dx%d", s->codec, s->width, s->height);
        set_averr(err, err_len, what, ret);
        goto fail;
    }
    const AVDictionaryEntry *unused = av_dict_get(codec_opts, "", NULL, AV_DICT_IGNORE_SUFFIX);
    if (unused) {
        snprintf(what, sizeof(what), "encoder '%s' does not know the option '%s'", s->codec, unused->key);
        set_err(err, err_len, what);
        goto fail;
    }
    if ((ret = avcodec_parameters_from_context(w->stream->codecpar, c)) < 0) {
        set_averr(err, err_len, "copying encoder parameters", ret);
        goto fail;
    }
    w->stream->time_base = c->time_base;
    w->stream->avg_frame_rate = c->framerate;
    w->stream->r_frame_rate = c->framerate;
    w->stream->sample_aspect_ratio = c->sample_aspect_ratio;
    for (int i = 0; i < s->metadata_count; i++) av_dict_set(&w->fmt->metadata, s->metadata_keys[i], s->metadata_values[i], 0);

    if (!(w->fmt->oformat->flags & AVFMT_NOFILE)) {
        char *url = av_asprintf("file:%s", path);  // a colon in the name is not a protocol
        ret = url ? avio_open(&w->fmt->pb, url, AVIO_FLAG_WRITE) : AVERROR(ENOMEM);
        av_free(url);
        if (ret < 0) {
            set_averr(err, err_len, "cannot open the output file", ret);
            goto fail;
        }
        w->file_open = 1;
    }
    if ((ret = avformat_write_header(w->fmt, &muxer_opts)) < 0) {
        set_averr(err, err_len, "cannot write the container header", ret);
        goto fail;
    }
    unused = av_dict_get(muxer_opts, "", NULL, AV_DICT_IGNORE_SUFFIX);
    if (unused) {
        snprintf(what, sizeof(what), "muxer '%s' does not know the option '%s'", s->container, unused->key);
        set_err(err, err_len, what);
        goto fail;
    }

    w->frame->format = c->pix_fmt;
    w->frame->width = c->width;
    w->frame->height = c->height;
    if ((ret = av_frame_get_buffer(w->frame, 0)) < 0) {
        set_averr(err, err_len, "allocating a frame", ret);
        goto fail;
    }
    if (!s->palettised) {
        w->sws = sws_getContext(c->width, c->height, AV_PIX_FMT_RGB24, c->width, c->height, c->pix_fmt,
                                SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INP, NULL, NULL, NULL);
        if (!w->sws) {
            set_err(err, err_len, "cannot create the RGB to YUV converter");
            goto fail;
        }
        if ((ret = av_image_alloc(w->rgb_data, w->rgb_linesize, c->width, c->height + 1, AV_PIX_FMT_RGB24, 64)) < 0) {
            set_averr(err, err_len, "allocating the RGB frame", ret);
            goto fail;
        }
        sws_setColorspaceDetails(w->sws, sws_getCoefficients(SWS_CS_ITU601), 1, sws_getCoefficients(SWS_CS_ITU601), 0,
                                 0, 1 << 16, 1 << 16);
    }
    av_dict_free(&codec_opts);
    av_dict_free(&muxer_opts);
    return w;

fail:
    av_dict_free(&codec_opts);
    av_dict_free(&muxer_opts);
    tv_writer_free(w);
    return NULL;
}

/// Sends `frame` (NULL flushes) and writes every packet the encoder returns, with its
/// timestamps rescaled from the codec time base (1/fps) to the stream's.
static int encode(TVWriter *w, AVFrame *frame, char *err, size_t err_len) {
    int ret = avcodec_send_frame(w->enc, frame);
    if (ret < 0) {
        set_averr(err, err_len, "encoder refused a frame", ret);
        return -1;
    }
    for (;;) {
        ret = avcodec_receive_packet(w->enc, w->packet);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return 0;
        if (ret < 0) {
            set_averr(err, err_len, "encoding failed", ret);
            return -1;
        }
        if (w->packet->duration <= 0) w->packet->duration = 1;  // one frame
        av_packet_rescale_ts(w->packet, w->enc->time_base, w->stream->time_base);
        w->packet->stream_index = w->stream->index;
        ret = av_interleaved_write_frame(w->fmt, w->packet);  // takes the packet's reference
        if (ret < 0) {
            set_averr(err, err_len, "writing a packet failed", ret);
            return -1;
        }
    }
}

// Checks that the writer is open and takes frames of this kind (palettised or RGB), and makes
// its frame writable; 0, or -1 with `err` set.
static int begin_frame(TVWriter *w, int palettised, char *err, size_t err_len) {
    if (w->finished || (w->palettised != 0) != palettised) {
        set_err(err, err_len,
                w->finished ? "writer already finished"
                            : (palettised ? "this writer takes RGB frames" : "this writer takes palettised frames"));
        return -1;
    }
    int ret = av_frame_make_writable(w->frame);
    if (ret < 0) {
        set_averr(err, err_len, "allocating a frame", ret);
        return -1;
    }
    return 0;
}

int tv_writer_write_rgb(TVWriter *w, const uint8_t *rgb, int stride, char *err, size_t err_len) {
    if (begin_frame(w, 0, err, err_len) < 0) return -1;
    for (int y = 0; y < w->enc->height; y++)
        memcpy(w->rgb_data[0] + (size_t)y * (size_t)w->rgb_linesize[0], rgb + (size_t)y * (size_t)stride,
               (size_t)w->enc->width * 3);
    sws_scale(w->sws, (const uint8_t *const *)w->rgb_data, w->rgb_linesize, 0, w->enc->height, w->frame->data,
              w->frame->linesize);
    w->frame->pts = w->next_pts++;
    return encode(w, w->frame, err, err_len);
}

int tv_writer_write_indexed(TVWriter *w, const uint8_t *indices, int stride, const uint32_t *palette, char *err,
                            size_t err_len) {
    if (begin_frame(w, 1, err, err_len) < 0) return -1;
    for (int y = 0; y < w->enc->height; y++)
        memcpy(w->frame->data[0] + (size_t)y * (size_t)w->frame->linesize[0], indices + (size_t)y * (size_t)stride,
               (size_t)w->enc->width);
    memcpy(w->frame->data[1], palette, 256 * sizeof(uint32_t));
    w->frame->pts = w->next_pts++;
    return encode(w, w->frame, err, err_len);
}

int tv_writer_finish(TVWriter *w, char *err, size_t err_len) {
    if (w->finished) return 0;
    if (encode(w, NULL, err, err_len) < 0) return -1;
    int ret = av_write_trailer(w->fmt);
    if (ret < 0) {
        set_averr(err, err_len, "writing the container trailer failed", ret);
        return -1;
    }
    if (w->file_open) {
        ret = avio_closep(&w->fmt->pb);
        w->file_open = 0;
        if (ret < 0) {
            set_averr(err, err_len, "closing the output file failed", ret);
            return -1;
        }
    }
    w->finished = 1;
    return 0;
}

// MARK: - Reader

struct TVReader {
    AVFormatContext *fmt;
    AVCodecContext *dec;
    AVPacket *packet;
    AVFrame *frame;
    struct SwsContext *sws;
    uint8_t *rgb_data[4];  ///< aligned, padded conversion target (libswscale's SIMD writes
    int rgb_linesize[4];   ///< whole blocks, past the end of a tightly packed row)
    int stream_index;
    int width;
    int height;
    int flushing;
    int tag_count;
    char **tag_keys;
    char **tag_values;
};

void tv_reader_free(TVReader *r) {
    if (!r) return;
    avcodec_free_context(&r->dec);
    av_packet_free(&r->packet);
    av_frame_free(&r->frame);
    sws_freeContext(r->sws);
    av_freep(&r->rgb_data[0]);
    if (r->fmt) avformat_close_input(&r->fmt);
    for (int i = 0; i < r->tag_count; i++) {
        free(r->tag_keys[i]);
        free(r->tag_values[i]);
    }
    free(r->tag_keys);
    free(r->tag_values);
    free(r);
}

static int has_tag(const TVReader *r, const char *key) {
    for (int i = 0; i < r->tag_count; i++)
        if (strcmp(r->tag_keys[i], key) == 0) return 1;
    return 0;
}

static int collect_tags(TVReader *r, const AVDictionary *dict) {
    const AVDictionaryEntry *e = NULL;
    int n = av_dict_count(dict);
    if (n == 0) return 0;
    char **keys = (char **)realloc(r->tag_keys, sizeof(char *) * (size_t)(r->tag_count + n));
    if (!keys) return -1;
    r->tag_keys = keys;
    char **values = (char **)realloc(r->tag_values, sizeof(char *) * (size_t)(r->tag_count + n));
    if (!values) return -1;
    r->tag_values = values;
    while ((e = av_dict_get(dict, "", e, AV_DICT_IGNORE_SUFFIX))) {
        if (has_tag(r, e->key)) continue;  // container tags win over stream tags
        char *k = strdup(e->key), *v = strdup(e->value);
        if (!k || !v) {
            free(k);
            free(v);
            return -1;
        }
        r->tag_keys[r->tag_count] = k;
        r->tag_values[r->tag_count] = v;
        r->tag_count++;
    }
    return 0;
}

TVReader *tv_reader_open(const char *path, TVReaderInfo *info, char *err, size_t err_len) {
    memset(info, 0, sizeof(*info));
    default_log_level();
    TVReader *r = (TVReader *)calloc(1, sizeof(TVReader));
    if (!r) {
        set_err(err, err_len, "out of memory");
        return NULL;
    }
    // "file:" so a name with a colon is never taken for a protocol, and only local files
    // are read (no network, no concat: or subfile: tricks).
    char *url = av_asprintf("file:%s", path);
    AVDictionary *opts = NULL;
    av_dict_set(&opts, "protocol_whitelist", "file", 0);
    int ret = url ? avformat_open_input(&r->fmt, url, NULL, &opts) : AVERROR(ENOMEM);
    av_free(url);
    av_dict_free(&opts);
    if (ret < 0) {
        set_averr(err, err_len, "not a readable media file", ret);
        goto fail;
    }
    if ((ret = avformat_find_stream_info(r->fmt, NULL)) < 0) {
        set_averr(err, err_len, "cannot read the stream headers", ret);
        goto fail;
    }
    const AVCodec *codec = NULL;
    r->stream_index = av_find_best_stream(r->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (r->stream_index < 0) {
        set_averr(err, err_len, "no decodable video stream", r->stream_index);
        goto fail;
    }
    AVStream *st = r->fmt->streams[r->stream_index];
    r->dec = avcodec_alloc_context3(codec);
    r->packet = av_packet_alloc();
    r->frame = av_frame_alloc();
    if (!r->dec || !r->packet || !r->frame) {
        set_err(err, err_len, "out of memory");
        goto fail;
    }
    if ((ret = avcodec_parameters_to_context(r->dec, st->codecpar)) < 0 ||
        (ret = avcodec_open2(r->dec, codec, NULL)) < 0) {
        set_averr(err, err_len, "cannot open the video decoder", ret);
        goto fail;
    }
    if (st->codecpar->width <= 0 || st->codecpar->height <= 0) {
        set_err(err, err_len, "the video stream has no frame size");
        goto fail;
    }
    r->width = info->width = st->codecpar->width;
    r->height = info->height = st->codecpar->height;
    AVRational rate = st->avg_frame_rate.num > 0 && st->avg_frame_rate.den > 0 ? st->avg_frame_rate : st->r_frame_rate;
    info->fps_num = rate.num;
    info->fps_den = rate.den;
    info->frame_count = st->nb_frames;
    if (r->fmt->duration != AV_NOPTS_VALUE)
        info->duration = (double)r->fmt->duration / AV_TIME_BASE;
    else if (st->duration != AV_NOPTS_VALUE)
        info->duration = (double)st->duration * av_q2d(st->time_base);
    else
        info->duration = -1;
    snprintf(info->container, sizeof(info->container), "%s", r->fmt->iformat->name);
    snprintf(info->codec, sizeof(info->codec), "%s", avcodec_get_name(st->codecpar->codec_id));
    const char *pix = av_get_pix_fmt_name((enum AVPixelFormat)st->codecpar->format);
    snprintf(info->pixel_format, sizeof(info->pixel_format), "%s", pix ? pix : "unknown");
    if (collect_tags(r, r->fmt->metadata) < 0 || collect_tags(r, st->metadata) < 0) {
        set_err(err, err_len, "out of memory");
        goto fail;
    }
    return r;

fail:
    tv_reader_free(r);
    return NULL;
}

int tv_reader_tag_count(const TVReader *r) { return r->tag_count; }
const char *tv_reader_tag_key(const TVReader *r, int i) { return i >= 0 && i < r->tag_count ? r->tag_keys[i] : NULL; }
const char *tv_reader_tag_value(const TVReader *r, int i) {
    return i >= 0 && i < r->tag_count ? r->tag_values[i] : NULL;
}

static int sws_colorspace(enum AVColorSpace cs) {
    switch (cs) {
        case AVCOL_SPC_BT709: return SWS_CS_ITU709;
        case AVCOL_SPC_FCC: return SWS_CS_FCC;
        case AVCOL_SPC_SMPTE240M: return SWS_CS_SMPTE240M;
        case AVCOL_SPC_BT2020_NCL:
        case AVCOL_SPC_BT2020_CL: return SWS_CS_BT2020;
        default: return SWS_CS_ITU601;
    }
}

/// Converts the decoded frame to packed RGB24 at the stream's size, honouring its matrix
/// and range as ffmpeg's scale filter does, with the ffmpeg tool's default flags (bicubic),
/// so frames come out bit-identical to `ffmpeg -i X -pix_fmt rgb24`.
static int convert(TVReader *r, uint8_t *rgb, char *err, size_t err_len) {
    AVFrame *f = r->frame;
    r->sws = sws_getCachedContext(r->sws, f->width, f->height, (enum AVPixelFormat)f->format, r->width, r->height,
                                  AV_PIX_FMT_RGB24, SWS_BICUBIC, NULL, NULL,
                                  NULL);
    if (!r->sws) {
        set_err(err, err_len, "cannot create the converter to RGB");
        return -1;
    }
    const AVPixFmtDescriptor *desc = av_pix_fmt_desc_get((enum AVPixelFormat)f->format);
    if (desc && !(desc->flags & AV_PIX_FMT_FLAG_RGB) && !(desc->flags & AV_PIX_FMT_FLAG_PAL)) {
        int full = f->color_range == AVCOL_RANGE_JPEG || f->format == AV_PIX_FMT_YUVJ420P ||
                   f->format == AV_PIX_FMT_YUVJ422P || f->format == AV_PIX_FMT_YUVJ444P ||
                   f->format == AV_PIX_FMT_YUVJ440P;
        const int *coefficients = sws_getCoefficients(sws_colorspace(f->colorspace));
        sws_setColorspaceDetails(r->sws, coefficients, full, coefficients, 1, 0, 1 << 16, 1 << 16);
    }
    if (!r->rgb_data[0]) {
        // One spare row and 64-byte aligned rows: room for SIMD stores that run past a row.
        int ret = av_image_alloc(r->rgb_data, r->rgb_linesize, r->width, r->height + 1, AV_PIX_FMT_RGB24, 64);
        if (ret < 0) {
            set_averr(err, err_len, "allocating the RGB frame", ret);
            return -1;
        }
    }
    sws_scale(r->sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, r->rgb_data, r->rgb_linesize);
    for (int y = 0; y < r->height; y++)
        memcpy(rgb + (size_t)y * (size_t)r->width * 3, r->rgb_data[0] + (size_t)y * (size_t)r->rgb_linesize[0],
               (size_t)r->width * 3);
    return 0;
}

int tv_reader_next(TVReader *r, uint8_t *rgb, char *err, size_t err_len) {
    for (;;) {
        int ret = avcodec_receive_frame(r->dec, r->frame);
        if (ret == 0) {
            int ok = rgb ? convert(r, rgb, err, err_len) : 0;
            av_frame_unref(r->frame);
            return ok < 0 ? -1 : 1;
        }
        if (ret == AVERROR_EOF) return 0;
        if (ret != AVERROR(EAGAIN)) {
            set_averr(err, err_len, "decoding failed", ret);
            return -1;
        }
        if (r->flushing) return 0;
        ret = av_read_frame(r->fmt, r->packet);
        if (ret == AVERROR_EOF) {
            r->flushing = 1;
            avcodec_send_packet(r->dec, NULL);
            continue;
        }
        if (ret < 0) {
            set_averr(err, err_len, "reading the file failed", ret);
            return -1;
        }
        if (r->packet->stream_index != r->stream_index) {
            av_packet_unref(r->packet);
            continue;
        }
        ret = avcodec_send_packet(r->dec, r->packet);
        av_packet_unref(r->packet);
        if (ret < 0 && ret != AVERROR(EAGAIN)) {
            set_averr(err, err_len, "decoding failed", ret);
            return -1;
        }
    }
}
