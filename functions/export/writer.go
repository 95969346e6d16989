package export

import (
	"bufio"
	"encoding/json"
	"net/http"
)

// bundleWriter writes the export document piece by piece. It keeps the
// first write error and turns later writes into no-ops, so the caller
// checks once per page.
type bundleWriter struct {
	out     *bufio.Writer
	flusher http.Flusher
	count   int
	err     error
}

func (b *bundleWriter) raw(s string) {
	if b.err == nil {
		_, b.err = b.out.WriteString(s)
	}
}

func (b *bundleWriter) json(v any) {
	if b.err != nil {
		return
	}
	data, err := json.Marshal(v)
	if err != nil {
		b.err = err
		return
	}
	_, b.err = b.out.Write(data)
}

// entry writes one Bundle entry around a resource as the store returned it.
func (b *bundleWriter) entry(resource json.RawMessage) {
	if b.count > 0 {
		b.raw(",")
	}
	b.raw(`{"resource":`)
	if b.err == nil {
		_, b.err = b.out.Write(resource)
	}
	b.raw("}")
	b.count++
}

// entryValue writes one Bundle entry around a resource built here.
func (b *bundleWriter) entryValue(resource any) {
	data, err := json.Marshal(resource)
	if err != nil {
		b.err = err
		return
	}
	b.entry(data)
}

// flush sends what is buffered to the client, so that memory stays at one
// page however large the record is.
func (b *bundleWriter) flush() error {
	if b.err != nil {
		return b.err
	}
	if b.err = b.out.Flush(); b.err == nil && b.flusher != nil {
		b.flusher.Flush()
	}
	return b.err
}

func flusherOf(w http.ResponseWriter) http.Flusher {
	f, _ := w.(http.Flusher)
	return f
}
