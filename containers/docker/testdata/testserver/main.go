// Command testserver is the process inside the docker backend's test image: a tiny HTTP server that lets
// the test see the container from the inside (its uid, its files, the network aliases of its neighbours).
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /uid", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "%d:%d", os.Getuid(), os.Getgid())
	})
	// GET reads a file, PUT overwrites or creates it: as the image's non-root user.
	mux.HandleFunc("GET /file", func(w http.ResponseWriter, r *http.Request) {
		b, err := os.ReadFile(r.URL.Query().Get("path"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		_, _ = w.Write(b)
	})
	mux.HandleFunc("PUT /file", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f, err := os.OpenFile(r.URL.Query().Get("path"), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		if err == nil {
			_, err = f.Write(b)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	// GET /fetch?url= fetches a URL from inside the network (to reach a neighbour by its alias).
	mux.HandleFunc("GET /fetch", func(w http.ResponseWriter, r *http.Request) {
		c := http.Client{Timeout: 5 * time.Second}
		resp, err := c.Get(r.URL.Query().Get("url"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		_, _ = io.Copy(w, resp.Body)
	})
	mux.HandleFunc("POST /exit", func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.URL.Query().Get("code"))
		fmt.Printf("exiting with code %d\n", code)
		w.WriteHeader(http.StatusNoContent)
		go func() { time.Sleep(100 * time.Millisecond); os.Exit(code) }()
	})

	for _, addr := range []string{":9443", ":8080"} {
		go func() {
			if err := http.ListenAndServe(addr, mux); err != nil {
				fmt.Fprintln(os.Stderr, "listen:", err)
				os.Exit(1)
			}
		}()
	}
	fmt.Printf("testserver listening on 9443 and 8080 as uid %d\n", os.Getuid())
	fmt.Fprintln(os.Stderr, "testserver stderr line")

	// As PID 1 a process only gets the signals it handles: stop promptly on docker stop.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	<-ctx.Done()
	fmt.Println("testserver stopping")
}
