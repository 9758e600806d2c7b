package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// maxSecretFileBytes bounds what a *_FILE variable may point at; credentials are far smaller.
const maxSecretFileBytes = 64 << 10

// Load reads the configuration from environ, a list of KEY=value strings as returned by os.Environ. It does not
// read the process environment itself; the only I/O is reading the files named by *_FILE variables (the secrets, and
// the TLS files, which the syslog sink checks), and asking the system for the host name when a default needs it.
//
// An empty value counts as unset (the default applies), as docker compose and Kubernetes produce empty values from
// unset substitutions. When a name occurs twice, the first occurrence wins, as with os.Getenv.
//
// Load returns every problem at once, joined with errors.Join: values that do not parse, values Validate rejects,
// and unknown variables with the prefixes SLS_, SYSLOG_ and SIEMSHIP_ (likely typos, which would otherwise fall back
// to a default unnoticed). Each joined error is a *VarError. On error the Config is nil.
func Load(environ []string) (*Config, error) {
	return load(environ, os.Hostname)
}

// LoadSLS is Load for the commands that only talk to SLS (siemship checkpoints and reset-checkpoint): only the
// SLS_* variables are required. The others are still checked when set, so a typo does not go unnoticed.
func LoadSLS(environ []string) (*Config, error) {
	return loadScope(environ, os.Hostname, true)
}

func load(environ []string, hostname func() (string, error)) (*Config, error) {
	return loadScope(environ, hostname, false)
}

// loadScope is Load; with slsOnly only the variables of the SLS group are required.
func loadScope(environ []string, hostname func() (string, error), slsOnly bool) (*Config, error) {
	d := decode(environ, hostname)
	d.applyPreset()
	c, errs := d.c, d.errs
	verrs := c.validate(slsOnly)
	// A computed default inherits the problems of its input: report the input only.
	hbTimeout, hbInterval := c.name(&c.SLS.HeartbeatTimeout), c.name(&c.SLS.HeartbeatInterval)
	if !d.fromEnv[hbTimeout] {
		derivedFrom := d.failed[hbInterval]
		for _, e := range verrs {
			derivedFrom = derivedFrom || e.Name == hbInterval
		}
		d.failed[hbTimeout] = d.failed[hbTimeout] || derivedFrom
	}
	for _, e := range verrs {
		if d.failed[e.Name] {
			continue
		}
		switch src := d.source[e.Name]; {
		case src != "" && src != e.Name:
			f := fieldNamed(d.fs, e.Name)
			e = errFrom(f, src, d.env[src], e.Msg)
		case d.fromEnv[e.Name] && !e.Secret:
			e.Value = d.env[e.Name] // what the user wrote (1500ms), not the parsed value (1.5s)
		case !d.fromEnv[e.Name] && e.Value != "":
			e.Default = true
		}
		errs = append(errs, e)
	}
	if len(errs) > 0 {
		return nil, joinVarErrors(errs)
	}
	return c, nil
}

// decoded is an environment read into a Config, defaults applied, before Validate.
type decoded struct {
	c       *Config
	fs      []field
	env     map[string]string
	errs    []*VarError       // values that did not decode, unknown variables, computed defaults that failed
	failed  map[string]bool   // primary names whose value did not parse: Validate would only repeat them
	source  map[string]string // primary name -> the alias or *_FILE variable the value came from
	fromEnv map[string]bool   // primary names set by the environment (not defaulted)
}

// decode reads environ into a new Config and applies the defaults, without validating.
func decode(environ []string, hostname func() (string, error)) *decoded {
	d := &decoded{c: new(Config), env: environMap(environ), failed: map[string]bool{}, source: map[string]string{},
		fromEnv: map[string]bool{}}
	d.fs = fields(d.c)
	d.errs = unknownVars(d.env, d.fs)
	env := d.env
	fail := func(f field, e *VarError) {
		d.errs = append(d.errs, e)
		d.failed[f.name] = true
	}

	for _, f := range d.fs {
		name, v := f.name, env[f.name]
		if f.alias != "" && env[f.alias] != "" {
			switch {
			case v == "":
				name, v = f.alias, env[f.alias]
			case env[f.alias] != v:
				shown := strconv.Quote(v)
				if f.secret() {
					shown = "another value"
				}
				fail(f, &VarError{Name: f.alias, Value: env[f.alias], Secret: f.secret(),
					Msg: fmt.Sprintf("is another name for %s, which is set to %s; set only one", f.name, shown)})
				continue
			}
		}
		if f.file != "" && env[f.file] != "" {
			path := env[f.file]
			if v != "" {
				fail(f, &VarError{Name: f.file, Value: path, Msg: "set only one of " + f.name + " and " + f.file})
				continue
			}
			s, err := readSecretFile(path)
			if err != nil {
				fail(f, &VarError{Name: f.file, Value: path, Msg: err.Error()})
				continue
			}
			name, v = f.file, s
		}
		d.source[f.name] = name
		d.fromEnv[f.name] = v != ""
		if v == "" {
			v = f.def
		}
		if v == "" {
			continue
		}
		if err := f.decode(v); err != nil {
			if !d.fromEnv[f.name] {
				panic(fmt.Sprintf("config: default of %s does not decode: %v", f.name, err))
			}
			msg := err.Error()
			if serviceLinkValue.MatchString(v) {
				msg += fmt.Sprintf("; this looks like a Kubernetes service link (from a Service named %s): set %s explicitly or enableServiceLinks: false in the pod spec",
					strings.ToLower(strings.ReplaceAll(strings.TrimSuffix(name, "_PORT"), "_", "-")), name)
			}
			fail(f, errFrom(f, name, env[name], msg))
		}
	}

	for _, e := range d.c.applyComputedDefaults(hostname) {
		fail(field{name: e.Name}, e)
	}
	return d
}

// errFrom builds the error for field f whose value came from the variable name (f's own, its alias or its *_FILE
// companion, in which case the path is shown and the message is about the file's content).
func errFrom(f field, name, raw, msg string) *VarError {
	if name == f.file {
		return &VarError{Name: name, Value: raw, Msg: "the file's content " + msg}
	}
	return &VarError{Name: name, Value: raw, Secret: f.secret(), Msg: msg}
}

func fieldNamed(fs []field, name string) field {
	for _, f := range fs {
		if f.name == name {
			return f
		}
	}
	return field{name: name}
}

// applyComputedDefaults fills the defaults that depend on other settings or on the host.
func (c *Config) applyComputedDefaults(hostname func() (string, error)) []*VarError {
	var errs []*VarError
	if c.SLS.HeartbeatTimeout == 0 {
		c.SLS.HeartbeatTimeout = 3 * c.SLS.HeartbeatInterval
	}
	if c.SLS.ConsumerName == "" || c.Syslog.Hostname == "" {
		h, err := hostname()
		switch {
		case err != nil:
			h = ""
			err = fmt.Errorf("the host name is unavailable (%v); set it explicitly", err)
		case h == "":
			err = errors.New("the host name is empty; set it explicitly")
		}
		if c.SLS.ConsumerName == "" {
			if err != nil {
				errs = append(errs, &VarError{Name: c.name(&c.SLS.ConsumerName), Msg: err.Error()})
			}
			c.SLS.ConsumerName = h
		}
		if c.Syslog.Hostname == "" {
			if h == "" {
				h = "-" // RFC 5424 NILVALUE: better than refusing to start over a header field
			}
			c.Syslog.Hostname = h
		}
	}
	return errs
}

// environMap turns KEY=value strings into a map; the first occurrence of a key wins and entries without = are
// ignored, as with os.Getenv.
func environMap(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			continue
		}
		if _, dup := m[k]; !dup {
			m[k] = v
		}
	}
	return m
}

// readSecretFile returns the file's content without trailing line breaks.
func readSecretFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("cannot read the file: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSecretFileBytes+1))
	if err != nil {
		return "", fmt.Errorf("cannot read the file: %w", err)
	}
	if len(b) > maxSecretFileBytes {
		return "", fmt.Errorf("the file is larger than %d KiB; is it the right file?", maxSecretFileBytes>>10)
	}
	s := strings.TrimRight(string(b), "\r\n")
	if s == "" {
		return "", errors.New("the file is empty")
	}
	return s, nil
}
