// Package runner turns a spec into a plan of artifacts and executes it; data
// flow one way, from test sets and trainings to evaluations:
//
//	testset(data, seed) ─▶ transport: W2²(source, test), NPE's denominator (when npe is asked for)
//	train(data, model, training, method, seed) ─▶ [pairs ─▶ train]*  (reflow, docs/MATH.md §2)
//	eval(model, solver, steps) ─▶ samples + sample metrics (MATH.md §4)
//	modeleval(model) ─▶ solver-independent metrics (nll §1, learning error §3)
//
// Training uses pkg/train (flow matching: FM for the ot, vp, cosine,
// rectified and cfm kinds, TrainPairs via pkg/rectify for reflow stages),
// pkg/rectify (pair generation, reflow, one-step distillation) and pkg/cnf
// (kind cnf, maximum likelihood). Every training record carries
// train_seconds and train_nfe (network forward passes on single data rows,
// summed over training: one unit for flow matching and CNF alike).
//
// Every artifact's key is the sha256 of the canonical serialisation of its
// kind, configuration and its inputs' keys, so evaluation settings never
// retrain, identical trainings shared by several grid points run once,
// and the results store (pkg/store) doubles as the cache and the resume
// log. Random streams are PCGs seeded from sha256(key + "/" + purpose):
// the spec seed enters through the key, and no stream depends on the
// worker count or the order of execution.
package runner
