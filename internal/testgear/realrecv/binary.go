package realrecv

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// InstallScript is the script that installs the receivers (named in skip and failure messages).
const InstallScript = "scripts/install-test-receivers.sh"

// SyslogNGRoot is where the install script unpacks syslog-ng-core.
const SyslogNGRoot = "/opt/syslog-ng"

// rsyslogdPath finds rsyslogd on PATH or in /usr/sbin; "" when absent.
func rsyslogdPath() string {
	if p, err := exec.LookPath("rsyslogd"); err == nil {
		return p
	}
	if isExecutable("/usr/sbin/rsyslogd") {
		return "/usr/sbin/rsyslogd"
	}
	return ""
}

// syslogNGPaths returns the binary, its library directory and module directory under SyslogNGRoot; bin is ""
// when absent.
func syslogNGPaths() (bin, libDir, moduleDir string) {
	bin = filepath.Join(SyslogNGRoot, "usr/sbin/syslog-ng")
	if !isExecutable(bin) {
		return "", "", ""
	}
	libDir = filepath.Join(SyslogNGRoot, "usr/lib/syslog-ng")
	mods, _ := filepath.Glob(filepath.Join(libDir, "3.*"))
	if len(mods) == 0 {
		return "", "", ""
	}
	return bin, libDir, mods[len(mods)-1]
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// missingReceiver skips the test loudly, or fails it when CI=true, naming the install script.
func missingReceiver(t testing.TB, what string) {
	t.Helper()
	msg := "\n" +
		"################################################################################\n" +
		"# REAL RECEIVER MISSING: " + what + "\n" +
		"# These tests run a real syslog receiver. Install rsyslog and syslog-ng with:\n" +
		"#     sudo " + InstallScript + "     (Debian 12)\n" +
		"################################################################################"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + "\nCI=true: failing instead of skipping")
		return
	}
	t.Skip(msg)
}
