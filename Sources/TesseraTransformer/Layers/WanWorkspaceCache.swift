// Reuse of forward-pass scratch memory between sampling steps.

import Foundation

/// Keeps the last workspace a forward pass released, so that the next pass of the same shape
/// (every sampling step) reuses its memory instead of mapping and faulting in fresh pages.
final class WanWorkspaceCache: @unchecked Sendable {
    private let lock = NSLock()
    private var spare: WanForwardWorkspace?

    /// A workspace for (batch, tokens): the spare one if it fits, else a new one.
    func take(batch: Int, tokens: Int, dim: Int, ffnDim: Int) -> WanForwardWorkspace {
        lock.lock()
        defer { lock.unlock() }
        if let spare, spare.batch == batch, spare.tokens == tokens {
            self.spare = nil
            return spare
        }
        return WanForwardWorkspace(batch: batch, tokens: tokens, dim: dim, ffnDim: ffnDim)
    }

    /// Hands a workspace back for the next pass.
    func give(_ workspace: WanForwardWorkspace) {
        lock.lock()
        defer { lock.unlock() }
        spare = workspace
    }
}
