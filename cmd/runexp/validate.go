package main

import (
	"flag"
	"fmt"
	"io"
)

func init() {
	register(&Command{
		UsageLine: "runexp validate [-set key.path=value] SPEC... [key.path=value...]",
		Short:     "check specs (with their overrides) without running anything",
		Long: `Validate decodes each spec, applies the overrides, expands the sweep and
checks every field, then prints one line per spec. It writes nothing.
Every error names the file, line and field, with the valid choices.

Examples:

	runexp validate experiments/quickstart.yaml
	runexp validate experiments/quickstart.yaml training.steps=100
	runexp validate -set 'evaluation.seeds=[1,2,3]' experiments/*.yaml`,
		Flag: func(fs *flag.FlagSet) func(io.Writer, io.Writer, []string) error {
			var sets setFlags
			fs.Var(&sets, "set", "override a spec field, key.path=value (repeatable)")
			return func(stdout, stderr io.Writer, args []string) error {
				specs, more := splitOverrides(args)
				if len(specs) == 0 {
					return usageErrorf("usage: runexp validate [-set key.path=value] SPEC... (runexp help validate)")
				}
				// Every override, wherever it was written, applies to every
				// spec before any is called ok.
				files, ok := loadAll(stderr, specs, append(sets, more...), registry())
				for _, f := range files {
					fmt.Fprintf(stdout, "%s: ok (%s, %d grid points, %d axes)\n", f.Path, f.Name(), len(f.Points), len(f.Axes))
				}
				if !ok {
					return withStatus(exitUsage, nil)
				}
				return nil
			}
		},
	})
}
