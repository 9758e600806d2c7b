// Package sink holds what every sink reports about itself, so that the pipeline, the app and telemetry can use a
// sink without knowing its type. Each sink is a subpackage (syslog) that implements pipeline.Sink.
package sink

import "errors"

// Destinations are the values of SIEMSHIP_OUTPUT: one sink each.
var Destinations = []string{"syslog", "hec"}

// ValidateDestination checks a SIEMSHIP_OUTPUT value (lower case).
func ValidateDestination(d string) error {
	for _, x := range Destinations {
		if d == x {
			return nil
		}
	}
	return errors.New("must be syslog or hec")
}
