// Command startup measures how long `rollcall serve` takes from exec to
// its first 200 on /healthz on an already-migrated SQLite database, and its
// resident memory once idle, beside a baseline in the same run: a minimal
// net/http + SQLite server (bench/startup/minimal). The two run in
// alternation, each start in a fresh process, so that machine noise falls
// on both.
//
//	go run ./bench/startup             # 15 starts of each
//	go run ./bench/startup -n 30 -idle 3s
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	n := flag.Int("n", 15, "starts of each server")
	idle := flag.Duration("idle", 2*time.Second, "wait after the first 200 before reading the idle RSS")
	flag.Parse()
	if err := run(*n, *idle); err != nil {
		fmt.Fprintln(os.Stderr, "startup:", err)
		os.Exit(1)
	}
}

// server is one binary under test and its measurements.
type server struct {
	name   string
	bin    string
	ready  []time.Duration
	rssKiB []int
}

func run(n int, idle time.Duration) error {
	dir, err := os.MkdirTemp("", "rollcall-startup-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	rollcall := &server{name: "rollcall serve", bin: filepath.Join(dir, "rollcall")}
	minimal := &server{name: "baseline: net/http + SQLite", bin: filepath.Join(dir, "minimal")}
	for _, b := range []struct{ out, pkg string }{{rollcall.bin, "."}, {minimal.bin, "./bench/startup/minimal"}} {
		if out, err := exec.Command("go", "build", "-o", b.out, b.pkg).CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %v\n%s", b.pkg, err, out)
		}
	}
	env := append(os.Environ(),
		"ROLLCALL_DATABASE="+filepath.Join(dir, "rollcall.db"),
		"ROLLCALL_ADMIN_EMAIL=admin@example.com", "ROLLCALL_ADMIN_PASSWORD=correct horse battery",
		"ZOOM_ACCOUNT_ID=acct", "ZOOM_CLIENT_ID=id", "ZOOM_CLIENT_SECRET=secret",
		"ZOOM_WEBHOOK_SECRET_TOKEN=token", "ZOOM_API_URL=http://127.0.0.1:9", "ZOOM_OAUTH_URL=http://127.0.0.1:9",
		"ROLLCALL_SWEEP_EVERY=0")
	// Migrated once, as a database is after its first start.
	mig := exec.Command(rollcall.bin, "migrate")
	mig.Env = env
	if out, err := mig.CombinedOutput(); err != nil {
		return fmt.Errorf("rollcall migrate: %v\n%s", err, out)
	}
	for range n {
		for _, s := range []*server{minimal, rollcall} {
			if err := s.start(env, idle); err != nil {
				return fmt.Errorf("%s: %w", s.name, err)
			}
		}
	}
	fmt.Printf("%d starts of each on an already-migrated SQLite database; idle RSS read %s after the first 200\n\n", n, idle)
	fmt.Printf("%-30s %12s %12s %12s %14s\n", "server", "ready p50", "ready min", "ready max", "idle RSS p50")
	for _, s := range []*server{rollcall, minimal} {
		fmt.Printf("%-30s %12s %12s %12s %11.1f MB\n", s.name, ms(median(s.ready)), ms(slices.Min(s.ready)),
			ms(slices.Max(s.ready)), float64(median(s.rssKiB))/1024)
	}
	fmt.Printf("\nratio of the medians (rollcall / baseline): ready %.2fx, idle RSS %.2fx\n",
		float64(median(rollcall.ready))/float64(median(minimal.ready)),
		float64(median(rollcall.rssKiB))/float64(median(minimal.rssKiB)))
	return nil
}

// start runs the server once: it times exec to the first 200 on /healthz,
// reads its RSS after idle, and stops it.
func (s *server) start(env []string, idle time.Duration) error {
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	cmd := exec.Command(s.bin, "serve")
	cmd.Env = append(env, "ROLLCALL_ADDR="+addr)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	url := "http://" + addr + "/healthz"
	client := &http.Client{Timeout: time.Second}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		res, err := client.Get(url)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		if ctx.Err() != nil {
			return fmt.Errorf("no 200 from %s within 20 s: %v\n%s", url, err, stderr.String())
		}
		time.Sleep(time.Millisecond)
	}
	s.ready = append(s.ready, time.Since(t0))
	time.Sleep(idle)
	rss, err := vmRSS(cmd.Process.Pid)
	if err != nil {
		return err
	}
	s.rssKiB = append(s.rssKiB, rss)
	return nil
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// vmRSS returns the resident set size of process pid in KiB.
func vmRSS(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
		}
	}
	return 0, errors.New("no VmRSS in /proc status")
}

func median[T int | time.Duration](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }
