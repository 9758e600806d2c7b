// Package sink holds what every sink reports about itself, so that the pipeline, the app and telemetry can use a
// sink without knowing its type. Each sink is a subpackage (syslog) that implements pipeline.Sink.
package sink
