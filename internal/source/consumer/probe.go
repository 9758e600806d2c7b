package consumer

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	sls "github.com/aliyun/aliyun-log-go-sdk"
)

// RejectedError means SLS answered and refused: wrong credentials, or a project, logstore or group that does not
// exist. Retrying does not help; the operator must fix the configuration.
type RejectedError struct {
	Err *sls.Error
}

func (e *RejectedError) Error() string {
	return fmt.Sprintf("sls rejected the request: %s (%s, HTTP %d)", e.Err.Message, e.Err.Code, e.Err.HTTPCode)
}

func (e *RejectedError) Unwrap() error { return e.Err }

// IsRejected reports whether err is a refusal by SLS (see RejectedError).
func IsRejected(err error) bool {
	var r *RejectedError
	return errors.As(err, &r)
}

// rejectedCodes are the SLS error codes that no retry will cure.
var rejectedCodes = map[string]bool{
	"signaturenotmatch": true, "unauthorized": true, "invalidaccesskeyid": true, "securitytokeninvalid": true,
	"securitytokenexpired": true, "projectnotexist": true, "logstorenotexist": true, "projectforbidden": true,
	"requesttimetooskewed": true, "parameterinvalid": true,
}

// classify turns an SDK error into a RejectedError when retrying cannot help; other errors (network, 5xx, throttling)
// are returned as they are, to be retried.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var se *sls.Error
	if errors.As(err, &se) && se.HTTPCode > 0 && se.HTTPCode < 500 && se.HTTPCode != http.StatusTooManyRequests {
		if rejectedCodes[strings.ToLower(se.Code)] || se.HTTPCode == http.StatusUnauthorized {
			return &RejectedError{Err: se}
		}
	}
	return err
}

// Client returns an SLS API client with the consumer's endpoint, credentials and HTTP client.
func (c *Consumer) Client() sls.ClientInterface {
	cl := sls.CreateNormalInterface(c.cfg.Endpoint, c.cfg.AccessKeyID, c.cfg.AccessKeySecret, c.cfg.SecurityToken)
	cl.SetHTTPClient(c.cfg.HTTPClient)
	cl.SetUserAgent("siemship")
	if c.cfg.AuthVersion != "" {
		cl.SetAuthVersion(c.cfg.AuthVersion)
	}
	if c.cfg.Region != "" {
		cl.SetRegion(c.cfg.Region)
	}
	return cl
}

// Probe lists the logstore's consumer groups: it proves that SLS is reachable, that it accepts the credentials
// and that the project and logstore exist. A refusal comes back as a *RejectedError.
func (c *Consumer) Probe(ctx context.Context) error {
	cl := c.Client()
	done := make(chan error, 1)
	go func() {
		_, err := cl.ListConsumerGroup(c.cfg.Project, c.cfg.Logstore)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("list consumer groups of %s/%s: %w", c.cfg.Project, c.cfg.Logstore, OneLine(classify(err)))
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
