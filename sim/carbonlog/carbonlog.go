// Package carbonlog writes log lines the way WSO2 Carbon products do in repository/logs/wso2carbon.log
// (" [timestamp]  LEVEL {logger} - message"), to the file and to stdout, so that whoever reads a
// simulated product's log reads it like the real one's.
package carbonlog

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Logger is safe for concurrent use.
type Logger struct {
	mu  sync.Mutex
	out io.Writer
	f   *os.File
}

// Open appends to <home>/repository/logs/wso2carbon.log and mirrors to stdout (nil stdout: file only).
func Open(logFile string, stdout io.Writer) (*Logger, error) {
	if err := os.MkdirAll(filepath.Dir(logFile), 0o755); err != nil {
		return nil, fmt.Errorf("create log folder: %w", err)
	}
	f, err := os.OpenFile(logFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	var out io.Writer = f
	if stdout != nil {
		out = io.MultiWriter(f, stdout)
	}
	return &Logger{out: out, f: f}, nil
}

// Discard is a Logger that writes nowhere (for unit tests).
func Discard() *Logger { return &Logger{out: io.Discard} }

// To is a Logger writing to w only (for unit tests that read the log).
func To(w io.Writer) *Logger { return &Logger{out: w} }

func (l *Logger) log(level, logger, format string, args ...any) {
	ts := time.Now().Format("2006-01-02 15:04:05,000")
	line := fmt.Sprintf("[%s] %s {%s} - %s\n", ts, level, logger, fmt.Sprintf(format, args...))
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = io.WriteString(l.out, line)
}

// Info logs at INFO.
func (l *Logger) Info(logger, format string, args ...any) { l.log(" INFO", logger, format, args...) }

// Warn logs at WARN.
func (l *Logger) Warn(logger, format string, args ...any) { l.log(" WARN", logger, format, args...) }

// Error logs at ERROR.
func (l *Logger) Error(logger, format string, args ...any) { l.log("ERROR", logger, format, args...) }

// Close closes the log file.
func (l *Logger) Close() error {
	if l.f != nil {
		return l.f.Close()
	}
	return nil
}
