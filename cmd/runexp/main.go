// Command runexp runs flow-model experiments described by YAML specs:
//
//	runexp [flags] SPEC...     run (train, evaluate, report) each spec
//	runexp validate SPEC...    check specs without running anything
//	runexp report DIR          rebuild a report from a results directory
//
// See experiments/SCHEMA.md for the spec format and `runexp -h` for flags.
package main

import (
	"io"
	"os"
)

func main() { os.Exit(run(os.Stdout, os.Stderr, os.Args[1:])) }

// Exit statuses.
const (
	exitOK          = 0
	exitFailed      = 1   // a run failed (some artifacts failed, or I/O)
	exitUsage       = 2   // bad flags or an invalid spec; nothing written
	exitInterrupted = 130 // Ctrl-C or SIGTERM; rerun to resume
)

// subcommands maps a first argument to its handler. Files of this package
// add their own from init (validate, report; bench from bench.go), so a
// new subcommand needs no edit here.
var subcommands = map[string]func(stdout, stderr io.Writer, args []string) int{}

// run is the whole command: main only calls it.
func run(stdout, stderr io.Writer, args []string) int {
	if len(args) > 0 {
		if cmd, ok := subcommands[args[0]]; ok {
			return cmd(stdout, stderr, args[1:])
		}
	}
	return runSpecs(stdout, stderr, args)
}
