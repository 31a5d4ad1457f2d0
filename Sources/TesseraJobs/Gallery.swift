// OUT/index.html: a gallery page of a batch, every clip playing with its prompt and
// parameters. Written atomically; it references the clips by relative path, so OUT can be
// copied or served as is. A small script marks each clip's figure once its video has loaded
// its metadata (`data-state="ready"`) or failed (`data-state="error"`, with a visible note),
// and counts them on <main> (`data-ready`, `data-errors`, `data-state="settled"` when every
// video has one or the other): users see which clips cannot play, and tests read the states
// from the page as a browser rendered it.

import Foundation
import TesseraMedia

// MARK: - Gallery

public enum Gallery {
    public static let fileName = "index.html"

    /// The page for `entries` (done items play; failed ones show their error).
    public static func html(_ entries: [ManifestEntry]) -> String {
        let sorted = entries.sorted { $0.index < $1.index }
        let done = sorted.filter { $0.status == .done }.count
        let videos = sorted.filter { $0.status == .done && $0.clip.map { !$0.hasSuffix(".gif") } == true }.count
        var body = ""
        for e in sorted {
            let params = "seed \(e.seed) · \(e.width)×\(e.height) · \(e.frames) frames @ \(e.fps) fps · \(e.steps) steps · guidance \(format(e.guidance))"
            let isVideo = e.status == .done && e.clip.map { !$0.hasSuffix(".gif") } == true
            body += "<figure id=\"item-\(e.index)\" class=\"\(e.status.rawValue)\"\(isVideo ? " data-state=\"loading\"" : "")>\n"
            if e.status == .done, let clip = e.clip {
                let src = escape(pathEscape(clip))
                if !isVideo {
                    body += "  <img src=\"\(src)\" alt=\"\(escape(e.prompt))\">\n"
                } else {
                    body += "  <video src=\"\(src)\" controls loop muted autoplay playsinline preload=\"metadata\"></video>\n"
                }
            } else {
                body += "  <div class=\"error\">failed: \(escape(e.error ?? "unknown error"))</div>\n"
            }
            body += "  <figcaption><b>#\(e.index)\(e.id.map { " " + escape($0) } ?? "")</b> \(escape(e.prompt))<br><small>\(escape(params))</small></figcaption>\n"
            body += "</figure>\n"
        }
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>Tessera batch: \(done) of \(sorted.count) done</title>
            <style>
            body { font-family: system-ui, sans-serif; margin: 1em; background: #111; color: #eee; }
            main { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 1em; }
            figure { margin: 0; background: #222; padding: .5em; border-radius: 6px; }
            video, img { width: 100%; image-rendering: pixelated; background: #000; }
            figure.failed, figure[data-state="error"] { outline: 2px solid #c33; }
            .error { color: #f88; font-family: monospace; white-space: pre-wrap; }
            small { color: #aaa; }
            </style>
            </head>
            <body>
            <h1>Tessera batch: \(done) of \(sorted.count) done</h1>
            <main data-videos="\(videos)" data-ready="0" data-errors="0" data-state="\(videos == 0 ? "settled" : "loading")">
            \(body)</main>
            <script>
            \(script)
            </script>
            </body>
            </html>

            """
    }

    /// Marks each video's figure ready (metadata loaded) or error (with a note) and counts
    /// them on <main>. Runs after the videos are in the page, so it also checks the state
    /// each one already reached before the listeners were added.
    static let script = """
        (function () {
          var main = document.querySelector("main");
          var videos = Array.prototype.slice.call(document.querySelectorAll("main video"));
          function count() {
            var ready = 0, errors = 0;
            videos.forEach(function (v) {
              var s = v.parentNode.getAttribute("data-state");
              if (s === "ready") ready++; else if (s === "error") errors++;
            });
            main.setAttribute("data-ready", ready);
            main.setAttribute("data-errors", errors);
            main.setAttribute("data-state", ready + errors === videos.length ? "settled" : "loading");
          }
          function ready(v) {
            if (v.parentNode.getAttribute("data-state") !== "loading") return;
            v.parentNode.setAttribute("data-state", "ready");
            count();
          }
          function failed(v) {
            var figure = v.parentNode;
            if (figure.getAttribute("data-state") === "error") return;
            figure.setAttribute("data-state", "error");
            var note = document.createElement("div");
            note.className = "error";
            var code = v.error ? " (media error " + v.error.code + (v.error.message ? ": " + v.error.message : "") + ")" : "";
            note.textContent = "could not play " + v.getAttribute("src") + code;
            figure.insertBefore(note, v.nextSibling);
            count();
          }
          videos.forEach(function (v) {
            v.addEventListener("loadedmetadata", function () { ready(v); });
            v.addEventListener("error", function () { failed(v); });
            if (v.error) failed(v); else if (v.readyState >= 1) ready(v);
          });
          count();
        })();
        """

    /// Writes `OUT/index.html` atomically.
    public static func write(_ entries: [ManifestEntry], to out: URL) throws {
        try AtomicFile.write(Data(html(entries).utf8), to: out.appendingPathComponent(fileName))
    }

    static func format(_ x: Double) -> String {
        x == x.rounded() ? String(Int(x)) : String(x)
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    /// Percent-encodes each path component (folder names are slugs, but be safe).
    static func pathEscape(_ path: String) -> String {
        path.split(separator: "/").map {
            $0.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#"))) ?? String($0)
        }.joined(separator: "/")
    }
}
