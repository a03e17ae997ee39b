// Package suggest finds the valid name closest to a mistyped one, for
// "did you mean" hints in error messages.
package suggest

import "strings"

// Distance is the edit distance between a and b counting a swap of two
// adjacent runes as one edit (optimal string alignment): the least number
// of single-rune insertions, deletions, substitutions and adjacent
// transpositions that turn a into b, no substring edited twice.
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// d[i][j] is the distance between ra[:i] and rb[:j].
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// Closest returns the choice nearest to name: an exact match ignoring case
// first, otherwise the choice at the smallest edit distance (ignoring
// case) if that distance is at most a third of the longer name's length
// (at least 1, and short of replacing every rune), and "" when nothing is that close. Ties go to the earlier
// choice.
func Closest(name string, choices []string) string {
	low := strings.ToLower(name)
	for _, c := range choices {
		if strings.ToLower(c) == low && c != name {
			return c
		}
	}
	best, bestD := "", -1
	for _, c := range choices {
		if c == name {
			return ""
		}
		d := Distance(low, strings.ToLower(c))
		longer := max(len([]rune(name)), len([]rune(c)))
		if d <= max(1, longer/3) && d < longer && (bestD < 0 || d < bestD) {
			best, bestD = c, d
		}
	}
	return best
}
