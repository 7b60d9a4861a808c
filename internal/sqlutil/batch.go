package sqlutil

// NextBatch is the gathering step of both stores' group committers: it
// waits for one request on reqs and returns it, in buf[:0], with every
// request already queued behind it, at most max. ok is false when quit
// closes while it waits.
func NextBatch[T any](reqs <-chan T, quit <-chan struct{}, buf []T, max int) (batch []T, ok bool) {
	batch = buf[:0]
	select {
	case r := <-reqs:
		batch = append(batch, r)
	case <-quit:
		return batch, false
	}
	for len(batch) < max {
		select {
		case r := <-reqs:
			batch = append(batch, r)
		default:
			return batch, true
		}
	}
	return batch, true
}
