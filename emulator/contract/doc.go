// Package contract holds the API contract test: it serves every HTTPS
// function in-process with the Functions Framework, as the local runner
// does, against the local stack's emulators, drives every operation of
// openapi.yaml and validates each real request and response against the
// document with kin-openapi.
//
// The test fails when a response has a status, field or error code the
// document does not declare, when a documented status or code is produced
// by no case (unless notDriven gives the reason), when a method the
// document does not list is not 405, and when the manifest and the document
// disagree on the HTTPS functions.
//
// To cover a new HTTPS function: describe it in openapi.yaml, import its
// package in imports_test.go, and add a table of cases (a file like
// vitals_cases_test.go) to caseGroups. The token errors and the incomplete
// account are tried on every Bearer operation without a table entry.
//
// Run it with `go test ./emulator/contract` after `emulator/stack up
// --profile test`, or through `make test`.
package contract
