// Package all imports every built-in method for its registration, the way
// image/png registers a format: a program that imports it (runexp does) can
// name any of them in a spec. Adding a method to nmfbench is one new package
// plus one import line here.
package all

import (
	_ "nmfbench/baselines/gnmf"     // GNMF
	_ "nmfbench/baselines/kmeans"   // Kmeans
	_ "nmfbench/baselines/ncp"      // NCP, GNCP
	_ "nmfbench/baselines/nmf"      // NMF (Frobenius, KL)
	_ "nmfbench/baselines/sdnmf"    // SDNMF
	_ "nmfbench/baselines/spectral" // Spectral (the sample graph alone)
	_ "nmfbench/methods/external"   // External (a program in any language)
	_ "nmfbench/methods/gwntf"      // GWNTF
	_ "nmfbench/methods/wnmf"       // WNMF
)
