// The sigma arithmetic the flow-matching schedulers share, computed in Float64 exactly as
// diffusers 0.42.1 does it in NumPy before casting to float32:
//   numpy.linspace (numpy/_core/function_base.py): start + i * ((stop - start) / (num - 1)),
//     the last element set to `stop`;
//   the timestep shift  s' = shift * s / (1 + (shift - 1) * s)  (SD3 / Wan "flow shift");
//   stretch_shift_to_terminal (schedulers/scheduling_flow_match_euler_discrete.py).

// MARK: - FlowSigmas

/// Float64 helpers that reproduce diffusers' NumPy schedule arithmetic bit for bit.
public enum FlowSigmas {
    /// `numpy.linspace(start, stop, count)` with `endpoint=True`.
    public static func linspace(_ start: Double, _ stop: Double, _ count: Int) -> [Double] {
        guard count > 0 else { return [] }
        guard count > 1 else { return [start] }
        let step = (stop - start) / Double(count - 1)
        var values = (0..<count).map { Double($0) * step + start }
        values[count - 1] = stop
        return values
    }

    /// The timestep shift: `shift * s / (1 + (shift - 1) * s)`. Maps 1 to 1 and 0 to 0 and,
    /// for shift > 1, spends more of the schedule at high noise.
    public static func shifted(_ sigma: Double, shift: Double) -> Double {
        shift * sigma / (1 + (shift - 1) * sigma)
    }

    /// diffusers' `stretch_shift_to_terminal`: rescales `1 - s` so that the last sigma equals
    /// `terminal`.
    public static func stretchedToTerminal(_ sigmas: [Double], terminal: Double) -> [Double] {
        guard let last = sigmas.last else { return sigmas }
        let scale = (1 - last) / (1 - terminal)
        return sigmas.map { 1 - (1 - $0) / scale }
    }
}
