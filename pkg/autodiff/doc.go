// Package autodiff is a reverse-mode automatic-differentiation tape over dense
// row-major float64 matrices, built for the flow models of flowbench
// (docs/MATH.md §1 continuous normalizing flows, §2 flow matching).
//
// A Tape records operations on Nodes (handles to r×c matrices). Backward
// propagates the cotangent ḡ of a scalar loss L backwards through the
// recorded graph with the chain rule
//
//	ḡ_x = Σ_{y consumes x} (∂y/∂x)ᵀ ḡ_y,
//
// accumulating into every input that needs a gradient, so a node used twice
// receives the sum of both contributions. VJP seeds arbitrary output
// cotangents instead of dL/dL = 1 (vector–Jacobian products, as the adjoint
// method needs).
//
// Parameters are Nodes that view slices of a flat parameter vector; their
// gradients are added into the matching slices of a flat gradient vector that
// the caller owns (and zeroes), so an optimiser acts on one []float64.
//
// Second-order use. Forward-mode tangents (Jacobian-vector products) are
// expressed as ordinary tape operations: for h = σ(z) the tangent is
// ḣ = σ'(z) ⊙ ż, written with ActDeriv and Mul, or fused for a batch of k
// tangents stacked under the primal rows with StackedAct / StackedActRows.
// Because those operations are themselves differentiable (their backward uses
// σ″), a loss built from a JVP — such as the exact divergence
// tr(∂v/∂x) = Σ_i e_iᵀ (∂v/∂x) e_i of MATH.md §1 (Chen et al. 2018) — can be
// differentiated with respect to the parameters by one Backward.
//
// Layout conventions: matrices are row-major; Linear stores its weight as an
// in×out matrix W so that y = x·W + b for a batch x of n rows (n×in); b is
// 1×out. All matrix products go through internal/linalg.Gemm.
//
// SELU's exponential (Klambauer et al. 2017; needed only for z ≤ 0) is a
// fixed sequence of IEEE operations: z = k·ln2 + r with k = round(z/ln2),
// exp(r) by the degree-13 Taylor polynomial in Horner form with fused
// multiply–adds, and 2^k added into the exponent bits; arguments below −700
// are clamped (exp(−700) ≈ 1e−304). It is within 1 ulp of exp (TestExpNonPos
// measures 0.73 ulp against a 200-bit reference) and the scalar Go code, the
// AVX2 and the AVX-512 kernels give the same bits. The other elementwise
// loops of the stacked-tangent ops run on AVX2 kernels that round every
// product and sum separately, like the Go loops they replace.
//
// Parallelism: SetWorkers splits the rows of the result of every large
// matrix product over goroutines. Each entry is still one Gemm sum in its
// fixed order, so the values and gradients do not depend on the worker
// count.
//
// Memory: values and gradients live in arenas owned by the Tape. Reset forgets
// the graph and reuses every buffer, so rebuilding a graph of the same shape
// after Reset allocates nothing. Slices returned by Value and Grad are valid
// until the next Reset. Leaf nodes made with Const, Var and Param view the
// caller's slices, which must stay unchanged until Backward has run.
package autodiff
