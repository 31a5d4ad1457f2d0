// 3D convolution over (B, C, T, H, W) with the causal time padding of diffusers 0.42.1
// `WanCausalConv3d` (diffusers/models/autoencoders/autoencoder_kl_wan.py): time is padded on
// the left only, by zeros or by the last frames of the previous chunk (the feature cache);
// height and width are padded by zeros, possibly asymmetrically (Wan's downsampling pads
// right and bottom only). The reference twin is `Tests/TesseraTensorTests/Conv3DTests.swift`.
//
// Method: the weight is packed once as A = (Cout, kt·Cin·kh·kw), time tap major. For a tile
// of output rows, every input frame is unrolled once (spatial im2col, rows (ci, a, b)) into
// a buffer where consecutive frames are consecutive row blocks, so the kt frames one output
// frame reads form one contiguous (kt·Cin·kh·kw, N) matrix: one GEMM per output frame with
// the full reduction depth, each unrolled frame reused by every output frame that reads it,
// and the buffer bounded by the tile (never a whole-clip im2col). Taps that fall on zero time
// padding are skipped (shorter K), so the first, zero-padded chunk costs a third of a full one.
// Tiles run in parallel, each thread with its own buffer and single-threaded OpenBLAS.
// Kernels of size 1 in height and width read the input in place (one GEMM per time tap).
// With stride 1 in height (every 3x3x3 and 3x3 convolution of the Wan VAE but the
// downsamplers'), planes are unrolled in width only and each kernel row reads the unrolled
// rows in place, shifted: kh GEMMs per output frame, a third of the copying.

import Foundation

// MARK: - Geometry

/// The shape of a 3D convolution: channels, kernel, stride and padding.
///
/// Time padding is causal: `timePadding` zero frames (2·p for a `WanCausalConv3d` with time
/// padding p) precede the input, less the cache frames supplied. Spatial padding is given per
/// side (`nn.Conv3d(padding=p)` is p on every side; Wan's downsampler pads bottom and right).
public struct Conv3DGeometry: Sendable, Equatable {
    public var inChannels: Int
    public var outChannels: Int
    public var kernelT: Int, kernelH: Int, kernelW: Int
    public var strideT: Int, strideH: Int, strideW: Int
    /// Zero frames before the input when no cache is given.
    public var timePadding: Int
    public var padTop: Int, padBottom: Int, padLeft: Int, padRight: Int

    public init(
        inChannels: Int, outChannels: Int,
        kernel: (t: Int, h: Int, w: Int), stride: (t: Int, h: Int, w: Int) = (1, 1, 1),
        timePadding: Int = 0,
        padTop: Int = 0, padBottom: Int = 0, padLeft: Int = 0, padRight: Int = 0
    ) {
        precondition(inChannels > 0 && outChannels > 0, "conv3d: channels must be positive")
        precondition(kernel.t > 0 && kernel.h > 0 && kernel.w > 0, "conv3d: kernel must be positive")
        precondition(stride.t > 0 && stride.h > 0 && stride.w > 0, "conv3d: stride must be positive")
        precondition(timePadding >= 0 && padTop >= 0 && padBottom >= 0 && padLeft >= 0 && padRight >= 0)
        self.inChannels = inChannels
        self.outChannels = outChannels
        (kernelT, kernelH, kernelW) = kernel
        (strideT, strideH, strideW) = stride
        self.timePadding = timePadding
        self.padTop = padTop
        self.padBottom = padBottom
        self.padLeft = padLeft
        self.padRight = padRight
    }

    /// `WanCausalConv3d(cin, cout, kernel, stride, padding)`: time padded 2·p on the left,
    /// height and width padded p on both sides.
    public static func causal(
        inChannels: Int, outChannels: Int, kernel: (t: Int, h: Int, w: Int),
        stride: (t: Int, h: Int, w: Int) = (1, 1, 1), padding: (t: Int, h: Int, w: Int) = (0, 0, 0)
    ) -> Conv3DGeometry {
        Conv3DGeometry(
            inChannels: inChannels, outChannels: outChannels, kernel: kernel, stride: stride,
            timePadding: 2 * padding.t, padTop: padding.h, padBottom: padding.h,
            padLeft: padding.w, padRight: padding.w)
    }

    /// Reduction depth of one time tap: Cin·kh·kw.
    @inlinable public var tapDepth: Int { inChannels * kernelH * kernelW }
    /// Columns of the packed weight: kt·Cin·kh·kw.
    @inlinable public var packedDepth: Int { kernelT * tapDepth }

    /// Zero frames actually padded when `cacheFrames` frames of cache precede the input.
    /// As in diffusers, a cache only replaces padding (kernels without time padding ignore it).
    @inlinable public func zeroFrames(cacheFrames: Int) -> Int {
        timePadding > 0 ? max(0, timePadding - cacheFrames) : 0
    }

    /// Cache frames actually used (none when the kernel has no time padding).
    @inlinable public func usedCacheFrames(_ cacheFrames: Int) -> Int {
        timePadding > 0 ? min(cacheFrames, timePadding) : 0
    }

    /// Output (T, H, W) for an input of (frames, height, width) after `cacheFrames` of cache.
    @inlinable
    public func outputSize(frames: Int, height: Int, width: Int, cacheFrames: Int = 0)
        -> (t: Int, h: Int, w: Int)
    {
        let paddedT = zeroFrames(cacheFrames: cacheFrames) + usedCacheFrames(cacheFrames) + frames
        let paddedH = height + padTop + padBottom, paddedW = width + padLeft + padRight
        return (
            paddedT >= kernelT ? (paddedT - kernelT) / strideT + 1 : 0,
            paddedH >= kernelH ? (paddedH - kernelH) / strideH + 1 : 0,
            paddedW >= kernelW ? (paddedW - kernelW) / strideW + 1 : 0
        )
    }
}

// MARK: - Weight packing

extension Conv3DGeometry {
    /// Whether the kernel reads rows of height in place from a horizontally unrolled tile
    /// (stride 1 in height, kernel taller than 1): one GEMM per kernel row `a` instead of a
    /// full im2col, so a third of the copying for 3x3 kernels.
    @inlinable var usesRowShift: Bool { strideH == 1 && kernelH > 1 }
}

/// Packs a PyTorch `Conv3d` weight (Cout, Cin, kt, kh, kw) (or `Conv2d` (Cout, Cin, kh, kw)
/// for kt = 1) into the layout `conv3dForward` reads for this geometry, (Cout, kt·Cin·kh·kw)
/// elements: (Cout, kh, kt, Cin, kw) when `usesRowShift`, else (Cout, kt, Cin, kh, kw). The
/// layout is the kernel's business: always pack with the geometry you run with.
public func conv3dPackWeight(
    _ weight: UnsafePointer<Float>, geometry g: Conv3DGeometry, into packed: UnsafeMutablePointer<Float>
) {
    let (kt, kh, kw, cin) = (g.kernelT, g.kernelH, g.kernelW, g.inChannels)
    for co in 0..<g.outChannels {
        for ci in 0..<cin {
            for tap in 0..<kt {
                for a in 0..<kh {
                    for b in 0..<kw {
                        let src = weight[(((co * cin + ci) * kt + tap) * kh + a) * kw + b]
                        let column = g.usesRowShift
                            ? ((a * kt + tap) * cin + ci) * kw + b
                            : ((tap * cin + ci) * kh + a) * kw + b
                        packed[co * g.packedDepth + column] = src
                    }
                }
            }
        }
    }
}

// MARK: - Forward

/// Causal 3D convolution, NCTHW.
///
/// - input:  (B, Cin, T, H, W)
/// - cache:  (B, Cin, Tc, H, W) or nil: the previous chunk's last frames, which take the place
///           of the first Tc zero frames of time padding (diffusers' `cache_x`)
/// - packed: (Cout, kt·Cin·kh·kw), from `conv3dPackWeight`
/// - bias:   (Cout) or nil
/// - output: (B, Cout, To, Ho, Wo) with (To, Ho, Wo) = `geometry.outputSize(...)`
public func conv3dForward(
    input: UnsafePointer<Float>, batch: Int, frames: Int, height: Int, width: Int,
    cache: UnsafePointer<Float>?, cacheFrames: Int,
    packed: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
    geometry g: Conv3DGeometry, output: UnsafeMutablePointer<Float>
) {
    let usedCache = cache == nil ? 0 : g.usedCacheFrames(cacheFrames)
    let zeros = g.zeroFrames(cacheFrames: usedCache)
    let (outT, outH, outW) = g.outputSize(frames: frames, height: height, width: width, cacheFrames: usedCache)
    if outT == 0 || outH == 0 || outW == 0 || batch == 0 { return }
    let source = FrameSource(
        input: input, frames: frames, cache: cache, cacheFrames: cacheFrames, usedCache: usedCache,
        channels: g.inChannels, planeSize: height * width)

    let pointwise = g.kernelH == 1 && g.kernelW == 1 && g.strideH == 1 && g.strideW == 1
        && g.padTop == 0 && g.padBottom == 0 && g.padLeft == 0 && g.padRight == 0
    if pointwise {
        conv3dPointwise(
            source: source, batch: batch, plane: height * width, zeros: zeros,
            outT: outT, packed: packed, bias: bias, geometry: g, output: output)
    } else if g.usesRowShift {
        conv3dRowShift(
            source: source, batch: batch, height: height, width: width, zeros: zeros,
            outT: outT, outH: outH, outW: outW, packed: packed, bias: bias, geometry: g,
            output: output)
    } else {
        conv3dTiled(
            source: source, batch: batch, height: height, width: width, zeros: zeros,
            outT: outT, outH: outH, outW: outW, packed: packed, bias: bias, geometry: g,
            output: output)
    }
}

/// Bytes of unrolled input one tile may use (per thread); sized to stay in L2/L3.
nonisolated(unsafe) public var conv3dTileBudgetBytes = 3 << 20

// MARK: - Implementation

/// Where real frame r (cache first, then input) of batch b, channel ci lives.
@usableFromInline
struct FrameSource {
    let input: UnsafePointer<Float>
    let frames: Int
    let cache: UnsafePointer<Float>?
    let cacheFrames: Int
    /// The last `usedCache` cache frames are read.
    let usedCache: Int
    let channels: Int
    let planeSize: Int

    var realFrames: Int { usedCache + frames }

    /// Plane (H, W) of real frame r, batch b, channel ci; the stride between channels of the
    /// same frame is `channelStride(r)`.
    @inline(__always)
    func plane(batch b: Int, channel ci: Int, frame r: Int) -> UnsafePointer<Float> {
        if r < usedCache {
            let t = cacheFrames - usedCache + r
            return cache! + ((b * channels + ci) * cacheFrames + t) * planeSize
        }
        return input + ((b * channels + ci) * frames + (r - usedCache)) * planeSize
    }

    @inline(__always)
    func channelStride(frame r: Int) -> Int {
        (r < usedCache ? cacheFrames : frames) * planeSize
    }
}

/// kh = kw = 1, no spatial padding or stride: the input planes are the GEMM's B matrix as they
/// lie in memory; one GEMM per (output frame, time tap), accumulated.
private func conv3dPointwise(
    source: FrameSource, batch: Int, plane: Int, zeros: Int, outT: Int,
    packed: UnsafePointer<Float>, bias: UnsafePointer<Float>?, geometry g: Conv3DGeometry,
    output: UnsafeMutablePointer<Float>
) {
    let cout = g.outChannels, cin = g.inChannels
    let outBatchStride = cout * outT * plane
    for b in 0..<batch {
        let out = output + b * outBatchStride
        // One GEMM over every frame when each output frame reads exactly its input frame.
        if g.kernelT == 1 && g.strideT == 1 && source.usedCache == 0 && zeros == 0 {
            fillBias(out, rows: cout, columns: outT * plane, ld: outT * plane, bias: bias)
            BLAS.sgemm(
                m: cout, n: outT * plane, k: cin, a: packed, lda: g.packedDepth,
                b: source.plane(batch: b, channel: 0, frame: 0), ldb: source.frames * plane,
                beta: bias == nil ? 0 : 1, c: out, ldc: outT * plane)
            continue
        }
        for to in 0..<outT {
            let c = out + to * plane
            fillBias(c, rows: cout, columns: plane, ld: outT * plane, bias: bias)
            for tap in 0..<g.kernelT {
                let padded = to * g.strideT + tap
                if padded < zeros { continue }
                let r = padded - zeros
                BLAS.sgemm(
                    m: cout, n: plane, k: cin, a: packed + tap * cin, lda: g.packedDepth,
                    b: source.plane(batch: b, channel: 0, frame: r), ldb: source.channelStride(frame: r),
                    beta: 1, c: c, ldc: outT * plane)
            }
        }
    }
}

/// Rows of C (ld apart) set to the bias, or to zero.
@inline(__always)
private func fillBias(_ c: UnsafeMutablePointer<Float>, rows: Int, columns: Int, ld: Int, bias: UnsafePointer<Float>?) {
    for row in 0..<rows {
        (c + row * ld).update(repeating: bias?[row] ?? 0, count: columns)
    }
}

/// Tiles of output rows shared by the two unrolling paths: as many rows per tile as the byte
/// budget allows, enough tiles to keep every thread busy, one unroll buffer per thread.
private struct OutputRowTiles {
    let batch: Int, outT: Int, outH: Int, outW: Int
    let rowsPerTile: Int
    let tilesPerBatch: Int

    /// `bytesPerRow`: unrolled input per output row; `haloRows`: rows every tile unrolls on
    /// top of its own (kernel height − 1 for the row-shift path).
    init(batch: Int, outT: Int, outH: Int, outW: Int, bytesPerRow: Int, haloRows: Int) {
        self.batch = batch
        self.outT = outT
        self.outH = outH
        self.outW = outW
        var rows = max(1, conv3dTileBudgetBytes / bytesPerRow - haloRows)
        let tilesWanted = batch * outH >= Threads.count ? Threads.count : 1
        let perBatch = max(1, (tilesWanted + batch - 1) / batch)
        rows = min(rows, max(1, (outH + perBatch - 1) / perBatch))
        rowsPerTile = rows
        tilesPerBatch = (outH + rows - 1) / rows
    }

    /// For each tile across the thread pool: `unroll(b, y0, rows, buffer)` fills the thread's
    /// buffer (`bufferCount` floats) from sample b's output rows y0 ..< y0 + rows; then, for
    /// each output frame, its (Cout, rows·outW) block of `output` (row stride outT·outH·outW)
    /// is set to the bias and `gemm(c, n, r, skipped, buffer)` accumulates into it, `r` being
    /// the first real input frame read and `skipped` the taps on the `zeros` padding frames
    /// (frames whose taps all fall on padding keep the bias alone).
    func run(
        geometry g: Conv3DGeometry, zeros: Int, bias: UnsafePointer<Float>?,
        output: UnsafeMutablePointer<Float>, bufferCount: Int,
        unroll: (_ b: Int, _ y0: Int, _ rows: Int, _ buffer: UnsafeMutablePointer<Float>) -> Void,
        gemm: (_ c: UnsafeMutablePointer<Float>, _ n: Int, _ r: Int, _ skipped: Int, _ buffer: UnsafePointer<Float>) -> Void
    ) {
        let outPlane = outH * outW
        let ldc = outT * outPlane
        let outBatchStride = g.outChannels * ldc
        Threads.parallelFor(batch * tilesPerBatch, singleThreadedBLAS: true, scratch: bufferCount) { range, buffer in
            for tile in range {
                let b = tile / tilesPerBatch
                let y0 = (tile % tilesPerBatch) * rowsPerTile
                let rows = min(rowsPerTile, outH - y0)
                let n = rows * outW
                unroll(b, y0, rows, buffer)
                let c0 = output + b * outBatchStride + y0 * outW
                for to in 0..<outT {
                    let c = c0 + to * outPlane
                    fillBias(c, rows: g.outChannels, columns: n, ld: ldc, bias: bias)
                    let firstPadded = to * g.strideT
                    let skipped = max(0, zeros - firstPadded)  // taps on zero padding
                    if skipped >= g.kernelT { continue }
                    gemm(c, n, firstPadded + skipped - zeros, skipped, buffer)
                }
            }
        }
    }
}

/// General case: tiles of output rows, spatial im2col per input frame, one GEMM per output frame.
private func conv3dTiled(
    source: FrameSource, batch: Int, height: Int, width: Int, zeros: Int,
    outT: Int, outH: Int, outW: Int, packed: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
    geometry g: Conv3DGeometry, output: UnsafeMutablePointer<Float>
) {
    let tapDepth = g.tapDepth
    // Real frames that some output frame reads.
    let lastPadded = (outT - 1) * g.strideT + g.kernelT - 1
    let realUsed = max(0, min(source.realFrames, lastPadded - zeros + 1))
    let bytesPerRow = max(1, realUsed) * tapDepth * outW * MemoryLayout<Float>.size
    let tiles = OutputRowTiles(batch: batch, outT: outT, outH: outH, outW: outW, bytesPerRow: bytesPerRow, haloRows: 0)
    let ldc = outT * outH * outW

    tiles.run(
        geometry: g, zeros: zeros, bias: bias, output: output,
        bufferCount: max(1, realUsed) * tapDepth * tiles.rowsPerTile * outW,
        unroll: { b, y0, rows, buffer in
            // Every real frame this tile reads: rows (frame, ci, a, b) of n columns.
            let n = rows * outW
            for r in 0..<realUsed {
                for ci in 0..<g.inChannels {
                    im2colPlane(
                        source.plane(batch: b, channel: ci, frame: r), height: height, width: width,
                        y0: y0, rows: rows, outW: outW, geometry: g,
                        into: buffer + (r * g.inChannels + ci) * g.kernelH * g.kernelW * n, ld: n)
                }
            }
        },
        gemm: { c, n, r, skipped, buffer in
            BLAS.sgemm(
                m: g.outChannels, n: n, k: (g.kernelT - skipped) * tapDepth,
                a: packed + skipped * tapDepth, lda: g.packedDepth,
                b: buffer + r * tapDepth * n, ldb: n,
                beta: 1, c: c, ldc: ldc)
        })
}

/// Stride 1 in height: each input plane is unrolled in width only (kw shifted copies of the
/// tile's rows plus kh − 1 halo rows), and kernel row `a` reads that buffer `a` rows down, in
/// place. Rows (frame, ci, b) of the buffer are `rowStride` apart, so for output frame `to`
/// and kernel row `a` the GEMM's B is the contiguous block of rows (to..to+kt, ci, b) at
/// offset a·outW: kh GEMMs of depth kt·Cin·kw per output frame, accumulated.
private func conv3dRowShift(
    source: FrameSource, batch: Int, height: Int, width: Int, zeros: Int,
    outT: Int, outH: Int, outW: Int, packed: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
    geometry g: Conv3DGeometry, output: UnsafeMutablePointer<Float>
) {
    let (kt, kh, kw, cin) = (g.kernelT, g.kernelH, g.kernelW, g.inChannels)
    let lastPadded = (outT - 1) * g.strideT + kt - 1
    let realUsed = max(0, min(source.realFrames, lastPadded - zeros + 1))
    let rowsDepth = cin * kw                 // buffer rows per frame
    let gemmDepth = kt * rowsDepth           // K of one GEMM (one kernel row a)

    // Output rows per tile: within the byte budget (halo included).
    let bytesPerRow = max(1, realUsed) * rowsDepth * outW * MemoryLayout<Float>.size
    let tiles = OutputRowTiles(batch: batch, outT: outT, outH: outH, outW: outW, bytesPerRow: bytesPerRow, haloRows: kh - 1)
    let ldc = outT * outH * outW
    let rowStride = (tiles.rowsPerTile + kh - 1) * outW

    tiles.run(
        geometry: g, zeros: zeros, bias: bias, output: output,
        bufferCount: max(1, realUsed) * rowsDepth * rowStride,
        unroll: { b, y0, rows, buffer in
            // Input rows y0 − padTop ..< y0 − padTop + rows + kh − 1, unrolled in width.
            for r in 0..<realUsed {
                for ci in 0..<cin {
                    unrollRows(
                        source.plane(batch: b, channel: ci, frame: r), height: height, width: width,
                        firstRow: y0 - g.padTop, rows: rows + kh - 1, outW: outW, geometry: g,
                        into: buffer + (r * cin + ci) * kw * rowStride, rowStride: rowStride)
                }
            }
        },
        gemm: { c, n, r, skipped, buffer in
            for a in 0..<kh {
                BLAS.sgemm(
                    m: g.outChannels, n: n, k: (kt - skipped) * rowsDepth,
                    a: packed + a * gemmDepth + skipped * rowsDepth, lda: g.packedDepth,
                    b: buffer + r * rowsDepth * rowStride + a * outW, ldb: rowStride,
                    beta: 1, c: c, ldc: ldc)
            }
        })
}

/// Output columns x whose input column x·stride + shift lies inside [0, width): xLo...xHi
/// (empty when xHi < xLo).
@inline(__always)
private func validColumns(shift: Int, stride sw: Int, width: Int, outW: Int) -> (Int, Int) {
    let xLo = shift >= 0 ? 0 : (-shift + sw - 1) / sw
    let xHiRaw = width - 1 - shift  // largest x·sw allowed
    return (xLo, xHiRaw < 0 ? -1 : min(outW - 1, xHiRaw / sw))
}

/// One im2col row: out[x] = src[x·stride] for x in xLo...xHi, zeros elsewhere; all zeros
/// when `src` is nil (an input row in the padding).
@inline(__always)
private func gatherRow(
    into out: UnsafeMutablePointer<Float>, from src: UnsafePointer<Float>?, xLo: Int, xHi: Int, stride sw: Int, outW: Int
) {
    guard let src, xHi >= xLo else {
        out.update(repeating: 0, count: outW)
        return
    }
    if xLo > 0 { out.update(repeating: 0, count: xLo) }
    if sw == 1 {
        (out + xLo).update(from: src + xLo, count: xHi - xLo + 1)
    } else {
        var x = xLo
        while x <= xHi {
            out[x] = src[x * sw]
            x += 1
        }
    }
    if xHi < outW - 1 { (out + xHi + 1).update(repeating: 0, count: outW - 1 - xHi) }
}

/// Width-only im2col of `rows` input rows starting at `firstRow` (rows outside the plane are
/// zeros): kw rows of rows·outW columns, `rowStride` apart, row b holding the inputs at
/// x·strideW + b − padLeft.
@inline(__always)
private func unrollRows(
    _ plane: UnsafePointer<Float>, height: Int, width: Int, firstRow: Int, rows: Int, outW: Int,
    geometry g: Conv3DGeometry, into dst: UnsafeMutablePointer<Float>, rowStride: Int
) {
    let sw = g.strideW
    for bb in 0..<g.kernelW {
        let row = dst + bb * rowStride
        let shift = bb - g.padLeft
        let (xLo, xHi) = validColumns(shift: shift, stride: sw, width: width, outW: outW)
        for yy in 0..<rows {
            let iy = firstRow + yy
            gatherRow(into: row + yy * outW, from: iy >= 0 && iy < height ? plane + iy * width + shift : nil,
                      xLo: xLo, xHi: xHi, stride: sw, outW: outW)
        }
    }
}

/// Spatial im2col of one (H, W) plane for output rows y0..<y0+rows: kh·kw rows of
/// rows·outW columns, `ld` apart, zeros where the kernel reads padding.
@inline(__always)
private func im2colPlane(
    _ plane: UnsafePointer<Float>, height: Int, width: Int, y0: Int, rows: Int, outW: Int,
    geometry g: Conv3DGeometry, into dst: UnsafeMutablePointer<Float>, ld: Int
) {
    let sh = g.strideH, sw = g.strideW
    for a in 0..<g.kernelH {
        for bb in 0..<g.kernelW {
            let row = dst + (a * g.kernelW + bb) * ld
            // Output columns x whose input column x·sw + bb - padLeft lies inside [0, width).
            let shift = bb - g.padLeft
            let (xLo, xHi) = validColumns(shift: shift, stride: sw, width: width, outW: outW)
            for yy in 0..<rows {
                let iy = (y0 + yy) * sh + a - g.padTop
                gatherRow(into: row + yy * outW, from: iy >= 0 && iy < height ? plane + iy * width + shift : nil,
                          xLo: xLo, xHi: xHi, stride: sw, outW: outW)
            }
        }
    }
}
