package config

// Decode is Load without Validate, for the tests outside the package (agree_test.go): the environment read into a
// Config, the defaults applied (with the tests' host name where one is needed). A value that does not decode is an
// error, as in Load.
func Decode(environ []string) (*Config, error) {
	d := decode(environ, fixedHostname)
	return d.c, joinVarErrors(d.errs)
}
