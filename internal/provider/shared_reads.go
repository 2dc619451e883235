package provider

import (
	"context"
	"errors"
	"sync"
)

// sharedReads makes each read at most once per provider run and key, and
// hands its result to every caller: the first caller of a key reads,
// concurrent callers wait for it. A read cut short by its caller's
// cancellation or deadline is not kept, so the next caller reads again.
// The zero value is ready to use.
type sharedReads[K comparable, V any] struct {
	mu    sync.Mutex
	reads map[K]*sharedRead[V]
}

// sharedRead is one read; done is closed when its result is there.
type sharedRead[V any] struct {
	done  chan struct{}
	value V
	err   error
}

func (s *sharedReads[K, V]) get(ctx context.Context, key K, read func(context.Context) (V, error)) (V, error) {
	for {
		s.mu.Lock()
		if s.reads == nil {
			s.reads = make(map[K]*sharedRead[V])
		}
		r := s.reads[key]
		if r == nil {
			r = &sharedRead[V]{done: make(chan struct{})}
			s.reads[key] = r
			s.mu.Unlock()
			r.value, r.err = read(ctx)
			if r.err != nil && ctx.Err() != nil {
				s.mu.Lock()
				delete(s.reads, key)
				s.mu.Unlock()
			}
			close(r.done)
			return r.value, r.err
		}
		s.mu.Unlock()
		select {
		case <-r.done:
		case <-ctx.Done():
			var zero V
			return zero, ctx.Err()
		}
		if r.err != nil && isContextError(r.err) {
			// The reader gave up; read again.
			continue
		}
		return r.value, r.err
	}
}

func isContextError(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
