package suggest

import "testing"

// TestDistance checks the edit distance against counts done by hand.
func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"abc", "", 3},
		{"", "abc", 3},
		{"kitten", "sitting", 3}, // k→s, e→i, +g
		{"trainig", "training", 1},
		{"flaw", "lawn", 2},
		{"valdiate", "validate", 1}, // an adjacent swap is one edit
		{"ca", "abc", 3},            // OSA, not full Damerau (which gives 2)
		{"héllo", "hello", 1},       // runes, not bytes
	} {
		if got := Distance(c.a, c.b); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := Distance(c.b, c.a); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d (symmetry)", c.b, c.a, got, c.want)
		}
	}
}

func TestClosest(t *testing.T) {
	keys := []string{"name", "data", "methods", "training", "evaluation", "report"}
	for _, c := range []struct {
		name string
		want string
	}{
		{"trainig", "training"},
		{"Euler", ""}, // not in keys
		{"reprot", "report"},
		{"zzzzzz", ""},
		{"training", ""}, // valid already: nothing to suggest
	} {
		if got := Closest(c.name, keys); got != c.want {
			t.Errorf("Closest(%q) = %q, want %q", c.name, got, c.want)
		}
	}
	if got := Closest("B", []string{"A"}); got != "" {
		t.Errorf("Closest(B, [A]) = %q, want none (every rune replaced)", got)
	}
	if got := Closest("Euler", []string{"dopri5", "euler", "heun"}); got != "euler" {
		t.Errorf("Closest(Euler) = %q, want euler (case)", got)
	}
}
