package export

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ihep/backend/shared/testenv"
)

// benchObservations is the record size the export must handle.
const benchObservations = 100_000

// BenchmarkExport100k streams the export of a patient with 100,000
// Observations to a client that discards it, and reports the peak Go heap
// in use during the export above the heap before it started.
func BenchmarkExport100k(b *testing.B) {
	h := newHarness(b)
	user := testenv.NewUser(b, h.cfg)
	testenv.SeedObservations(b, h.server.FHIR, user.PatientID, benchObservations)

	var peak uint64
	var written int64
	b.ResetTimer()
	for b.Loop() {
		runtime.GC()
		base := heapInUse()
		stop := sampleHeap(&peak, base)
		sink := &discardWriter{header: http.Header{}}
		r := httptest.NewRequest(http.MethodGet, "/export", nil)
		r.Header.Set("Authorization", "Bearer "+user.Token)
		h.server.Handler().ServeHTTP(sink, r)
		stop()
		if sink.status != http.StatusOK || !strings.HasSuffix(sink.tail, `"complete":true}`) {
			b.Fatalf("export status %d ended with %q", sink.status, sink.tail)
		}
		written = sink.bytes
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(written)/(1<<20), "body-MiB")
	b.ReportMetric(float64(benchObservations)*float64(b.N)/b.Elapsed().Seconds(), "resources/s")
}

func heapInUse() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// sampleHeap records the largest heap in use above base, every 5 ms, until
// the returned function is called.
func sampleHeap(peak *uint64, base uint64) func() {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		ticker := time.NewTicker(5 * time.Millisecond)
		defer ticker.Stop()
		for {
			if inUse := heapInUse(); inUse > base && inUse-base > *peak {
				*peak = inUse - base
			}
			select {
			case <-done:
				return
			case <-ticker.C:
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}

// discardWriter is a client that counts the body and keeps its last bytes.
type discardWriter struct {
	header http.Header
	status int
	bytes  int64
	tail   string
}

func (d *discardWriter) Header() http.Header { return d.header }
func (d *discardWriter) WriteHeader(status int) {
	if d.status == 0 {
		d.status = status
	}
}
func (d *discardWriter) Flush() {}
func (d *discardWriter) Write(p []byte) (int, error) {
	if d.status == 0 {
		d.status = http.StatusOK
	}
	d.bytes += int64(len(p))
	d.tail = string(p[max(0, len(p)-32):])
	return len(p), nil
}
