// A long-lived helm: `helm-controller __driftless-serve <dir>` runs helm command lines one after another in
// this process, so each action pays neither a process start nor helm's package initialisation (about a
// tenth of a CPU-second), and client-go's transport cache keeps the API server connection between them.
//
// Protocol: a JSON line on stdin per request, {"args": [...], "env": {...}}; a JSON line on fd 3 per
// answer, {"code": N, "stdout": "...", "stderr": "..."}, and {"ready": true} once at start. While a request
// runs, fds 1 and 2 are the files <dir>/stdout and <dir>/stderr, so everything helm, client-go, klog and
// the Go runtime write lands there; the answer carries both. When the process dies mid-request (helm calls
// log.Fatal when its storage driver cannot start), the caller reads them itself. Requests run one at a
// time: helm's command keeps its state in package variables and the environment.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	_ "unsafe" // go:linkname

	"golang.org/x/sys/unix"
	"helm.sh/helm/v4/pkg/cli"
)

// helm's pkg/cmd keeps its settings in a package variable that every NewRootCmd reuses, and takes the
// flags' defaults from its current values: without a reset, a flag given to one request (--kube-as-user)
// would be the default of the next.
//
//go:linkname helmSettings helm.sh/helm/v4/pkg/cmd.settings
var helmSettings *cli.EnvSettings

// Every NewRootCmd appends initialisers (helm's storage set-up, and runHelm's own) that cobra runs before
// every later command too: without a reset, a request would run every earlier request's.
//
//go:linkname cobraInitializers github.com/spf13/cobra.initializers
var cobraInitializers []func()

//go:linkname cobraFinalizers github.com/spf13/cobra.finalizers
var cobraFinalizers []func()

type serveRequest struct {
	Args []string          `json:"args"`
	Env  map[string]string `json:"env"`
}

type serveAnswer struct {
	Ready  bool   `json:"ready,omitempty"`
	Code   int    `json:"code"`
	Stdout string `json:"stdout"`
	Stderr string `json:"stderr"`
}

func serve(args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: helm-controller __driftless-serve <dir>")
		return 2
	}
	dir := args[0]
	answers := json.NewEncoder(os.NewFile(3, "answers"))
	savedOut, err := unix.Dup(1)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	savedErr, err := unix.Dup(2)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	env := newRequestEnv()
	if err := answers.Encode(serveAnswer{Ready: true}); err != nil {
		return 1
	}
	requests := bufio.NewReader(os.Stdin)
	for {
		line, err := requests.ReadBytes('\n')
		if len(strings.TrimSpace(string(line))) == 0 {
			if err != nil {
				return 0 // stdin closed: the caller is done with this worker
			}
			continue
		}
		var req serveRequest
		if err := json.Unmarshal(line, &req); err != nil {
			fmt.Fprintln(os.Stderr, "invalid request:", err)
			return 2
		}
		answer := serveOne(dir, req, env, savedOut, savedErr)
		if err := answers.Encode(answer); err != nil {
			return 1
		}
		// Give back what the request's heap held: the worker may idle a long time before the next one.
		debug.FreeOSMemory()
	}
}

// serveOne runs a request with fds 1 and 2 on its files, then answers with what they hold and removes them:
// the output may hold rendered Secrets, so it stays on disk only while the request runs.
func serveOne(dir string, req serveRequest, env *requestEnv, savedOut, savedErr int) serveAnswer {
	outPath, errPath := filepath.Join(dir, "stdout"), filepath.Join(dir, "stderr")
	code := func() int {
		stdout, err := os.Create(outPath)
		if err != nil {
			return answerError(dir, err)
		}
		defer stdout.Close()
		stderr, err := os.Create(errPath)
		if err != nil {
			return answerError(dir, err)
		}
		defer stderr.Close()
		if err := unix.Dup2(int(stdout.Fd()), 1); err != nil {
			return answerError(dir, err)
		}
		defer unix.Dup2(savedOut, 1)
		if err := unix.Dup2(int(stderr.Fd()), 2); err != nil {
			return answerError(dir, err)
		}
		defer unix.Dup2(savedErr, 2)
		env.apply(req.Env)
		return runServed(req.Args)
	}()
	out, _ := os.ReadFile(outPath)
	errOut, _ := os.ReadFile(errPath)
	_ = os.Remove(outPath)
	_ = os.Remove(errPath)
	return serveAnswer{Code: code, Stdout: string(out), Stderr: string(errOut)}
}

// runServed runs one command line as a fresh helm process would: settings read anew from the environment,
// no initialisers left from earlier requests; a panic is the request's failure, not the worker's.
func runServed(args []string) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "Error: helm panicked: %v\n%s", r, debug.Stack())
			code = 2
		}
	}()
	helmSettings = cli.New()
	cobraInitializers = nil
	cobraFinalizers = nil
	return runHelm(args)
}

// answerError reports a failure to set a request up in its stderr file, where the caller looks.
func answerError(dir string, err error) int {
	_ = os.WriteFile(filepath.Join(dir, "stderr"), []byte("Error: helm worker: "+err.Error()+"\n"), 0o600)
	return 1
}

// requestEnv gives each request its own variables on top of the worker's start environment, and takes
// back the previous request's.
type requestEnv struct {
	base map[string]string
	set  []string
}

func newRequestEnv() *requestEnv {
	base := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			base[k] = v
		}
	}
	return &requestEnv{base: base}
}

func (e *requestEnv) apply(vars map[string]string) {
	for _, k := range e.set {
		if v, ok := e.base[k]; ok {
			_ = os.Setenv(k, v)
		} else {
			_ = os.Unsetenv(k)
		}
	}
	e.set = e.set[:0]
	for k, v := range vars {
		_ = os.Setenv(k, v)
		e.set = append(e.set, k)
	}
}
