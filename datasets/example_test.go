package datasets_test

import (
	"context"
	"fmt"

	"nmfbench/datasets"
)

// ExampleSynthetic generates a small clustered image dataset from a seed.
func ExampleSynthetic() {
	d, err := datasets.Synthetic(datasets.SyntheticConfig{
		Name: "demo", Height: 8, Width: 8, Classes: 3, PerClass: 5, Seed: 42,
		Blobs: 2, MaxShift: 1, Contrast: 0.2, Noise: 0.05,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.Name, d.Samples(), "samples of", d.Height, "×", d.Width, "pixels,", d.Classes, "classes")
	fmt.Println("labels:", d.Labels)
	fmt.Println("valid:", d.Validate() == nil)
	// Output:
	// demo 15 samples of 8 × 8 pixels, 3 classes
	// labels: [1 1 1 1 1 2 2 2 2 2 3 3 3 3 3]
	// valid: true
}

// ExamplePlantedCP generates data from a planted nonnegative CP model and
// returns its factors.
func ExamplePlantedCP() {
	d, f, err := datasets.PlantedCP(datasets.SyntheticConfig{Height: 6, Width: 5, Classes: 2, PerClass: 3, Rank: 3, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	r1, _ := f.A1.Dims()
	r2, _ := f.A2.Dims()
	r3, R := f.A3.Dims()
	fmt.Printf("X is %d × %d; A1 %d × %d, A2 %d × %d, A3 %d × %d; owners %v\n", d.Samples(), d.Features(), r1, R, r2, R, r3, R, f.Owner)
	// Output:
	// X is 6 × 30; A1 6 × 3, A2 5 × 3, A3 6 × 3; owners [1 2 1]
}

// ExamplePreprocess scales a dataset to [0, 1] and normalises each sample
// to unit Euclidean norm; the input is left unchanged.
func ExamplePreprocess() {
	d, err := datasets.Load(context.Background(), "", "synthetic")
	if err != nil {
		fmt.Println(err)
		return
	}
	steps := []string{"scale01", "l2rows"}
	p, err := datasets.Preprocess(d, steps)
	if err != nil {
		fmt.Println(err)
		return
	}
	row := p.X.RawRowView(0)
	ss := 0.0
	for _, v := range row {
		ss += v * v
	}
	fmt.Printf("%s: %d samples, key %q, ‖x₀‖² = %.6f\n", p.Name, p.Samples(), datasets.PreprocessKey(steps), ss)
	_, err = datasets.Preprocess(d, []string{"center"})
	fmt.Println(err)
	// Output:
	// synthetic: 180 samples, key "scale01+l2rows", ‖x₀‖² = 1.000000
	// preprocess synthetic: unknown step "center"; valid steps: l1rows, l2rows, scale01
}

// ExampleLookup describes a registered dataset.
func ExampleLookup() {
	in, err := datasets.Lookup("coil20")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(in.Name, in.File, in.Samples, in.Features, in.Classes, in.SHA256[:16])
	_, err = datasets.Lookup("MNIST")
	fmt.Println(err)
	// Output:
	// COIL20 COIL20.mat 1440 1024 20 2a35c105dbb32749
	// unknown dataset "MNIST"; known datasets: COIL20, ORL_32x32, PIE_pose27, YaleB_32x32, Yale_32x32, rings, synthetic, synthetic_coil, synthetic_cp
}
