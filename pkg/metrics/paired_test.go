package metrics

import (
	"math"
	"testing"
)

// TestPairedTTestClosedForm checks the paired t test's p-value against the
// closed forms of Student's t survival function for ν = 1 and ν = 2
// (independent of gonum's incomplete beta): P(|T_1| ≥ t) = 1 − (2/π)·atan t
// and P(|T_2| ≥ t) = 1 − t/sqrt(2 + t²).
func TestPairedTTestClosedForm(t *testing.T) {
	// Differences {1, 2, 4} (a − b): mean 7/3, variance 7/3, so
	// t = (7/3)/sqrt((7/3)/3) = sqrt(7), ν = 2, p = 1 − sqrt(7)/3.
	a := []float64{11, 12, 14}
	b := []float64{10, 10, 10}
	tt, df, p := PairedTTest(a, b)
	if math.Abs(tt-math.Sqrt(7)) > 1e-12 || df != 2 {
		t.Errorf("t = %v df = %v, want sqrt(7), 2", tt, df)
	}
	if want := 1 - math.Sqrt(7)/3; math.Abs(p-want) > 1e-12 {
		t.Errorf("p = %v, want 1 − sqrt(7)/3 = %v", p, want)
	}
	// Differences {1, 3}: mean 2, sd sqrt(2), t = 2/(sqrt(2)/sqrt(2)) = 2,
	// ν = 1, p = 1 − (2/π)·atan 2 = 0.2951672353.
	_, _, p = PairedTTest([]float64{1, 3}, []float64{0, 0})
	if want := 1 - 2/math.Pi*math.Atan(2); math.Abs(p-want) > 1e-12 {
		t.Errorf("ν = 1: p = %v, want %v", p, want)
	}
	// ν = 4 at the table's two-sided 5% point t_{0.975,4} = 2.776445
	// (Student's t table): differences m + s·z with z of mean 0 and sample
	// sd 1, scaled so that t is that value, must give p = 0.05.
	z := []float64{-1.2649110640673518, -0.6324555320336759, 0, 0.6324555320336759, 1.2649110640673518} // {-2,-1,0,1,2}/sqrt(2.5)
	mean := 2.776445 / math.Sqrt(5)
	d := make([]float64, 5)
	for i := range z {
		d[i] = mean + z[i]
	}
	_, _, p = PairedTTest(d, make([]float64, 5))
	if math.Abs(p-0.05) > 1e-6 {
		t.Errorf("t = t_{0.975,4}: p = %v, want 0.05", p)
	}
}

// TestPairedP: differences without spread.
func TestPairedP(t *testing.T) {
	if p := PairedP([]float64{2, 3, 4}, []float64{1, 2, 3}); p != 0 {
		t.Errorf("constant non-zero difference: p = %v, want 0", p)
	}
	if p := PairedP([]float64{1, 2}, []float64{1, 2}); p != 1 {
		t.Errorf("no difference: p = %v, want 1", p)
	}
	if p := PairedP([]float64{1}, []float64{0}); !math.IsNaN(p) {
		t.Errorf("one pair: p = %v, want NaN", p)
	}
}

// TestSignTest against binomial tail sums done by hand.
func TestSignTest(t *testing.T) {
	// 9 positive, 1 negative of 10: p = 2·(C(10,0) + C(10,1))/2^10 = 22/1024.
	a := []float64{1, 1, 1, 1, 1, 1, 1, 1, 1, -1, 0}
	b := make([]float64, len(a))
	pos, neg, p := SignTest(a, b)
	if pos != 9 || neg != 1 || math.Abs(p-22.0/1024) > 1e-15 {
		t.Errorf("pos %d neg %d p %v, want 9 1 %v", pos, neg, p, 22.0/1024)
	}
	// 3 positive of 3: p = 2/8.
	if _, _, p := SignTest([]float64{1, 2, 3}, []float64{0, 0, 0}); math.Abs(p-0.25) > 1e-15 {
		t.Errorf("3 of 3: p = %v, want 0.25", p)
	}
	// 2 and 2: p = min(1, 2·11/16) = 1.
	if _, _, p := SignTest([]float64{1, 1, -1, -1}, make([]float64, 4)); p != 1 {
		t.Errorf("balanced: p = %v, want 1", p)
	}
}

// bruteWilcoxon enumerates all 2^n sign assignments of the given ranks: the
// reference for the convolution in WilcoxonSignedRank.
func bruteWilcoxon(ranks []float64, plus float64) float64 {
	n := len(ranks)
	total := 0.0
	for _, r := range ranks {
		total += r
	}
	dev := math.Abs(plus - total/2)
	hits := 0
	for mask := 0; mask < 1<<n; mask++ {
		s := 0.0
		for i, r := range ranks {
			if mask>>i&1 == 1 {
				s += r
			}
		}
		if math.Abs(s-total/2) >= dev-1e-9 {
			hits++
		}
	}
	return float64(hits) / float64(int(1)<<n)
}

// TestWilcoxonSignedRank against a published value and brute-force
// enumeration.
func TestWilcoxonSignedRank(t *testing.T) {
	// Darwin's Zea mays differences (cross- minus self-fertilised heights,
	// eighths of an inch), the example of scipy.stats.wilcoxon's
	// documentation, which quotes statistic 24.0 and exact two-sided
	// p-value 0.041259765625 (= 1352/32768).
	d := []float64{6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75}
	w, p, n := WilcoxonSignedRank(d, make([]float64, len(d)))
	if w != 24 || n != 15 || math.Abs(p-0.041259765625) > 1e-15 {
		t.Errorf("Zea mays: W = %v p = %v n = %d, want 24, 0.041259765625, 15", w, p, n)
	}
	// All n = 5 differences positive: only the all-positive and the
	// all-negative assignments are as extreme, p = 2/32.
	if _, p, _ := WilcoxonSignedRank([]float64{1, 2, 3, 4, 5}, make([]float64, 5)); math.Abs(p-0.0625) > 1e-15 {
		t.Errorf("5 of 5 positive: p = %v, want 0.0625", p)
	}
	// Ties and a zero: differences {0, 1, -1, 2, 2, 3, -4}; the zero is
	// dropped, |d| ranks are 1.5, 1.5, 3.5, 3.5, 5, 6, positive sum
	// 1.5 + 3.5 + 3.5 + 5 = 13.5; the reference enumerates 2^6 signs.
	a := []float64{0, 1, -1, 2, 2, 3, -4}
	w, p, n = WilcoxonSignedRank(a, make([]float64, len(a)))
	want := bruteWilcoxon([]float64{1.5, 1.5, 3.5, 3.5, 5, 6}, 13.5)
	if n != 6 || w != 7.5 || math.Abs(p-want) > 1e-15 {
		t.Errorf("ties: W = %v p = %v n = %d, want 7.5, %v, 6", w, p, n, want)
	}
}

// TestHolm against the step-down rule applied by hand: p = (0.01, 0.04,
// 0.03, 0.005), m = 4; sorted 0.005, 0.01, 0.03, 0.04 → 4·0.005 = 0.02,
// 3·0.01 = 0.03, 2·0.03 = 0.06, max(0.06, 1·0.04) = 0.06 (R's
// p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm") prints 0.03 0.06 0.06 0.02).
func TestHolm(t *testing.T) {
	got := Holm([]float64{0.01, 0.04, 0.03, 0.005})
	want := []float64{0.03, 0.06, 0.06, 0.02}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-15 {
			t.Errorf("Holm[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	got = Holm([]float64{0.5, math.NaN(), 0.6})
	if got[0] != 1 || !math.IsNaN(got[1]) || got[2] != 1 {
		t.Errorf("NaN and capping: %v", got)
	}
}
