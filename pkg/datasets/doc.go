// Package datasets provides seeded samplers for the toy distributions of
// docs/MATH.md §5, Gaussian mixtures with closed-form densities (the targets of the
// exact "oracle" fields of MATH.md §3), and file-backed empirical data sets
// (CSV and NumPy .npy).
//
// Every sampler draws only from the *rand.Rand it is given and returns an n×d
// row-major slice, so the same seed gives bit-identical data.
//
// FFJORD set (Grathwohl et al. 2019, "FFJORD", toy_data.py), MATH.md §5:
//
//	swissroll     make_swiss_roll(noise=1.0), coordinates (0, 2), / 5
//	circles       make_circles(factor=0.5, noise=0.08) · 3
//	rings         radii 1, 0.75, 0.5, 0.25 (n/4 each, remainder innermost),
//	              evenly spaced angles on [0, 2π), · 3, shuffled, + N(0, 0.08²)
//	moons         make_moons(noise=0.1) · 2 + (−1, −0.2)
//	8gaussians    Σ_k (1/8) N(4 c_k / 1.414, (0.5/1.414)² I), c_k = (cos πk/4, sin πk/4)
//	pinwheel      5 arms; f = N·(0.3, 0.1) + (1, 0); θ = 2πk/5 + 0.25 e^{f_0};
//	              x = 2 f R(θ) with the row-vector convention of toy_data.py,
//	              i.e. x = 2 (f_0 cos θ + f_1 sin θ, −f_0 sin θ + f_1 cos θ)
//	2spirals      r = √U · 3π; ±(−r cos r + U/2, r sin r + U/2) / 3 + N(0, 0.1²)
//	checkerboard  x1 = 4U − 2, x2 = U − 2B + (⌊x1⌋ mod 2), · 2: uniform on the
//	              8 squares [2i, 2i+2)×[2j, 2j+2), i, j ∈ {−2..1}, i + j even;
//	              q = 1/32, true NLL ln 32 ≈ 3.466 nats
//	checkerboard-fm  the same with scale 1/0.45 (Meta's flow_matching
//	              notebook): true NLL ln(8/0.45²) ≈ 3.676 nats
//
// scikit-learn generators (same conventions, our own code): MakeMoons,
// MakeCircles, MakeSwissRoll, MakeSCurve.
//
// Tong et al. 2-D benchmark variants (torchcfm), MATH.md §5:
//
//	8gaussians-r5  Σ_k (1/8) N(5 c_k, σ² I) with σ = 0.1^(1/4) ≈ 0.562 (torchcfm
//	               passes sqrt(var)·I with var = 0.1 as the covariance matrix)
//	moons-tong     make_moons(noise=0.05) · 2 − 1
//	scurve         make_s_curve(noise=0.05), coordinates (0, 2), · 1.5
//
// The same benchmark as its experiment runner defines it (Tong et al.
// 2024, Table 2; the authors' runner/, MATH.md §5). These, not the
// notebook-helper variants above, are the published table's data:
//
//	8gaussians-runner  N → 8gaussians: centres 5 c_k, per-coordinate std 1,
//	                   ⌊n/8⌋ rows per mode (the first n mod 8 modes one
//	                   more), shuffled (torchdyn's "gaussians"; its constant
//	                   N(0, 1e-4²) shift per mode is omitted)
//	moons-runner       N → moons: make_moons(noise=0.05) · 2, then x − 1
//	                   (coordinate 1 unshifted; moons-tong shifts both)
//	scurve             N → scurve: as above (the runner's definition)
//	moons-dsb          the second task's moons (DSB/DSBM code):
//	                   make_moons(noise=0.1), standardised with ONE mean
//	                   and ONE std over all entries, · 7; the mean 3/8 and
//	                   std √((1 + 5/8 − 1/π)/2 + noise² − 9/64) ≈ 0.7230
//	                   are the population values (DSBMoonsMoments)
//	8gaussians-dsb     the second task's 8gaussians: (4 c_k + 0.5 N) · 3,
//	                   i.e. centres 12 c_k, per-coordinate std 1.5
//
// The runner's second task runs moons-dsb (t = 0) → 8gaussians-dsb (t = 1);
// the paper's text says the reverse. Its splits are 10,000 points each for
// training, validation and test.
//
// Defined in any dimension (data.dim; 2 by default): "normal" (N(0, I))
// and "gmm8" (AnyDimGMM8: 8 equal-weight isotropic Gaussians, std 0.5,
// means at radius 4 in directions drawn from PCG(8, d)). References
// "file:<sha256>" and "mixture:<json>" (ref.go) name data files and
// mixtures given in a spec; a file's train/test split is Empirical.Split.
//
// Also registered: "normal" (N(0, I) in any dimension), "mixture" (a
// Mixture given in Options) and "file" (CSV or .npy rows, sampled with
// replacement). New(name, dim, Options) builds any of them; Names lists them.
//
// Mixture is a diagonal-covariance Gaussian mixture
// q(x) = Σ_k π_k Π_i N(x_i | m_ki, C_ki), evaluated with log-sum-exp.
// Normal, EightGaussians, GMM and Empirical expose theirs through
// MixtureDataset, so oracle fields and true NLLs exist for them.
//
// Deviations from the Python code, all to return exactly n rows: pinwheel
// gives the first n mod 5 arms one extra point, 2spirals draws ⌈n/2⌉ base
// points and keeps n of the 2⌈n/2⌉ (then shuffles the rows, which the Python
// code does not; the distribution is unchanged).
package datasets
