// Package datasets loads, generates, checks and preprocesses the labelled
// image datasets that nmfbench clusters.
//
// Contract:
//
//   - A registry (Names, Lookup) lists the five 32×32 MATLAB datasets of Deng
//     Cai's "Popular Data Sets in MATLAB Format" (COIL20, PIE_pose27,
//     ORL_32x32, Yale_32x32, YaleB_32x32) with their file names, shapes and
//     SHA-256 checksums, plus synthetic datasets that need no files.
//   - Load verifies a file's SHA-256 before parsing it, then checks the shape
//     and class count against the registry and returns a Dataset that
//     satisfies Validate. X is n × d, one sample per row; a row is the
//     column-major vectorisation of an H × W image, so X is the mode-3
//     unfolding of the H × W × n image tensor (see Dataset).
//   - ResolveDir finds the data directory (--data-dir flag, NMFBENCH_DATA,
//     ../shared/datasets); errors for missing or corrupt files say which file
//     is expected, its checksum, where it was looked for and where to get it.
//   - Synthetic and PlantedCP generate deterministic data from a seed.
//   - Preprocess returns a new, transformed Dataset and never modifies its
//     input.
//   - WriteImagePNG and WriteMontagePNG render samples upright, for a person
//     to check orientation.
//   - LoadMNISTTest reads the MNIST test set from its original IDX files.
package datasets
