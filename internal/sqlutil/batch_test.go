package sqlutil

import (
	"slices"
	"testing"
)

func TestNextBatch(t *testing.T) {
	reqs := make(chan int, 10)
	quit := make(chan struct{})
	for i := 1; i <= 5; i++ {
		reqs <- i
	}
	b, ok := NextBatch(reqs, quit, nil, 3)
	if !ok || !slices.Equal(b, []int{1, 2, 3}) {
		t.Fatalf("first batch %v, %v; want [1 2 3] bounded by max", b, ok)
	}
	b, ok = NextBatch(reqs, quit, b, 3)
	if !ok || !slices.Equal(b, []int{4, 5}) {
		t.Fatalf("second batch %v, %v; want what was queued, [4 5]", b, ok)
	}
	close(quit)
	if b, ok = NextBatch(reqs, quit, b, 3); ok || len(b) != 0 {
		t.Fatalf("after quit: %v, %v; want nothing", b, ok)
	}
}
