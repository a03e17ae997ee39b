package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
)

func init() { subcommands["validate"] = runValidate }

// runValidate is `runexp validate [-set k=v] SPEC...`: decode, expand and
// validate, print a one-line summary per spec, write nothing.
func runValidate(stdout, stderr io.Writer, args []string) int {
	fs := flag.NewFlagSet("runexp validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sets setFlags
	fs.Var(&sets, "set", "override a spec field, key.path=value (repeatable)")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: runexp validate [-set key.path=value] SPEC...")
		return exitUsage
	}
	files, ok := loadAll(stderr, fs.Args(), sets, registry())
	for _, f := range files {
		fmt.Fprintf(stdout, "%s: ok (%s, %d grid points, %d axes)\n", f.Path, f.Name(), len(f.Points), len(f.Axes))
	}
	if !ok {
		return exitUsage
	}
	return exitOK
}

func sortedSubcommands() []string {
	var out []string
	for k := range subcommands {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
