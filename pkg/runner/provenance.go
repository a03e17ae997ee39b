package runner

import (
	"encoding/json"
	"runtime"
	"runtime/debug"
)

// Provenance records what produced a results directory. It holds no wall
// times and no host names; it does hold the platform (GOOS/GOARCH), which
// is why it lives in its own file, apart from the byte-identical outputs.
type Provenance struct {
	Module    string `json:"module"`
	Version   string `json:"version"`  // module version, "(devel)" for a checkout
	Revision  string `json:"revision"` // VCS revision, when the binary was built with it
	Modified  bool   `json:"modified"` // the checkout had uncommitted changes
	GoVersion string `json:"go_version"`
	GOOS      string `json:"goos"`
	GOARCH    string `json:"goarch"`
	Deps      []Dep  `json:"deps"`
	SpecHash  string `json:"spec_hash"` // Hash of the effective spec
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
	for _, d := range bi.Deps {
		v := d.Version
		if d.Replace != nil {
			v = d.Replace.Path + "@" + d.Replace.Version
		}
		p.Deps = append(p.Deps, Dep{Path: d.Path, Version: v})
	}
	return p
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
