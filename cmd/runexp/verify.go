package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/flowbench/flowbench/pkg/experiment"
	"github.com/flowbench/flowbench/pkg/runner"
	"github.com/flowbench/flowbench/pkg/store"
)

func init() {
	register(&Command{
		UsageLine: "runexp verify DIR",
		Short:     "check a results directory's store: checksums, missing files, what a rerun recomputes",
		Long: `Verify checks every record of the store of a results directory against its
own checksum, and every file a record references against the sha256 the
record carries, and says what the next run of the directory's spec would
move to DIR/quarantine and recompute (the damaged artifacts and every
stored artifact downstream of one). It changes nothing. Exit status 0
when the store is intact, 1 when something is damaged.

Examples:

	runexp verify results/quickstart`,
		Flag: func(fs *flag.FlagSet) func(io.Writer, io.Writer, []string) error {
			return func(stdout, stderr io.Writer, args []string) error {
				if code := runVerify(stdout, stderr, args); code != exitOK {
					return withStatus(code, nil)
				}
				return nil
			}
		},
	})
}

// runVerify is `runexp verify DIR`: check every record of the store of
// the results directory DIR against its own checksum and every file it
// references against the record's sha256, and say what the next run of
// the directory's spec would recompute (the damaged artifacts and every
// stored artifact downstream of one). It changes nothing. Exit 0 when the
// store is intact, 1 when something is damaged.
func runVerify(stdout, stderr io.Writer, args []string) int {
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(stderr, "usage: runexp verify DIR")
		return exitUsage
	}
	dir := args[0]
	st, err := store.OpenExisting(dir)
	if err != nil {
		fmt.Fprintln(stderr, "runexp:", err)
		return exitFailed
	}
	keys, err := st.Keys()
	if err != nil {
		fmt.Fprintln(stderr, "runexp:", err)
		return exitFailed
	}
	damaged := map[string]bool{}
	legacy := 0
	for _, k := range keys {
		r, _, err := st.GetVerified(k)
		switch {
		case errors.Is(err, store.ErrCorrupt):
			damaged[k] = true
			fmt.Fprintln(stdout, "damaged:", err)
		case err != nil:
			fmt.Fprintln(stderr, "runexp:", err)
			return exitFailed
		case r.RecordSHA256 == "":
			legacy++
		}
	}
	// Files no record references are left-overs of interrupted runs
	// (harmless; a run rewrites them) or of quarantined records.
	referenced := map[string]bool{}
	ents, _ := os.ReadDir(filepath.Join(dir, store.Dir))
	for _, k := range keys {
		referenced[k+".json"] = true
		if r, ok, err := st.Get(k); ok && err == nil {
			for _, f := range r.Files {
				referenced[strings.TrimPrefix(f.Path, store.Dir+"/")] = true
			}
		}
	}
	stray := 0
	for _, e := range ents {
		if !referenced[e.Name()] && !strings.HasPrefix(e.Name(), ".") {
			stray++
		}
	}
	fmt.Fprintf(stdout, "%s: %d records, %d damaged", dir, len(keys), len(damaged))
	if legacy > 0 {
		fmt.Fprintf(stdout, ", %d without checksums (written before the store carried them: files checked for presence only)", legacy)
	}
	if stray > 0 {
		fmt.Fprintf(stdout, ", %d files no record references", stray)
	}
	fmt.Fprintln(stdout)
	if len(damaged) == 0 {
		return exitOK
	}
	// What the next run recomputes follows the plan of the stored spec.
	f, err := experiment.Load(filepath.Join(dir, specFile), nil, registry())
	if err != nil {
		fmt.Fprintf(stdout, "the next run recomputes the %d damaged artifacts and what depends on them (no readable %s to say which: %v)\n", len(damaged), specFile, err)
		return exitFailed
	}
	p := runner.NewPlan(f, registry())
	redo := map[string]bool{}
	n := 0
	for _, a := range p.Artifacts {
		bad := damaged[a.Key]
		for _, in := range a.Inputs {
			bad = bad || redo[in.Key]
		}
		if bad {
			redo[a.Key] = true
			if st.Has(a.Key) {
				n++
			}
		}
	}
	fmt.Fprintf(stdout, "the next `runexp %s` moves the %d damaged artifacts to %s and recomputes %d stored artifacts (the damaged ones and those downstream of them)\n",
		filepath.Join(dir, specFile), len(damaged), filepath.Join(dir, store.QuarantineDir), n)
	return exitFailed
}
