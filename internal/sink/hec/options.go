package hec

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"go.uber.org/zap"
)

// Ack says whether batches wait for indexer acknowledgement.
type Ack string

// Ack modes.
const (
	AckAuto Ack = "auto" // on when the token has acknowledgement enabled, else off with a warning
	AckOn   Ack = "on"
	AckOff  Ack = "off"
)

// Defaults.
const (
	DefaultMaxRequestBytes = 2 << 20 // the OpenTelemetry Collector's splunkhec default; Splunk takes far more
	DefaultMaxEvents       = 10000
	DefaultAckTimeout      = 2 * time.Minute
	DefaultAckPollMax      = time.Second
	DefaultRequestTimeout  = 30 * time.Second
)

// Options configure a Client.
type Options struct {
	URLs  []string // base URLs (scheme, host, port), tried in order (failover)
	Token string
	Ack   Ack // "" means AckAuto
	// AckTimeout bounds the wait for a batch's acknowledgements; then the batch is sent again (duplicates).
	AckTimeout time.Duration
	// AckPollMax caps the interval between two polls of /services/collector/ack (the first is after 5 ms).
	AckPollMax      time.Duration
	MaxRequestBytes int // bound of one request body (0: DefaultMaxRequestBytes; ValidateMaxRequestBytes)
	MaxEvents       int // bound of the events of one request (0: DefaultMaxEvents)
	Gzip            bool
	RequestTimeout  time.Duration // deadline of one request (0: DefaultRequestTimeout)
	TLS             *tls.Config   // for https:// URLs; nil: the system's roots, host name verified
	// DeadLetterFile receives the events Splunk refuses as invalid, one JSON line each; "" means none, and such a
	// batch is then not confirmed.
	DeadLetterFile string
	Logger         *zap.Logger
}

// ValidateURL checks one HEC URL: http or https, a host, no path beyond "/" (siemship adds the endpoints), no
// query, no user information (the token goes in a header).
func ValidateURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("%q: the scheme must be https:// or http://", s)
	case u.Host == "":
		return fmt.Errorf("%q: no host", s)
	case u.Path != "" && u.Path != "/":
		return fmt.Errorf("%q: give the base URL only (siemship adds /services/collector/...)", s)
	case u.RawQuery != "" || u.User != nil || u.Fragment != "":
		return fmt.Errorf("%q: no query, user or fragment", s)
	}
	return nil
}

// ParseAck accepts auto, on and off.
func ParseAck(s string) (Ack, error) {
	switch a := Ack(strings.ToLower(strings.TrimSpace(s))); a {
	case AckAuto, AckOn, AckOff:
		return a, nil
	case "":
		return AckAuto, nil
	}
	return "", fmt.Errorf("%q: must be auto, on or off", s)
}

// Limits of MaxRequestBytes and MaxEvents.
const (
	MinRequestBytes = 4096
	MaxRequestBytes = 838860800 // the OpenTelemetry Collector's ceiling for Splunk
	MaxMaxEvents    = 1000000
)

// ValidateMaxRequestBytes checks a request size bound: MinRequestBytes to MaxRequestBytes.
func ValidateMaxRequestBytes(n int) error {
	if n < MinRequestBytes || n > MaxRequestBytes {
		return fmt.Errorf("must be %d to %d", MinRequestBytes, MaxRequestBytes)
	}
	return nil
}

// ValidateMaxEvents checks a bound of events per request: 1 to MaxMaxEvents.
func ValidateMaxEvents(n int) error {
	if n < 1 || n > MaxMaxEvents {
		return fmt.Errorf("must be 1 to %d", MaxMaxEvents)
	}
	return nil
}

func (o *Options) withDefaults() error {
	var errs []error
	if len(o.URLs) == 0 {
		errs = append(errs, errors.New("no URL"))
	}
	for _, u := range o.URLs {
		if err := ValidateURL(u); err != nil {
			errs = append(errs, err)
		}
	}
	if o.Token == "" {
		errs = append(errs, errors.New("no token"))
	}
	a, err := ParseAck(string(o.Ack))
	if err != nil {
		errs = append(errs, err)
	}
	o.Ack = a
	if o.MaxRequestBytes == 0 {
		o.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if o.MaxEvents == 0 {
		o.MaxEvents = DefaultMaxEvents
	}
	if err := ValidateMaxRequestBytes(o.MaxRequestBytes); err != nil {
		errs = append(errs, fmt.Errorf("max request bytes %d: %w", o.MaxRequestBytes, err))
	}
	if err := ValidateMaxEvents(o.MaxEvents); err != nil {
		errs = append(errs, fmt.Errorf("max events %d: %w", o.MaxEvents, err))
	}
	if o.AckTimeout <= 0 {
		o.AckTimeout = DefaultAckTimeout
	}
	if o.AckPollMax <= 0 {
		o.AckPollMax = DefaultAckPollMax
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = DefaultRequestTimeout
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	for i, u := range o.URLs {
		o.URLs[i] = strings.TrimSuffix(u, "/")
	}
	return errors.Join(errs...)
}
