package service

import (
	"fmt"
	"testing"
)

func TestPatientCacheKeepsLinks(t *testing.T) {
	var c patientCache
	if _, ok := c.get("u1"); ok {
		t.Fatal("empty cache returned a Patient id")
	}
	c.put("u1", "p1")
	if id, ok := c.get("u1"); !ok || id != "p1" {
		t.Errorf("get(u1) = %q, %v, want p1, true", id, ok)
	}
	if _, ok := c.get("u2"); ok {
		t.Error("get(u2) found a link that was never stored")
	}
}

func TestPatientCacheStartsOverWhenFull(t *testing.T) {
	var c patientCache
	for i := range maxCachedPatients {
		c.put(fmt.Sprintf("u%d", i), "p")
	}
	c.put("last", "p-last")
	if n := len(c.ids); n != 1 {
		t.Errorf("cache holds %d links after overflowing, want 1", n)
	}
	if id, ok := c.get("last"); !ok || id != "p-last" {
		t.Errorf("get(last) = %q, %v, want p-last, true", id, ok)
	}
}
