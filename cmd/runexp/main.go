// Command runexp runs flow-model experiments described by YAML specs:
//
//	runexp [run] [flags] SPEC... [key.path=value...]   train, evaluate, report
//	runexp validate SPEC...                            check specs, write nothing
//	runexp report DIR                                  rebuild a report from a results directory
//	runexp help [COMMAND]                              the commands, their flags and examples
//
// The commands are a table (command.go); see experiments/SCHEMA.md for the
// spec format.
package main

import "os"

func main() { os.Exit(guard(os.Stderr, func() int { return run(os.Stdout, os.Stderr, os.Args[1:]) })) }

// Exit statuses.
const (
	exitOK          = 0
	exitFailed      = 1   // a run failed (some artifacts failed, or I/O)
	exitUsage       = 2   // bad flags or an invalid spec; nothing written
	exitInternal    = 3   // a bug in runexp (a recovered panic): please report it
	exitInterrupted = 130 // Ctrl-C or SIGTERM; rerun to resume
)
