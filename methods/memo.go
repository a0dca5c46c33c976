package methods

import "sync"

// Memo is a concurrency-safe cache of derived data, computed once per key.
type Memo struct {
	mu sync.Mutex
	m  map[string]*memoCell
}

type memoCell struct {
	once sync.Once
	v    any
	err  error
}

// Get returns the value cached under key, computing it with compute on first
// use. Concurrent callers for the same key wait for one computation. A failed
// computation is returned to the callers that waited for it but not kept:
// the next call computes again (a cancelled run must not poison the cache).
func (m *Memo) Get(key string, compute func() (any, error)) (any, error) {
	if m == nil {
		return compute()
	}
	m.mu.Lock()
	if m.m == nil {
		m.m = make(map[string]*memoCell)
	}
	c, ok := m.m[key]
	if !ok {
		c = &memoCell{}
		m.m[key] = c
	}
	m.mu.Unlock()
	c.once.Do(func() { c.v, c.err = compute() })
	if c.err != nil {
		m.mu.Lock()
		if m.m[key] == c {
			delete(m.m, key)
		}
		m.mu.Unlock()
	}
	return c.v, c.err
}

// Cached is the typed form of Memo.Get for data derived from p.Data: the key
// is prefixed with p.DataKey.
func Cached[T any](p *Problem, key string, compute func() (T, error)) (T, error) {
	v, err := p.Memo.Get(p.DataKey+"|"+key, func() (any, error) { return compute() })
	if err != nil {
		var zero T
		return zero, err
	}
	return v.(T), nil
}
