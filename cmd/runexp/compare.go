package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/flowbench/flowbench/pkg/report"
	"github.com/flowbench/flowbench/pkg/runner"
)

func init() {
	register(&Command{
		UsageLine: "runexp compare OLD NEW",
		Short:     "A/B comparison of two results directories (benchstat-style)",
		Long: `Compare reads the runs.csv of two results directories (or two runs.csv
files), matches the cells that share every parameter but the seed, and
prints per metric old → new (mean ± 95% half-width over seeds), the
change in percent and the p-value of a paired t test over the seeds the
two share ("~" when the change is not significant at 0.05). Cells found
in only one of the two are counted.

Examples:

	runexp compare results/quickstart /tmp/quickstart-new
	runexp compare -metric w2 old/runs.csv new/runs.csv`,
		Flag: func(fs *flag.FlagSet) func(io.Writer, io.Writer, []string) error {
			only := fs.String("metric", "", "compare only this metric")
			return func(stdout, stderr io.Writer, args []string) error {
				if len(args) != 2 {
					return usageErrorf("usage: runexp compare OLD NEW (runexp help compare)")
				}
				open := func(p string) (*os.File, error) {
					if st, err := os.Stat(p); err == nil && st.IsDir() {
						p = filepath.Join(p, report.CSVFile)
					}
					return os.Open(p)
				}
				a, err := open(args[0])
				if err != nil {
					return withStatus(exitUsage, fmt.Errorf("runexp compare: %w", err))
				}
				defer a.Close()
				b, err := open(args[1])
				if err != nil {
					return withStatus(exitUsage, fmt.Errorf("runexp compare: %w", err))
				}
				defer b.Close()
				res, err := report.CompareRuns(a, b, runner.DescriptiveParams)
				if err != nil {
					return withStatus(exitUsage, fmt.Errorf("runexp compare: %w", err))
				}
				if *only != "" {
					kept := res.Cells[:0]
					for _, c := range res.Cells {
						if c.Metric == *only {
							kept = append(kept, c)
						}
					}
					res.Cells = kept
				}
				if len(res.Cells) == 0 {
					return withStatus(exitFailed, fmt.Errorf("runexp compare: no cell of %s matches one of %s", args[0], args[1]))
				}
				report.FormatAB(stdout, res)
				return nil
			}
		},
	})
}
