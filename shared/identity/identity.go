// Package identity calls Identity Platform's REST API for what the Admin SDK
// cannot do: signing a user in with a password and exchanging a refresh
// token. The same code talks to the Auth emulator when its host is set.
package identity

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors; callers map them to responses with errors.Is.
var (
	// ErrInvalidCredentials covers an unknown e-mail, a wrong password and a
	// disabled account alike, so that callers cannot tell them apart.
	ErrInvalidCredentials = errors.New("invalid credentials")
	// ErrInvalidRefreshToken covers expired, revoked, malformed and unknown
	// refresh tokens.
	ErrInvalidRefreshToken = errors.New("invalid refresh token")
	// ErrThrottled means Identity Platform itself is rate limiting.
	ErrThrottled = errors.New("identity platform throttled the request")
)

// Session is the result of a successful sign-in or refresh.
type Session struct {
	IDToken      string
	RefreshToken string
	ExpiresIn    int
	UserID       string
	Email        string
	DisplayName  string
}

// Client calls Identity Platform's REST endpoints.
type Client struct {
	apiKey          string
	identityBaseURL string
	tokenBaseURL    string
	http            *http.Client
}

// New returns a client for the given web API key. emulatorHost is
// FIREBASE_AUTH_EMULATOR_HOST; when set, requests go to the emulator.
func New(apiKey, emulatorHost string) *Client {
	c := &Client{
		apiKey:          apiKey,
		identityBaseURL: "https://identitytoolkit.googleapis.com",
		tokenBaseURL:    "https://securetoken.googleapis.com",
		http:            &http.Client{Timeout: 10 * time.Second},
	}
	if emulatorHost != "" {
		c.identityBaseURL = "http://" + emulatorHost + "/identitytoolkit.googleapis.com"
		c.tokenBaseURL = "http://" + emulatorHost + "/securetoken.googleapis.com"
	}
	return c
}

// SignInWithPassword checks an e-mail and password and returns a new session.
func (c *Client) SignInWithPassword(ctx context.Context, email, password string) (*Session, error) {
	body, err := json.Marshal(map[string]any{"email": email, "password": password, "returnSecureToken": true})
	if err != nil {
		return nil, fmt.Errorf("encode sign-in request: %w", err)
	}
	var out struct {
		IDToken      string `json:"idToken"`
		RefreshToken string `json:"refreshToken"`
		ExpiresIn    string `json:"expiresIn"`
		LocalID      string `json:"localId"`
		Email        string `json:"email"`
		DisplayName  string `json:"displayName"`
	}
	endpoint := c.identityBaseURL + "/v1/accounts:signInWithPassword?key=" + url.QueryEscape(c.apiKey)
	if err := c.post(ctx, endpoint, "application/json", bytes.NewReader(body), &out, ErrInvalidCredentials); err != nil {
		return nil, err
	}
	expires, _ := strconv.Atoi(out.ExpiresIn)
	return &Session{IDToken: out.IDToken, RefreshToken: out.RefreshToken, ExpiresIn: expires, UserID: out.LocalID, Email: out.Email, DisplayName: out.DisplayName}, nil
}

// Refresh exchanges a refresh token for a new ID token.
func (c *Client) Refresh(ctx context.Context, refreshToken string) (*Session, error) {
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}}
	var out struct {
		IDToken      string `json:"id_token"`
		RefreshToken string `json:"refresh_token"`
		ExpiresIn    string `json:"expires_in"`
		UserID       string `json:"user_id"`
	}
	endpoint := c.tokenBaseURL + "/v1/token?key=" + url.QueryEscape(c.apiKey)
	if err := c.post(ctx, endpoint, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), &out, ErrInvalidRefreshToken); err != nil {
		return nil, err
	}
	expires, _ := strconv.Atoi(out.ExpiresIn)
	return &Session{IDToken: out.IDToken, RefreshToken: out.RefreshToken, ExpiresIn: expires, UserID: out.UserID}, nil
}

// post sends the request and decodes a 200 response into out. A 400 response
// becomes clientErr (or ErrThrottled). Anything else is a server fault whose
// error text carries only the status and Identity Platform's error code.
func (c *Client) post(ctx context.Context, endpoint, contentType string, body io.Reader, out any, clientErr error) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, body)
	if err != nil {
		return fmt.Errorf("build identity request: %w", err)
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("call identity platform: %w", scrubURL(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("read identity response: %w", err)
	}
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("decode identity response: %w", err)
		}
		return nil
	}
	code := errorCode(data)
	switch {
	case strings.HasPrefix(code, "TOO_MANY_ATTEMPTS"):
		return ErrThrottled
	case resp.StatusCode == http.StatusBadRequest && code != "" && !strings.HasPrefix(code, "INVALID_API_KEY") && !strings.HasPrefix(code, "API_KEY"):
		return fmt.Errorf("%w: %s", clientErr, code)
	default:
		return fmt.Errorf("identity platform returned %d %s", resp.StatusCode, code)
	}
}

// errorCode extracts Identity Platform's error code (such as
// INVALID_PASSWORD) without any text that could carry user data.
func errorCode(data []byte) string {
	var payload struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(data, &payload) != nil {
		return ""
	}
	code, _, _ := strings.Cut(payload.Error.Message, " ")
	code, _, _ = strings.Cut(code, ":")
	if len(code) > 64 {
		code = code[:64]
	}
	return code
}

// scrubURL removes the request URL, which carries the API key, from a
// transport error.
func scrubURL(err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return fmt.Errorf("%s identity endpoint: %w", urlErr.Op, urlErr.Err)
	}
	return err
}
