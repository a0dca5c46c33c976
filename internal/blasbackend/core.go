package blasbackend

import (
	"strings"

	"golang.org/x/sys/cpu"
)

// Features are the CPU features that decide which OpenBLAS kernels this CPU
// can run. x/sys/cpu reports AVX, AVX2 and AVX-512 only when the operating
// system also saves the corresponding register state (XCR0), so a feature
// reported here is one a kernel may use.
type Features struct {
	AVX, AVX2, FMA                        bool
	AVX512F, AVX512BW, AVX512DQ, AVX512VL bool
}

// CPUFeatures returns this CPU's features (all false off amd64).
func CPUFeatures() Features {
	return Features{
		AVX: cpu.X86.HasAVX, AVX2: cpu.X86.HasAVX2, FMA: cpu.X86.HasFMA,
		AVX512F: cpu.X86.HasAVX512F, AVX512BW: cpu.X86.HasAVX512BW,
		AVX512DQ: cpu.X86.HasAVX512DQ, AVX512VL: cpu.X86.HasAVX512VL,
	}
}

// DetectCore returns the best OpenBLAS core (an OPENBLAS_CORETYPE value)
// this CPU supports judging by its features: "SkylakeX" with
// AVX-512F/BW/DQ/VL, "Haswell" with AVX2 and FMA, else "" (no opinion: the
// SSE/AVX-only cores are left to OpenBLAS). It does not depend on the BLAS
// backend the binary is linked to.
func DetectCore() string { return detectCore(CPUFeatures()) }

func detectCore(f Features) string {
	switch {
	case f.AVX512F && f.AVX512BW && f.AVX512DQ && f.AVX512VL && f.AVX2 && f.FMA:
		return "SkylakeX"
	case f.AVX2 && f.FMA:
		return "Haswell"
	}
	return ""
}

// GenericCores are the OpenBLAS cores (names as openblas_get_corename
// returns them, compared case-insensitively) treated as generic fallbacks:
// pre-AVX kernels (SSE/SSE2/SSE3) that OpenBLAS's DYNAMIC_ARCH build selects
// when it does not recognise a CPU — Debian's 0.3.21 picks "Prescott" on
// Xeons newer than it — or that only suit very old CPUs. On a CPU with AVX2
// or AVX-512 they are 3–8× slower than the native kernels.
var GenericCores = []string{
	"Unknown", "generic", "Katmai", "Coppermine", "Northwood", "Prescott", "Banias",
	"Atom", "Core2", "Penryn", "Dunnington", "Nehalem",
	"Athlon", "Opteron", "Opteron_SSE3", "Barcelona", "Bobcat", "Nano",
}

// coreTiers ranks the x86-64 OpenBLAS cores of 0.3.21 by the instruction set
// of their DGEMM kernels: 0 generic (GenericCores), 1 AVX, 2 AVX2+FMA,
// 3 AVX-512. Names not listed (other architectures, cores newer than this
// table) have no tier and are never replaced automatically.
var coreTiers = func() map[string]int {
	m := map[string]int{}
	for _, c := range GenericCores {
		m[normCore(c)] = 0
	}
	for _, c := range []string{"Sandybridge", "Bulldozer", "Piledriver", "Steamroller"} {
		m[normCore(c)] = 1
	}
	for _, c := range []string{"Haswell", "Excavator", "Zen"} {
		m[normCore(c)] = 2
	}
	for _, c := range []string{"SkylakeX", "Cooperlake", "SapphireRapids"} {
		m[normCore(c)] = 3
	}
	return m
}()

// normCore lower-cases a core name and drops everything but letters and
// digits, so "Opteron(SSE3)", "opteron_sse3" and "OPTERON-SSE3" compare equal.
func normCore(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// IsGenericCore reports whether name is one of GenericCores.
func IsGenericCore(name string) bool {
	t, ok := coreTiers[normCore(name)]
	return ok && t == 0
}

// CoreTier returns the instruction-set tier of an OpenBLAS core (0 generic,
// 1 AVX, 2 AVX2+FMA, 3 AVX-512) and whether the name is known.
func CoreTier(name string) (int, bool) {
	t, ok := coreTiers[normCore(name)]
	return t, ok
}

// betterCore reports whether detected runs wider kernels than chosen: both
// names known and detected's tier above chosen's. A generic fallback is
// always below a detected core; so is, for example, Haswell (AVX2) on a CPU
// with AVX-512.
func betterCore(chosen, detected string) bool {
	tc, okc := CoreTier(chosen)
	td, okd := CoreTier(detected)
	return okc && okd && tc < td
}
