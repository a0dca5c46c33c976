// Package baselines implements the comparison methods of the GWNTF paper's
// tables (Kmeans, NMF, GNMF, SDNMF, NCP, GNCP) as nmfbench methods.
//
// Each method lives in one file that registers it with methods.Register in
// its init function; importing this package (for its side effects) makes all
// of them available by name to YAML specs. Every method returns a sample
// embedding (one row per sample) that the runner clusters with k-means.
package baselines
