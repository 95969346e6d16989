// Package contract holds the API contract test: it serves every HTTPS
// function in-process with the Functions Framework, as the local runner
// does, against the local stack's emulators, drives every operation of
// openapi.yaml and validates each real response against the document.
//
// Run it with `go test ./emulator/contract` after `emulator/stack up
// --profile test`, or through `make test`.
package contract
