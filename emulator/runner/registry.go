package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/GoogleCloudPlatform/functions-framework-go/funcframework"
	"github.com/ihep/backend/shared/manifest"
)

// servingPrefix starts the line that funcframework prints to stdout for each
// function while it builds its router (v1.9.2, FUNCTION_TARGET unset).
const servingPrefix = "Serving function: "

// registryMu serialises registeredFunctionNames, which swaps os.Stdout.
var registryMu sync.Mutex

// registeredFunctionNames returns the sorted names of the functions registered
// with the Functions Framework.
//
// functions-framework-go v1.9.2 keeps its registry in an internal package, so
// the names are read from the line it prints for each function while it builds
// its router. Port -1 makes the listen fail right after the router is built,
// so nothing is served. Functions registered by path alone print an empty name
// and are skipped: the runner registers its own endpoints that way.
func registeredFunctionNames() ([]string, error) {
	registryMu.Lock()
	defer registryMu.Unlock()

	if os.Getenv("FUNCTION_TARGET") != "" {
		return nil, errors.New("FUNCTION_TARGET is set: the framework would build a router for that one function only")
	}
	reader, writer, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("create pipe for the framework's output: %w", err)
	}
	output := make(chan []byte, 1)
	go func() {
		data, _ := io.ReadAll(reader)
		output <- data
	}()

	stdout := os.Stdout
	os.Stdout = writer
	startErr := funcframework.StartHostPort("127.0.0.1", "-1")
	os.Stdout = stdout
	writer.Close()
	printed := <-output
	reader.Close()

	var opErr *net.OpError
	if !errors.As(startErr, &opErr) {
		return nil, fmt.Errorf("build the functions router: %w", startErr)
	}
	return parseServingLines(printed)
}

// parseServingLines extracts the quoted names from "Serving function: NAME"
// lines and ignores every other line.
func parseServingLines(printed []byte) ([]string, error) {
	var names []string
	scanner := bufio.NewScanner(bytes.NewReader(printed))
	for scanner.Scan() {
		quoted, ok := strings.CutPrefix(scanner.Text(), servingPrefix)
		if !ok {
			continue
		}
		name, err := strconv.Unquote(quoted)
		if err != nil {
			return nil, fmt.Errorf("parse framework output line %q: %w", scanner.Text(), err)
		}
		if name != "" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names, scanner.Err()
}

// checkRegistry reports manifest functions that no imported package registers
// and registered functions that the manifest does not list.
func checkRegistry(m *manifest.Manifest, registered []string) error {
	isRegistered := map[string]bool{}
	for _, name := range registered {
		isRegistered[name] = true
	}
	listed := map[string]bool{}

	var problems []string
	for _, f := range m.Functions {
		listed[f.Name] = true
		if !isRegistered[f.Name] {
			problems = append(problems, fmt.Sprintf("%s is in the manifest but not registered: import %s in emulator/runner/functions.go and register %q in its init", f.Name, f.ImportPath(), f.Name))
		}
	}
	for _, name := range registered {
		if !listed[name] {
			problems = append(problems, fmt.Sprintf("%s is registered but missing from the manifest: add it to %s", name, manifest.DefaultPath))
		}
	}
	if len(problems) > 0 {
		return errors.New("registered functions do not match the manifest:\n  - " + strings.Join(problems, "\n  - "))
	}
	return nil
}
