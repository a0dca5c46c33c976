package graph

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Weighting selects the edge weights of a kNN graph (constructW's WeightMode).
type Weighting int

const (
	// Binary puts weight 1 on every edge (constructW 'Binary'; GNMF's setting).
	Binary Weighting = iota
	// HeatKernel puts W_ij = exp(−‖x_i − x_j‖² / (2t²)) on edge (i, j).
	HeatKernel
	// Cosine puts W_ij = x_iᵀx_j / (‖x_i‖‖x_j‖) on edge (i, j).
	Cosine
)

// String returns the weighting's spec name.
func (w Weighting) String() string {
	switch w {
	case Binary:
		return "binary"
	case HeatKernel:
		return "heat"
	case Cosine:
		return "cosine"
	}
	return fmt.Sprintf("Weighting(%d)", int(w))
}

// ParseWeighting maps a spec name ("binary", "heat" or "heatkernel",
// "cosine"; case-insensitive) to a Weighting.
func ParseWeighting(s string) (Weighting, error) {
	switch strings.ToLower(s) {
	case "binary":
		return Binary, nil
	case "heat", "heatkernel":
		return HeatKernel, nil
	case "cosine":
		return Cosine, nil
	}
	return 0, fmt.Errorf("unknown graph weighting %q (want binary, heat or cosine)", s)
}

// Metric selects the distance that decides who is a neighbour.
type Metric int

const (
	// Euclidean ranks neighbours by ‖x_i − x_j‖ (constructW since 2009).
	Euclidean Metric = iota
	// Angular ranks neighbours by the Euclidean distance between the
	// L2-normalized samples, i.e. by decreasing cosine similarity (the
	// default 'Cosine' Metric of constructW before 2009). On data whose rows
	// already have unit norm it selects the same neighbours as Euclidean.
	Angular
)

// String returns the metric's spec name: "euclidean" or "cosine".
func (m Metric) String() string {
	switch m {
	case Euclidean:
		return "euclidean"
	case Angular:
		return "cosine"
	}
	return fmt.Sprintf("Metric(%d)", int(m))
}

// ParseMetric maps a spec name ("euclidean"; "cosine" or "angular" for
// Angular; case-insensitive) to a Metric.
func ParseMetric(s string) (Metric, error) {
	switch strings.ToLower(s) {
	case "euclidean":
		return Euclidean, nil
	case "cosine", "angular":
		return Angular, nil
	}
	return 0, fmt.Errorf("unknown neighbour metric %q (want euclidean or cosine)", s)
}

// Options configures KNN. With every field but K at its zero value it builds
// the binary graph on Euclidean neighbours, with blocks sized automatically.
type Options struct {
	// K is the number of neighbours p of each sample (the papers use 5;
	// constructW's default). It must satisfy 1 ≤ K < n.
	K int
	// Weight is the edge weighting; the zero value is Binary.
	Weight Weighting
	// T is the HeatKernel width t > 0. Zero selects constructW's default, the
	// mean Euclidean distance over all n² ordered pairs (diagonal included).
	T float64
	// Metric decides neighbourhood; the zero value is Euclidean.
	Metric Metric
	// BlockRows is the number of rows per distance block; 0 picks blocks of
	// about 16 MB.
	BlockRows int
}

// Neighbors lists each sample's K nearest other samples.
type Neighbors struct {
	// K is the number of neighbours per sample.
	K int
	// Index holds row i's neighbours at Index[i*K:(i+1)*K], nearest first;
	// equal distances are ordered by increasing index.
	Index []int
	// Dist2 holds the matching squared Euclidean distances.
	Dist2 []float64
}

// FindNeighbors returns the exact k nearest neighbours of every row of x
// (n × d, one sample per row) by Euclidean distance, excluding the sample
// itself. Squared distances are computed block-wise as ‖x_i‖² − 2x_iᵀx_j +
// ‖x_j‖² (clamped at 0) with one matrix product per block of blockRows rows
// (0: automatic).
func FindNeighbors(ctx context.Context, x mat.Matrix, k, blockRows int) (*Neighbors, error) {
	xd, err := checkInput(x, k)
	if err != nil {
		return nil, err
	}
	nb, _, err := scan(ctx, xd, k, blockRows, false)
	return nb, err
}

// MeanDistance returns constructW's default heat-kernel width: the mean of
// the Euclidean distances ‖x_i − x_j‖ over all n² ordered pairs of rows of x,
// the zero diagonal included.
func MeanDistance(ctx context.Context, x mat.Matrix) (float64, error) {
	xd, err := checkInput(x, noNeighbors)
	if err != nil {
		return 0, err
	}
	_, mean, err := scan(ctx, xd, 0, 0, true)
	return mean, err
}

// KNN builds the symmetric p-nearest-neighbour affinity graph of the rows of x
// (n × d, one sample per row) as constructW does with NeighborMode 'KNN': each
// sample is joined to its K nearest other samples (self excluded, ties to the
// lower index), weighted per opt.Weight, and W = max(W, Wᵀ).
func KNN(ctx context.Context, x mat.Matrix, opt Options) (*CSR, error) {
	xd, err := checkInput(x, opt.K)
	if err != nil {
		return nil, err
	}
	if opt.Weight < Binary || opt.Weight > Cosine {
		return nil, fmt.Errorf("graph: unknown weighting %d", opt.Weight)
	}
	if opt.Metric != Euclidean && opt.Metric != Angular {
		return nil, fmt.Errorf("graph: unknown metric %d", opt.Metric)
	}
	if opt.T < 0 || math.IsNaN(opt.T) || math.IsInf(opt.T, 0) {
		return nil, fmt.Errorf("graph: heat kernel width t = %v; want t > 0, or 0 for the mean distance", opt.T)
	}
	sel := xd
	if opt.Metric == Angular {
		sel = normalizedRows(xd)
	}
	wantMean := opt.Weight == HeatKernel && opt.T == 0
	nb, mean, err := scan(ctx, sel, opt.K, opt.BlockRows, wantMean)
	if err != nil {
		return nil, err
	}
	n, _ := xd.Dims()
	w := make([]float64, len(nb.Index))
	switch opt.Weight {
	case Binary:
		for i := range w {
			w[i] = 1
		}
	case HeatKernel:
		t := opt.T
		if wantMean {
			t = mean
			if t == 0 {
				return nil, fmt.Errorf("graph: all samples are identical, the default heat kernel width is 0")
			}
		}
		for i, d2 := range nb.Dist2 {
			w[i] = math.Exp(-d2 / (2 * t * t))
		}
	case Cosine:
		raw := xd.RawMatrix()
		_, d := xd.Dims()
		row := func(i int) []float64 { return raw.Data[i*raw.Stride : i*raw.Stride+d] }
		norms := make([]float64, n)
		for i := range norms {
			norms[i] = math.Max(1e-12, floats.Norm(row(i), 2))
		}
		for i := 0; i < n; i++ {
			for q := i * nb.K; q < (i+1)*nb.K; q++ {
				j := nb.Index[q]
				c := floats.Dot(row(i), row(j)) / (norms[i] * norms[j])
				if c < 0 {
					return nil, fmt.Errorf("graph: cosine similarity of samples %d and %d is %v; cosine weights need nonnegative data", i, j, c)
				}
				w[q] = c
			}
		}
	}
	return symmetrizeMax(n, nb.K, nb.Index, w)
}

// noNeighbors tells checkInput that no neighbour count is involved.
const noNeighbors = -1

func checkInput(x mat.Matrix, k int) (*mat.Dense, error) {
	n, d := x.Dims()
	if n == 0 || d == 0 {
		return nil, fmt.Errorf("graph: empty sample matrix (%d×%d)", n, d)
	}
	if k != noNeighbors && (k < 1 || k >= n) {
		return nil, fmt.Errorf("graph: %d neighbours requested for %d samples; need 1 ≤ p < n", k, n)
	}
	xd, ok := x.(*mat.Dense)
	if !ok {
		xd = mat.DenseCopyOf(x)
	}
	raw := xd.RawMatrix()
	for i := 0; i < n; i++ {
		for _, v := range raw.Data[i*raw.Stride : i*raw.Stride+d] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("graph: sample %d has a non-finite feature %v", i, v)
			}
		}
	}
	return xd, nil
}

func normalizedRows(x *mat.Dense) *mat.Dense {
	n, d := x.Dims()
	out := mat.NewDense(n, d, nil)
	out.Copy(x)
	raw := out.RawMatrix()
	for i := 0; i < n; i++ {
		r := raw.Data[i*raw.Stride : i*raw.Stride+d]
		floats.Scale(1/math.Max(1e-12, floats.Norm(r, 2)), r)
	}
	return out
}

// scan computes the squared distances block by block (one Gemm per block),
// keeping the k nearest other samples of every row and, when wantMean, the
// mean of all n² Euclidean distances.
func scan(ctx context.Context, x *mat.Dense, k, blockRows int, wantMean bool) (*Neighbors, float64, error) {
	n, d := x.Dims()
	if blockRows <= 0 {
		blockRows = max(1, (16<<20)/8/n)
	}
	blockRows = min(blockRows, n)
	raw := x.RawMatrix()
	sq := make([]float64, n)
	for i := range sq {
		r := raw.Data[i*raw.Stride : i*raw.Stride+d]
		sq[i] = floats.Dot(r, r)
	}
	nb := &Neighbors{K: k, Index: make([]int, n*k), Dist2: make([]float64, n*k)}
	gbuf := mat.NewDense(blockRows, n, nil)
	var sum float64
	for start := 0; start < n; start += blockRows {
		if err := ctx.Err(); err != nil {
			return nil, 0, fmt.Errorf("graph: neighbour search stopped at row %d: %w", start, err)
		}
		end := min(start+blockRows, n)
		g := gbuf.Slice(0, end-start, 0, n).(*mat.Dense)
		g.Mul(x.Slice(start, end, 0, d), x.T()) // g_ij = x_iᵀx_j
		graw := g.RawMatrix()
		for i := start; i < end; i++ {
			grow := graw.Data[(i-start)*graw.Stride : (i-start)*graw.Stride+n]
			bi := nb.Index[i*k : (i+1)*k]
			bd := nb.Dist2[i*k : (i+1)*k]
			for q := range bd {
				bd[q] = math.Inf(1)
				bi[q] = -1
			}
			si := sq[i]
			var rowSum float64
			for j, gij := range grow {
				if j == i {
					continue
				}
				d2 := si + sq[j] - 2*gij
				if d2 < 0 {
					d2 = 0
				}
				if wantMean {
					rowSum += math.Sqrt(d2)
				}
				if k > 0 && d2 < bd[k-1] {
					// Insert after entries with equal distance: j exceeds
					// every index already kept, so ties stay in index order.
					q := k - 1
					for q > 0 && bd[q-1] > d2 {
						bd[q], bi[q] = bd[q-1], bi[q-1]
						q--
					}
					bd[q], bi[q] = d2, j
				}
			}
			sum += rowSum
		}
	}
	return nb, sum / (float64(n) * float64(n)), nil
}

type entry struct {
	col int
	w   float64
}

// symmetrizeMax returns the CSR form of max(W, Wᵀ) for the directed kNN graph
// W with W[i, idx[i*k+q]] = w[i*k+q]. Zero weights are not stored.
func symmetrizeMax(n, k int, idx []int, w []float64) (*CSR, error) {
	ptr := make([]int, n+1)
	for i := 0; i < n; i++ {
		for q := i * k; q < (i+1)*k; q++ {
			ptr[i+1]++
			ptr[idx[q]+1]++
		}
	}
	for i := 0; i < n; i++ {
		ptr[i+1] += ptr[i]
	}
	buf := make([]entry, ptr[n])
	fill := slices.Clone(ptr[:n])
	for i := 0; i < n; i++ {
		for q := i * k; q < (i+1)*k; q++ {
			j := idx[q]
			buf[fill[i]] = entry{j, w[q]}
			fill[i]++
			buf[fill[j]] = entry{i, w[q]}
			fill[j]++
		}
	}
	rowPtr := make([]int, n+1)
	col := make([]int, 0, len(buf))
	val := make([]float64, 0, len(buf))
	for i := 0; i < n; i++ {
		row := buf[ptr[i]:ptr[i+1]]
		slices.SortFunc(row, func(a, b entry) int { return cmp.Compare(a.col, b.col) })
		for q := 0; q < len(row); {
			c, m := row[q].col, row[q].w
			for q++; q < len(row) && row[q].col == c; q++ {
				m = math.Max(m, row[q].w)
			}
			if m != 0 {
				col = append(col, c)
				val = append(val, m)
			}
		}
		rowPtr[i+1] = len(col)
	}
	return NewCSR(n, rowPtr, col, val)
}
