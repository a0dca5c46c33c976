package methods

import (
	"errors"
	"sync"
	"testing"
)

func TestMemo(t *testing.T) {
	var m Memo
	calls := 0
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := m.Get("k", func() (any, error) { calls++; return 42, nil })
			if err != nil || v.(int) != 42 {
				t.Errorf("Get = %v, %v", v, err)
			}
		}()
	}
	wg.Wait()
	if calls != 1 {
		t.Fatalf("computed %d times, want once", calls)
	}
	// A failure is not cached: the next call computes again.
	boom := errors.New("boom")
	if _, err := m.Get("f", func() (any, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	v, err := m.Get("f", func() (any, error) { return 7, nil })
	if err != nil || v.(int) != 7 {
		t.Fatalf("after a failure Get = %v, %v; want a fresh computation", v, err)
	}
	var nilMemo *Memo
	if v, _ := nilMemo.Get("x", func() (any, error) { return 1, nil }); v.(int) != 1 {
		t.Fatal("nil Memo must compute")
	}
}
