// Package supervisor holds no code: its tests check siemship.conf, the supervisord program for running siemship
// on plain hosts, and run it under real supervisord.
package supervisor
