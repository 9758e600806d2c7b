// Package supervisor holds no code: its tests check siemship.conf and siemship-hec.conf, the supervisord programs
// for running siemship on plain hosts (syslog, Splunk HEC), and run them under real supervisord.
package supervisor
