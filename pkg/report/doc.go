// Package report turns the records of a results store (results.Run) into
// what a researcher reads: report.md, runs.csv and figures/. It works from
// the records and the files they reference alone, so `runexp report DIR`
// can rebuild everything at any time, and it knows nothing of the
// experiment package: the runner fills an Input.
//
// # Statistics (docs/MATH.md §4: every metric is reported over seeds)
//
// Runs that differ only in the replicate axis SeedAxis form a group. For
// each metric the group's n finite values x_1..x_n give, through
// metrics.Summarize,
//
//	mean  x̄ = (1/n) Σ x_i
//	std   s = sqrt( Σ (x_i − x̄)² / (n − 1) )
//	CI95  x̄ ± h,   h = t_{0.975, n−1} · s / sqrt(n)   (Student's t)
//
// and a table cell reads "x̄ ± h (n)": h to two significant digits, x̄ to the
// same decimal place; with n = 1 the cell is "x̄ (1)" and a warning says
// there is no interval. Failed runs are left out and listed, with their
// error and the step they reached (metric "failed_step" when present, else
// len(Curve)·CurveEvery), and each group with failed seeds gets a warning.
// The best mean of every column is bold, in the metric's Direction
// (MetricDirection: distances, NLL, straightness, NFE, losses and times
// lower; log-likelihoods higher). Options.Welch adds Welch's t test
// (Welch 1947) between the best and second-best row of each column:
//
//	t  = (ā − b̄) / sqrt(s_a²/n_a + s_b²/n_b)
//	df = (s_a²/n_a + s_b²/n_b)² / ( (s_a²/n_a)²/(n_a−1) + (s_b²/n_b)²/(n_b−1) )
//
// with the two-sided p-value (metrics.WelchTest).
//
// # report.md
//
// Title and description, a line counting the failed runs if any, then the
// results, then how they were obtained:
//
//   - Comparison with the published results (below), when given.
//   - Summary: per dataset, the quality metric (sw2, else w2, else mmd;
//     Options.QualityMetric overrides) with rows the non-seed axes other
//     than the dataset and the evaluation setting (method × stage, say) and
//     columns the evaluation setting: solver × steps × rtol × atol
//     (EvalAxes), so an adaptive solver, which has tolerances and no step
//     count, is one more column ("dopri5 rtol=1e-05"); its cells add the
//     mean NFE. Best mean per column bold.
//   - Training: per dataset, rows the trained models (method × stage),
//     columns the training metrics (final_loss, train_seconds, train_nfe,
//     parameters, train_nll, peak_tape_bytes first, then any other; the
//     runner's wall_seconds left out beside train_seconds).
//   - Figures.
//   - Detailed results: one collapsible <details> block per (metric,
//     kind) laid out like the summary (training metrics: columns the
//     datasets; Options.Columns overrides both). Wall times ("*_seconds")
//     are tabulated for training runs only; the others are in runs.csv.
//   - What was run: run counts, axes, the effective spec and the
//     dependency versions in collapsible blocks, the provenance table.
//   - Failed runs, warnings (the runs' own, failed seeds, n = 1,
//     unreadable files) and the runs.csv layout.
//
// A column whose means are all equal (the NFE of a fixed-step solver)
// marks nothing bold. Tables are GitHub Markdown rendered by tablewriter.
//
// Order: rows, columns, panels and legend entries follow Input.Order, the
// spec's order of each axis's values (methods, stages, solvers); values it
// does not list follow, numerically when both are numbers (step counts,
// tolerances, seeds), else as strings. Nothing depends on map order or the
// order of Input.Runs, and nothing carries a time stamp beyond the
// provenance given, so the same records give byte-identical report.md and
// runs.csv (and, with the same gonum/plot, identical PNGs).
//
// # Comparison with published results
//
// With Input.Published set (ReadPublished), report.md opens its results
// with "Comparison with the published results": one row per published
// cell and setting of ours (Compare). A cell's method is our method label,
// its metric our metric name, its dataset our dataset value optionally
// followed by ";key=value" selectors on our other axes
// ("moons-tong;data.source=8gaussians-r5"), so the published file itself
// maps the paper's names onto our runs. Both sides read mean ± spread:
// the published spread is what its "# spread:" line says (std or ci95),
// ours the same statistic over our seeds (sample std s, or the Student-t
// half-width h), and the verdict is
//
//	agree     if |x̄_ours − x̄_pub| ≤ spread_ours + spread_pub (the intervals overlap)
//	disagree  otherwise
//	not run   when no successful run matches the cell
//
// with a count of agreeing cells. Explanations live in the published file
// as comments, so data and its caveats travel together: "# note: ..." lines
// are listed under the table, and "# note[method,dataset,metric]: ..." adds
// a note column entry to that cell (a note naming no cell is an error).
//
// # runs.csv
//
// Tidy long layout, one row per (run, metric) for every metric whose name
// does not end in "_seconds":
//
//	kind,key,parent,<param keys…>,metric,value,status,error,<…_seconds>
//
// The param columns are the union of the runs' param keys in order of first
// appearance over the sorted runs. Wall times (metrics named "*_seconds",
// the only values allowed to differ between reruns) are not rows: each is a
// trailing column of its own name, repeated on every row of its run. So
// every column except those ending in "_seconds" is byte-identical across
// reruns and worker counts. A run without other metrics (a failed run) has
// one row with empty metric and value. Rows are sorted by kind (train,
// pairs, eval), then the axis values in axis order, then metric name;
// numbers are strconv.FormatFloat(v, 'g', -1, 64).
//
// # Figures (gonum/plot, PNG; SVG too for line figures with Options.SVG)
//
// One file per figure kind and dataset, figures/<kind>_<dataset>.png:
//
//   - samples: scatter grid, rows the methods (the non-seed axes other than
//     dataset and the evaluation setting), columns the evaluation setting
//     (solver × steps × rtol × atol), at most 7 columns per file: a wider
//     grid is split into figures/samples_<dataset>_<k>.png, keeping a
//     solver's columns together when they fit; samples (role
//     "samples", an n×d .npy, first two coordinates) in blue over the test
//     set (role "testset") in grey, at most Options.MaxScatterPoints (2000)
//     of each, taken as every k-th row; the axes are the test set's box
//     widened by 10%. The lowest seed of each cell stands for it.
//   - trajectories: the same grids, all panels on one box (the test set's
//     and every trajectory's), drawing Options.TrajectoryLines (50) ODE
//     paths from t = 0 to t = 1. A "trajectories" file holds K time points
//     of n points in d dimensions as a 2-D .npy of K·n rows and d columns:
//     row k·n + i is point i at time index k. K is the run's param
//     "trajectory_times" (ParamTrajectoryTimes).
//   - nfe: each quality metric against the mean NFE (log x; log y when all
//     values are positive), one line per method × solver through the step
//     counts, with the 95% confidence band shaded.
//   - loss: training loss (Run.Curve), mean over seeds with a 95% band, curve
//     point i at step (i + 1)·CurveEvery, at most 400 points per line. More
//     than 8 lines of one loss are split into panels of at most 8 (a
//     method's lines together), one panel a row with its own legend.
//   - density: heat maps of a model's log-density. A "density" file is a
//     G_y × G_x .npy whose row i, column j is log p at the cell centre
//     (x_j, y_i), x_j = xmin + (j + ½)(xmax − xmin)/G_x and likewise y_i, row
//     0 at ymin; the square is the run's param "density_extent" =
//     "xmin,xmax,ymin,ymax" (ParamDensityExtent). One colour scale per
//     figure, from the highest value down 12 nats.
//   - cost (drawn only when asked for by name; DefaultFigures leaves it
//     out): quality against training cost, one figure per dataset, rows the
//     quality metrics nll, sw2, w2 of the evaluations of a training
//     (Run.Parent is its key), columns its train_seconds and train_nfe (log
//     x), panels of 4.4 × 4.2 inches with both axes labelled with units,
//     one point per trained model (seed), a colour per method and a
//     marker per value of any other axis that varies; on nll panels a
//     dashed line at the true NLL of the scored points, from nll_true or
//     else nll − nll_gap, averaged.
//
// Grid figures (samples, trajectories, density) label their rows in a
// margin of their own, left of the first column's tick labels. Log axes are
// labelled at the finest of 1..9, 1-2-3-5, 1-2-5, 1-3 or 1 × 10^k giving
// at most 8 labels (every k-th power over many decades; 1-2-5 linear steps
// within a factor of about two).
//
// Figures are small (96 dpi, scatter panels of 1.3–3 inches) so a committed
// report stays within a few MB. A file that is missing or malformed skips
// its panel with a warning; it does not fail the report. Write overwrites
// the files it produces and leaves any other file in figures/ alone.
package report
