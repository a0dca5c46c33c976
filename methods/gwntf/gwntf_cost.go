package gwntf

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/ot"
	"nmfbench/methods"
)

// cosineCost returns the n × n sample cost C_ij = 1 − cos(xᵢ, xⱼ) between
// the rows of x, divided by its maximum (zero diagonal), computed with one
// Gram-matrix product.
func cosineCost(x *mat.Dense) (*mat.Dense, error) {
	n, _ := x.Dims()
	norms := make([]float64, n)
	for i := 0; i < n; i++ {
		norms[i] = floats.Norm(x.RawRowView(i), 2)
		if norms[i] == 0 {
			return nil, fmt.Errorf("sample %d is all zero; its cosine similarity is undefined", i)
		}
	}
	c := mat.NewDense(n, n, nil)
	c.Mul(x, x.T())
	maxC := 0.0
	for i := 0; i < n; i++ {
		row := c.RawRowView(i)
		for j := range row {
			v := 1 - row[j]/(norms[i]*norms[j])
			if i == j || v < 0 {
				v = 0
			}
			row[j] = v
			maxC = math.Max(maxC, v)
		}
	}
	if maxC > 0 {
		c.Scale(1/maxC, c)
	}
	return c, nil
}

// sampleKernel returns the sample-mode Gibbs kernel exp(−λC − 1) for the
// chosen sample cost; the dense cosine kernel (n × n) is cached per dataset
// and λ.
func sampleKernel(ctx context.Context, p *methods.Problem, prm Params) (ot.Kernel, error) {
	n := p.Data.Samples()
	switch prm.SampleCost {
	case CostDiagonal:
		return newZeroOneKernel(n, prm.Entropic), nil
	case CostCosine:
		key := fmt.Sprintf("gwntf.kernel.cosine|lambda=%g", prm.Entropic)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		// Not cancellable once started, so that the shared cache never holds
		// a cancellation error.
		return methods.Cached(p, key, func() (ot.Kernel, error) {
			c, err := cosineCost(p.Data.X)
			if err != nil {
				return nil, fmt.Errorf("GWNTF: cosine sample cost: %w", err)
			}
			return ot.NewDense(c, prm.Entropic, 1)
		})
	}
	return nil, fmt.Errorf("GWNTF: sample_cost %q has no kernel", prm.SampleCost)
}
