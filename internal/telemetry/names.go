package telemetry

// Names of siemship's own metrics (docs/metrics.md describes them; the Grafana dashboard's test checks its queries
// against the registry).
const (
	MetricBuildInfo            = "siemship_build_info"
	MetricRecordsPulled        = "siemship_records_pulled_total"
	MetricBytesPulled          = "siemship_bytes_pulled_total"
	MetricRecordsSent          = "siemship_records_sent_total"
	MetricBytesSent            = "siemship_bytes_sent_total"
	MetricRecordsFiltered      = "siemship_records_filtered_total"
	MetricRecordsTruncated     = "siemship_records_truncated_total"
	MetricRecordsSanitized     = "siemship_records_sanitized_total"
	MetricRecordsDropped       = "siemship_records_dropped_total"
	MetricBatchesDelivered     = "siemship_batches_delivered_total"
	MetricSendFailures         = "siemship_send_failures_total"
	MetricWriteDuration        = "siemship_syslog_write_duration_seconds"
	MetricCheckpointCommits    = "siemship_checkpoint_commits_total"
	MetricExpiredCheckpoints   = "siemship_expired_checkpoints_total"
	MetricShardLagSeconds      = "siemship_shard_lag_seconds"
	MetricShardLagLogGroups    = "siemship_shard_lag_log_groups"
	MetricLagMeasured          = "siemship_lag_measured_timestamp_seconds"
	MetricLagErrors            = "siemship_lag_measurement_errors_total"
	MetricConnectionsOpen      = "siemship_syslog_connections_open"
	MetricDestinationUp        = "siemship_syslog_up"
	MetricConnects             = "siemship_syslog_connects_total"
	MetricReconnects           = "siemship_syslog_reconnects_total"
	MetricConnectErrors        = "siemship_syslog_connect_errors_total"
	MetricConnectionsDiscarded = "siemship_syslog_connections_discarded_total"
	MetricReady                = "siemship_ready"
	MetricGroupMissing         = "siemship_consumer_group_missing"
	MetricGroupRecreations     = "siemship_consumer_group_recreations_total"
	MetricForeignCheckpoints   = "siemship_foreign_checkpoints_total"
)
