// Package progress carries a cell's progress from the suite process to kmconform, so that a matrix can
// show one line per cell and phase while each cell's Ginkgo stream goes to its log file: kmconform hands
// the suite a pipe (its file descriptor in KMCONFORM_PROGRESS_FD) and the suite writes one JSON event a
// line. Without the variable (the suite run by hand) nothing is written.
package progress

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"strconv"
	"sync"
	"syscall"
)

// EnvFD names the environment variable that holds the pipe's file descriptor in the suite process.
const EnvFD = "KMCONFORM_PROGRESS_FD"

// The phases of a cell.
const (
	Setup    = "setup"    // a base setup step started: Step of Of, ID, Name
	Checks   = "checks"   // a check finished: Done of Total, Failed so far
	Teardown = "teardown" // evidence is being saved and the cell removed
)

// Event is one step of a cell's progress.
type Event struct {
	Phase string `json:"phase"`
	// Setup: the step (1-based) of Of, its id and name.
	Step int    `json:"step,omitempty"`
	Of   int    `json:"of,omitempty"`
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
	// Checks: how many of Total have finished, and how many of those failed.
	Done   int `json:"done,omitempty"`
	Total  int `json:"total,omitempty"`
	Failed int `json:"failed,omitempty"`
}

// Emitter writes events; a nil Emitter writes nothing.
type Emitter struct {
	mu sync.Mutex
	w  io.Writer
}

// FromEnv returns the emitter of the pipe kmconform handed this process, or nil. The descriptor is marked
// close-on-exec, so that the products the suite starts do not hold the pipe open.
func FromEnv() *Emitter {
	fd, err := strconv.Atoi(os.Getenv(EnvFD))
	if err != nil || fd < 3 {
		return nil
	}
	syscall.CloseOnExec(fd)
	return &Emitter{w: os.NewFile(uintptr(fd), "kmconform-progress")}
}

// New returns an emitter writing to w (tests).
func New(w io.Writer) *Emitter { return &Emitter{w: w} }

// Emit writes one event. Errors are ignored: progress is a courtesy, never a reason to fail a cell.
func (e *Emitter) Emit(ev Event) {
	if e == nil {
		return
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	_, _ = e.w.Write(append(b, '\n'))
}

// Read calls fn for every event on r until r ends; lines that are not events are ignored.
func Read(r io.Reader, fn func(Event)) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		var ev Event
		if json.Unmarshal(sc.Bytes(), &ev) == nil && ev.Phase != "" {
			fn(ev)
		}
	}
}
