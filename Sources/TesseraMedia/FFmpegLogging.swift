// How much FFmpeg itself prints. Tessera reports FFmpeg's errors in its own messages, so by
// default FFmpeg is silent.

import CFFmpegShim

/// FFmpeg's own stderr output level.
public enum FFmpegLogging {
    case silent
    case warnings
    case verbose

    /// Sets FFmpeg's log level for the whole process (e.g. `.verbose` under `--verbose`).
    public static func set(_ level: FFmpegLogging) {
        switch level {
        case .silent: tv_set_log_level(0)
        case .warnings: tv_set_log_level(1)
        case .verbose: tv_set_log_level(2)
        }
    }
}
