package datasets

import (
	"fmt"
	"slices"
	"strings"
)

// DengCaiURL is the page of Deng Cai's "Popular Data Sets in MATLAB Format",
// the original distribution of the 32×32 MATLAB datasets.
const DengCaiURL = "http://www.cad.zju.edu.cn/home/dengcai/Data/data.html"

// Info describes a registered dataset.
type Info struct {
	Name     string // registry name, e.g. "COIL20"
	File     string // file name in the data directory; empty for synthetic data
	SHA256   string // expected SHA-256 of File (hex); for synthetic data, of its configuration
	Samples  int    // number of samples n
	Features int    // number of features d = Height*Width
	Classes  int    // number of classes
	Height   int    // image height in pixels
	Width    int    // image width in pixels
	// PerClass describes the class sizes, e.g. "72" or "59 to 64".
	PerClass string
	// Values describes the raw value range, e.g. "[0, 1]" or "integers 0..255".
	Values string
	// Description says what the images are.
	Description string
	// Source says where the public copy comes from.
	Source string
	// Synthetic is non-nil for generated datasets; Load calls Synthetic with it.
	Synthetic *SyntheticConfig
}

// IsSynthetic reports whether the dataset is generated rather than read from a file.
func (in Info) IsSynthetic() bool { return in.Synthetic != nil }

// sourceOf is the Source text of a file from Deng Cai's collection.
func sourceOf(copyAt string) string {
	return `Deng Cai's "Popular Data Sets in MATLAB Format", ` + DengCaiURL + "; public copy used: " + copyAt
}

// registry returns the registered datasets in display order. It builds a
// fresh slice on each call so no caller can alter the registry.
func registry() []Info {
	files := []Info{
		{
			Name: "COIL20", File: "COIL20.mat",
			SHA256:  "2a35c105dbb327492b90389e55612bcbf39187bc7c408252239903e4ce7d6958",
			Samples: 1440, Features: 1024, Classes: 20, Height: 32, Width: 32, PerClass: "72",
			Values:      "[0, 1] (multiples of 1/4080, stored as miDOUBLE)",
			Description: "Columbia Object Image Library: 20 objects on a turntable, 72 views each at 5-degree steps",
			Source:      sourceOf("GitHub panji530/Deep-subspace-clustering-networks, Data/COIL20.mat"),
		},
		{
			Name: "PIE_pose27", File: "PIE_pose27.mat",
			SHA256:  "035fdd73d5f4234d958b3c88f20bd8aae3871080246139896a23e61487134680",
			Samples: 2856, Features: 1024, Classes: 68, Height: 32, Width: 32, PerClass: "42",
			Values:      "integers 0..255 (stored as miUINT8)",
			Description: "CMU PIE faces, near-frontal pose C27 under varying illumination: 68 subjects",
			Source:      sourceOf("GitHub hiroyuki-kasai/NMFLibrary, data/PIE_pose27.mat"),
		},
		{
			Name: "ORL_32x32", File: "ORL_32x32.mat",
			SHA256:  "c30cb53be2cab2da293eaeb35c1a7c16cad513fa14d0400ad5ed51f03e1ce7c8",
			Samples: 400, Features: 1024, Classes: 40, Height: 32, Width: 32, PerClass: "10",
			Values:      "integers 2..235 (stored as miUINT8)",
			Description: "AT&T / Olivetti Research Laboratory faces: 40 subjects",
			Source:      sourceOf("GitHub panji530/Deep-subspace-clustering-networks, Data/ORL_32x32.mat"),
		},
		{
			Name: "Yale_32x32", File: "Yale_32x32.mat",
			SHA256:  "beb3cc9f448c1ab786583c8f5429368c299843ee88263f9650ed463004ef7633",
			Samples: 165, Features: 1024, Classes: 15, Height: 32, Width: 32, PerClass: "11",
			Values:      "integers 0..255 (stored as miUINT8)",
			Description: "Yale Face Database: 15 subjects under varying expression and lighting",
			Source:      sourceOf("GitHub ma-xu/ORL3, Yale_32x32.mat"),
		},
		{
			Name: "YaleB_32x32", File: "YaleB_32x32.mat",
			SHA256:  "3fbbda4eb781b9bb28025189677b6727706e114eb0215bbfd718f1f4fcb54b99",
			Samples: 2414, Features: 1024, Classes: 38, Height: 32, Width: 32, PerClass: "59 to 64",
			Values:      "integers 0..255 (stored as miUINT8)",
			Description: "Extended Yale Face Database B, cropped: 38 subjects under varying illumination",
			Source:      sourceOf("GitHub tansyab1/CNN-Sparse, data/YaleB_32x32_ori.mat (renamed)"),
		},
	}
	for _, cfg := range append(syntheticPresets(), manifoldPresets()...) {
		files = append(files, cfg.info())
	}
	return files
}

// Names returns the names of all registered datasets, files first, then
// synthetic ones.
func Names() []string {
	var out []string
	for _, in := range registry() {
		out = append(out, in.Name)
	}
	return out
}

// All returns the descriptions of all registered datasets.
func All() []Info { return registry() }

// Lookup returns the registered dataset whose name matches name, ignoring
// case.
func Lookup(name string) (Info, error) {
	for _, in := range registry() {
		if strings.EqualFold(in.Name, name) {
			return in, nil
		}
	}
	names := Names()
	slices.Sort(names)
	return Info{}, fmt.Errorf("unknown dataset %q; known datasets: %s", name, strings.Join(names, ", "))
}
