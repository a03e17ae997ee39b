package runner

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/flowbench/flowbench/pkg/results"
)

// Quiet is a Progress that shows nothing.
type Quiet struct{}

func (Quiet) Start(int, int, float64)                   {}
func (Quiet) Begin(*Artifact)                           {}
func (Quiet) Step(*Artifact, int, int)                  {}
func (Quiet) End(*Artifact, results.Run, time.Duration) {}
func (Quiet) Finish()                                   {}

// Log is a Progress that writes one line per finished artifact, for
// output that is not a terminal.
type Log struct {
	W        io.Writer
	total, n int
	failed   int
	start    time.Time
}

func (l *Log) Start(total, cached int, cost float64) {
	l.total, l.n, l.start = total, cached, time.Now()
	fmt.Fprintf(l.W, "%d artifacts, %d cached, %d to compute\n", total, cached, total-cached)
}

func (l *Log) Begin(*Artifact)          {}
func (l *Log) Step(*Artifact, int, int) {}

func (l *Log) End(a *Artifact, r results.Run, took time.Duration) {
	l.n++
	status := string(r.Status)
	if r.Status != StatusOK {
		l.failed++
		status += ": " + firstLine(r.Error)
	}
	fmt.Fprintf(l.W, "[%d/%d] %s: %s (%.1fs)\n", l.n, l.total, a.Label, status, took.Seconds())
}

// elsewhere is implemented by a Progress that tells apart the artifacts
// another writer of the store computed while this run waited (Run calls
// it instead of End for them).
type elsewhere interface {
	Elsewhere(a *Artifact, r results.Run)
}

// Elsewhere writes the line of an artifact another writer computed.
func (l *Log) Elsewhere(a *Artifact, r results.Run) {
	l.n++
	if r.Status != StatusOK {
		l.failed++
	}
	fmt.Fprintf(l.W, "[%d/%d] %s: %s, stored by another writer\n", l.n, l.total, a.Label, r.Status)
}

func (l *Log) Finish() {
	fmt.Fprintf(l.W, "done in %.1fs", time.Since(l.start).Seconds())
	if l.failed > 0 {
		fmt.Fprintf(l.W, ", %d failed or skipped", l.failed)
	}
	fmt.Fprintln(l.W)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// Bar is a Progress for a terminal: one line redrawn in place with a bar
// over the sweep's estimated cost, the ETA, and the step of the artifacts
// running; failures are printed above it as they happen.
type Bar struct {
	W     io.Writer
	Width int // of the bar, in cells (default 30)

	total, n    int
	cost, spent float64
	start       time.Time
	running     map[*Artifact][2]int
	order       []*Artifact
	lastDraw    time.Time
	failed      int
	lineLen     int
}

func (b *Bar) Start(total, cached int, cost float64) {
	b.total, b.n, b.cost, b.start = total, cached, cost, time.Now()
	b.running = map[*Artifact][2]int{}
	b.draw(true)
}

func (b *Bar) Begin(a *Artifact) {
	b.running[a] = [2]int{0, 0}
	b.order = append(b.order, a)
	b.draw(false)
}

func (b *Bar) Step(a *Artifact, done, total int) {
	if _, ok := b.running[a]; ok {
		b.running[a] = [2]int{done, total}
	}
	b.draw(false)
}

func (b *Bar) End(a *Artifact, r results.Run, took time.Duration) {
	delete(b.running, a)
	for i, x := range b.order {
		if x == a {
			b.order = append(b.order[:i], b.order[i+1:]...)
			break
		}
	}
	b.n++
	b.spent += a.Cost
	if r.Status != StatusOK {
		b.failed++
		b.clear()
		fmt.Fprintf(b.W, "%s: %s: %s\n", a.Label, r.Status, firstLine(r.Error))
	}
	b.draw(true)
}

func (b *Bar) Finish() {
	b.draw(true)
	fmt.Fprintln(b.W)
}

func (b *Bar) clear() {
	fmt.Fprintf(b.W, "\r%s\r", strings.Repeat(" ", b.lineLen))
}

// fraction is the share of the estimated cost done, counting the running
// artifacts' steps.
func (b *Bar) fraction() float64 {
	if b.cost <= 0 {
		if b.total == 0 {
			return 1
		}
		return float64(b.n) / float64(b.total)
	}
	done := b.spent
	for a, st := range b.running {
		if st[1] > 0 {
			done += a.Cost * float64(st[0]) / float64(st[1])
		}
	}
	return min(done/b.cost, 1)
}

func (b *Bar) draw(force bool) {
	if !force && time.Since(b.lastDraw) < 100*time.Millisecond {
		return
	}
	b.lastDraw = time.Now()
	width := b.Width
	if width <= 0 {
		width = 30
	}
	f := b.fraction()
	full := int(f * float64(width))
	bar := strings.Repeat("█", full) + strings.Repeat("░", width-full)
	eta := "--"
	if el := time.Since(b.start); f > 0.01 && f < 1 {
		eta = (time.Duration(float64(el) * (1 - f) / f)).Round(time.Second).String()
	} else if f >= 1 {
		eta = "0s"
	}
	line := fmt.Sprintf("%s %3.0f%% %d/%d ETA %s", bar, 100*f, b.n, b.total, eta)
	if b.failed > 0 {
		line += fmt.Sprintf(" (%d failed)", b.failed)
	}
	if len(b.order) > 0 {
		a := b.order[0]
		st := b.running[a]
		line += " | " + a.Label
		if st[1] > 0 {
			line += fmt.Sprintf(" %d/%d", st[0], st[1])
		}
		if len(b.order) > 1 {
			line += fmt.Sprintf(" (+%d)", len(b.order)-1)
		}
	}
	pad := ""
	if n := len([]rune(line)); n < b.lineLen {
		pad = strings.Repeat(" ", b.lineLen-n)
	}
	fmt.Fprintf(b.W, "\r%s%s", line, pad)
	b.lineLen = len([]rune(line))
}
