package sentrysim

import (
	"strings"
	"sync"
)

// preciseFaults are faults aimed at given requests, as opposed to the
// random draws of Config: a test names the method and route of the
// request it wants to fail and how many times.
type preciseFaults struct {
	mu sync.Mutex
	// dropAfter counts, by "METHOD route-name", the requests still to be
	// carried out and then answered with a dropped connection.
	dropAfter map[string]int
}

func newPreciseFaults() *preciseFaults {
	return &preciseFaults{dropAfter: make(map[string]int)}
}

func faultKey(method, route string) string {
	return strings.ToUpper(method) + " " + route
}

// takeDropAfter reports whether a request is one of those DropAfterNext
// asked for, and counts it.
func (p *preciseFaults) takeDropAfter(method, route string) bool {
	if route == "" {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	k := faultKey(method, route)
	n := p.dropAfter[k]
	if n <= 0 {
		return false
	}
	if n == 1 {
		delete(p.dropAfter, k)
	} else {
		p.dropAfter[k] = n - 1
	}
	return true
}
