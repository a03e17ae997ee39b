package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/flowbench/flowbench/internal/suggest"
)

// A Command is one subcommand of runexp, in the manner of cmd/go's
// base.Command: the usage line, the help texts, the flags and the action
// are one value, and `runexp help`, `runexp help CMD` and `runexp CMD -h`
// are generated from the table of them.
type Command struct {
	// UsageLine is the one-line usage; its second word is the command's
	// name ("runexp validate [-set k=v] SPEC...").
	UsageLine string
	// Short is the one-line description shown by `runexp help`.
	Short string
	// Long is the text shown by `runexp help CMD` after the usage line;
	// it ends with examples.
	Long string
	// Flag declares the command's flags on a fresh set (one per call, so
	// no flag value leaks from one call to the next) and returns the
	// action, which receives the arguments left after the flags. Flags
	// may come before or after the other arguments; "--" ends them.
	Flag func(fs *flag.FlagSet) func(stdout, stderr io.Writer, args []string) error
	// Main, for a command that parses its own arguments, runs it and
	// returns its exit status; `runexp help CMD` calls it with "-h" to
	// list its flags. A command sets Flag or Main, not both.
	Main func(stdout, stderr io.Writer, args []string) int
}

// Name is the command's name, the second word of its usage line.
func (c *Command) Name() string {
	f := strings.Fields(c.UsageLine)
	if len(f) < 2 {
		return ""
	}
	return strings.Trim(f[1], "[]")
}

// commands is the table of subcommands, filled from the init functions of
// this package's files through register.
var commands []*Command

// register adds a subcommand to the table. Files of this package call it
// from init, so a new subcommand needs no edit elsewhere.
func register(c *Command) {
	if c.Name() == "" || (c.Flag == nil) == (c.Main == nil) {
		panic("runexp: malformed command " + c.UsageLine)
	}
	if lookup(c.Name()) != nil {
		panic("runexp: command registered twice: " + c.Name())
	}
	commands = append(commands, c)
}

// subcommands is the older registration hook: a handler that parses its
// own arguments, entered from an init. Each becomes a Command with Main
// set and a generic help text; prefer register with a Long text and
// examples.
var subcommands = map[string]func(stdout, stderr io.Writer, args []string) int{}

// lookup finds a subcommand by name, in the table or among the handlers
// of subcommands.
func lookup(name string) *Command {
	for _, c := range commands {
		if c.Name() == name {
			return c
		}
	}
	if fn, ok := subcommands[name]; ok {
		return &Command{
			UsageLine: "runexp " + name + " [flags]",
			Short:     "(see runexp " + name + " -h)",
			Main:      fn,
		}
	}
	return nil
}

// allCommands is the table and the older handlers, sorted by name.
func allCommands() []*Command {
	out := slices.Clone(commands)
	for name := range subcommands {
		if !slices.ContainsFunc(out, func(c *Command) bool { return c.Name() == name }) {
			out = append(out, lookup(name))
		}
	}
	slices.SortFunc(out, func(a, b *Command) int { return strings.Compare(a.Name(), b.Name()) })
	return out
}

// exitError is an error that carries the exit status of the command that
// returned it. A nil Err means the message was printed already (spec
// errors are printed as they are found).
type exitError struct {
	Code int
	Err  error
}

func (e *exitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *exitError) Unwrap() error { return e.Err }

// withStatus wraps err (nil: already printed) with an exit status.
func withStatus(code int, err error) error { return &exitError{Code: code, Err: err} }

// usageErrorf is a usage error (exit status 2) with a message.
func usageErrorf(format string, a ...any) error {
	return withStatus(exitUsage, fmt.Errorf(format, a...))
}

// failed is a failure (exit status 1) with the message "runexp: err".
func failed(err error) error {
	return withStatus(exitFailed, fmt.Errorf("runexp: %w", err))
}

// exitStatus prints err's message (if any) to stderr and returns the exit
// status it carries: 0 for nil, 1 for an error without one.
func exitStatus(stderr io.Writer, err error) int {
	if err == nil {
		return exitOK
	}
	var e *exitError
	if errors.As(err, &e) {
		if e.Err != nil {
			fmt.Fprintln(stderr, e.Err)
		}
		return e.Code
	}
	fmt.Fprintln(stderr, err)
	return exitFailed
}

// run is the whole command: main only calls it. It returns the exit
// status carried by the error of the command it ran.
func run(stdout, stderr io.Writer, args []string) int {
	return exitStatus(stderr, dispatch(stdout, stderr, args))
}

// dispatch picks the subcommand named by the first argument; anything else
// (a spec, a flag) is the run command's.
func dispatch(stdout, stderr io.Writer, args []string) error {
	if len(args) == 0 {
		printUsage(stderr)
		return withStatus(exitUsage, nil)
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		return help(stdout, args[1:])
	}
	if c := lookup(args[0]); c != nil {
		return c.run(stdout, stderr, args[1:])
	}
	if !strings.HasPrefix(args[0], "-") && !strings.ContainsAny(args[0], "./=") {
		if _, err := os.Stat(args[0]); err != nil {
			var names []string
			for _, c := range allCommands() {
				names = append(names, c.Name())
			}
			if s := suggest.Closest(args[0], names); s != "" {
				return usageErrorf("runexp: unknown command %q; did you mean %q? (runexp help lists the commands)", args[0], s)
			}
		}
	}
	return lookup("run").run(stdout, stderr, args)
}

// run parses the command's flags (before or after the other arguments)
// and runs it.
func (c *Command) run(stdout, stderr io.Writer, args []string) error {
	if c.Main != nil {
		if slices.ContainsFunc(args, func(a string) bool { return a == "-h" || a == "-help" || a == "--help" }) {
			c.mainHelp(stderr)
			return nil
		}
		if code := c.Main(stdout, stderr, args); code != exitOK {
			return withStatus(code, nil)
		}
		return nil
	}
	fs := flag.NewFlagSet("runexp "+c.Name(), flag.ContinueOnError)
	fs.SetOutput(stderr)
	action := c.Flag(fs)
	fs.Usage = func() { c.printHelp(stderr, fs) }
	rest, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		// -h asked for the help, printed to stderr by fs.Usage.
		return nil
	}
	if err != nil {
		return withStatus(exitUsage, nil) // the flag package printed it and the usage
	}
	return action(stdout, stderr, rest)
}

// parseInterspersed parses flags anywhere among the arguments and returns
// the others in order. "--" ends the flags: everything after it is an
// argument.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		left := fs.Args()
		if used := len(args) - len(left); used > 0 && args[used-1] == "--" {
			return append(rest, left...), nil
		}
		if len(left) == 0 {
			return rest, nil
		}
		rest = append(rest, left[0])
		args = left[1:]
	}
}

// overridePattern is a Hydra-style override argument, key.path=value,
// where the path is schema keys joined by dots with [index] or [label]
// list elements.
var overridePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*|\[[^\]=]+\])*=`)

// splitOverrides separates Hydra-style key.path=value arguments from spec
// paths. An argument that names an existing file stays a spec.
func splitOverrides(args []string) (specs, sets []string) {
	for _, a := range args {
		if overridePattern.MatchString(a) {
			if _, err := os.Stat(a); err != nil {
				sets = append(sets, a)
				continue
			}
		}
		specs = append(specs, a)
	}
	return specs, sets
}

// printUsage is `runexp help`: the commands of the table.
func printUsage(w io.Writer) {
	fmt.Fprintf(w, "runexp runs flow-model experiments described by YAML specs.\n\nUsage:\n\n\trunexp [run] [flags] SPEC... [key.path=value...]\n\trunexp COMMAND [arguments]\n\nCommands:\n\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range allCommands() {
		fmt.Fprintf(tw, "\t%s\t%s\n", c.Name(), c.Short)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nUse \"runexp help COMMAND\" (or \"runexp COMMAND -h\") for a command's flags and examples.\nThe spec format is in experiments/SCHEMA.md.\n")
}

// help is `runexp help [COMMAND]`.
func help(stdout io.Writer, args []string) error {
	switch len(args) {
	case 0:
		printUsage(stdout)
		return nil
	case 1:
	default:
		return usageErrorf("usage: runexp help [COMMAND]")
	}
	c := lookup(args[0])
	if c == nil {
		var names []string
		for _, c := range allCommands() {
			names = append(names, c.Name())
		}
		msg := fmt.Sprintf("runexp help %s: unknown command", args[0])
		if s := suggest.Closest(args[0], names); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		return usageErrorf("%s (commands: %s)", msg, strings.Join(names, ", "))
	}
	if c.Main != nil {
		c.mainHelp(stdout)
		return nil
	}
	fs := flag.NewFlagSet("runexp "+c.Name(), flag.ContinueOnError)
	c.Flag(fs)
	c.printHelp(stdout, fs)
	return nil
}

// mainHelp is the help of a command that parses its own flags: the usage
// line, the long text, then the flags its own -h prints.
func (c *Command) mainHelp(w io.Writer) {
	fmt.Fprintf(w, "usage: %s\n\n", c.UsageLine)
	if c.Long != "" {
		fmt.Fprintf(w, "%s\n\n", strings.TrimSpace(c.Long))
	}
	c.Main(io.Discard, w, []string{"-h"}) // its flag set prints the flags
}

// printHelp prints the usage line, the long text with its examples and
// the flags.
func (c *Command) printHelp(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: %s\n\n", c.UsageLine)
	fmt.Fprintf(w, "%s\n", strings.TrimSpace(c.Long))
	hasFlags := false
	fs.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		fmt.Fprintf(w, "\nFlags (before or after the other arguments):\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
}

// specNotFound is the error for a spec file that does not exist: it names
// the directory the path was taken relative to and the closest spec file
// there.
func specNotFound(path string) error {
	wd, _ := os.Getwd()
	msg := fmt.Sprintf("%s: no such spec file", path)
	if !filepath.IsAbs(path) {
		msg += fmt.Sprintf(" (looked in %s)", filepath.Join(wd, filepath.Dir(path)))
	}
	dir := filepath.Dir(path)
	var names []string
	for _, ext := range []string{"*.yaml", "*.yml", "*.spec"} {
		m, _ := filepath.Glob(filepath.Join(dir, ext))
		for _, p := range m {
			names = append(names, filepath.Base(p))
		}
	}
	if s := suggest.Closest(filepath.Base(path), names); s != "" {
		msg += fmt.Sprintf("; did you mean %s?", filepath.Join(dir, s))
	} else if len(names) == 0 && dir == "." {
		if m, _ := filepath.Glob("experiments/*.yaml"); len(m) > 0 {
			msg += fmt.Sprintf("; the shipped specs are in experiments/ (e.g. %s)", m[0])
		}
	}
	return errors.New(msg)
}
