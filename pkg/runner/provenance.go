package runner

import (
	"encoding/json"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
)

// Provenance records what produced a results directory. It holds no wall
// times and no host names; it does hold the platform (GOOS/GOARCH), which
// is why it lives in its own file, apart from the byte-identical outputs.
type Provenance struct {
	Module   string `json:"module"`
	Version  string `json:"version"`  // module version, "(devel)" for a checkout
	Revision string `json:"revision"` // VCS revision of the code that ran
	Modified bool   `json:"modified"` // the checkout had uncommitted changes
	// RevisionFrom says where Revision was read: "build info" (stamped by
	// go build), or "git" (go run stamps nothing, so the working
	// directory's checkout is asked instead); empty when neither knew.
	RevisionFrom string `json:"revision_from,omitempty"`
	GoVersion    string `json:"go_version"`
	GOOS         string `json:"goos"`
	GOARCH       string `json:"goarch"`
	Deps         []Dep  `json:"deps"`
	SpecHash     string `json:"spec_hash"` // Hash of the effective spec
	// SpecPath is the spec file as the run named it, so that a report
	// rebuilt from the results directory names it too.
	SpecPath string `json:"spec_path,omitempty"`
}

// Dep is one module dependency of the binary.
type Dep struct {
	Path    string `json:"path"`
	Version string `json:"version"`
}

// CollectProvenance reads the running binary's build information.
func CollectProvenance(specHash string) Provenance {
	p := Provenance{GoVersion: runtime.Version(), GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, SpecHash: specHash, Version: "unknown"}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return p
	}
	p.Module, p.Version = bi.Main.Path, bi.Main.Version
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			p.Revision = s.Value
		case "vcs.modified":
			p.Modified = s.Value == "true"
		}
	}
	if p.Revision != "" {
		p.RevisionFrom = "build info"
	} else if rev, modified, ok := gitRevision(); ok {
		p.Revision, p.Modified, p.RevisionFrom = rev, modified, "git"
	}
	for _, d := range bi.Deps {
		v := d.Version
		if d.Replace != nil {
			v = d.Replace.Path + "@" + d.Replace.Version
		}
		p.Deps = append(p.Deps, Dep{Path: d.Path, Version: v})
	}
	return p
}

// gitRevision asks git for the checkout in the working directory: `go run`
// (the README's command) builds without VCS stamping, yet a reviewer needs
// to know which code produced a result. ok is false without git or outside
// a checkout.
func gitRevision() (rev string, modified, ok bool) {
	out, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		return "", false, false
	}
	rev = strings.TrimSpace(string(out))
	st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output()
	if err != nil {
		return "", false, false
	}
	return rev, len(strings.TrimSpace(string(st))) > 0, rev != ""
}

// JSON returns the provenance as indented JSON.
func (p Provenance) JSON() []byte {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		panic("runner: provenance: " + err.Error())
	}
	return append(b, '\n')
}

// ParseProvenance reads what JSON wrote.
func ParseProvenance(b []byte) (Provenance, error) {
	var p Provenance
	err := json.Unmarshal(b, &p)
	return p, err
}
