package httpapi

import (
	"net"
	"net/http"
	"strings"
)

// ClientIP returns the caller's address. With trustedHops = 0 it is the TCP
// peer. Behind proxies that each append the address they saw to
// X-Forwarded-For, the client is the entry trustedHops places from the end;
// entries before it are client-supplied and never trusted.
func ClientIP(r *http.Request, trustedHops int) string {
	if trustedHops > 0 {
		var entries []string
		for _, header := range r.Header.Values("X-Forwarded-For") {
			for _, part := range strings.Split(header, ",") {
				entries = append(entries, strings.TrimSpace(part))
			}
		}
		if i := len(entries) - trustedHops; i >= 0 && i < len(entries) {
			if ip := net.ParseIP(entries[i]); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
