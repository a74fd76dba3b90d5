package cell

import (
	"testing"

	"github.com/cgohostlab/cgohostlab/scenarios"
)

func TestOutputDirsKeys(t *testing.T) {
	overlayFiles := map[string][]byte{"probe.go": []byte("package runtime")}
	sources := func(host, lib string) map[string][]byte {
		return map[string][]byte{"lab/src/hosts/churn.c": []byte(host), "lab/src/golibs/lab/lab.go": []byte(lib)}
	}
	h := HostFor(&scenarios.Scenario{Name: "churn", Host: "churn", BuildMode: scenarios.BuildModeCArchive, Load: scenarios.LoadLink})
	dirs := func(image, goVersion string, overlay, src map[string][]byte, h Host) (string, string) {
		return newOutputKeys(image, goVersion, overlay, src).dirs("gcc", h, nil)
	}
	lib, host := dirs("img:1", "go1.26.8", overlayFiles, sources("a", "b"), h)

	lib2, host2 := dirs("img:1", "go1.26.8", overlayFiles, sources("a2", "b"), h)
	if lib2 != lib {
		t.Errorf("a changed host changed the library folder: %s, then %s", lib, lib2)
	}
	if host2 == host {
		t.Errorf("a changed host kept the host folder %s", host)
	}

	lib3, host3 := dirs("img:1", "go1.26.8", overlayFiles, sources("a", "b2"), h)
	if lib3 == lib || host3 == host {
		t.Errorf("a changed library kept a folder: library %s, host %s", lib3, host3)
	}

	if lib4, _ := dirs("img:1", "go1.22.12", overlayFiles, sources("a", "b"), h); lib4 == lib {
		t.Errorf("another go version kept the library folder %s", lib)
	}
	if lib5, _ := dirs("img:2", "go1.26.8", overlayFiles, sources("a", "b"), h); lib5 == lib {
		t.Errorf("another image kept the library folder %s", lib)
	}
	other := map[string][]byte{"probe.go": []byte("package runtime // v2")}
	if lib6, _ := dirs("img:1", "go1.26.8", other, sources("a", "b"), h); lib6 == lib {
		t.Errorf("another overlay kept the library folder %s", lib)
	}

	shared := HostFor(&scenarios.Scenario{Name: "churn", Host: "churn", BuildMode: scenarios.BuildModeCShared, Load: scenarios.LoadLink})
	lib7, host7 := dirs("img:1", "go1.26.8", overlayFiles, sources("a", "b"), shared)
	if lib7 == lib || host7 == host {
		t.Errorf("a c-shared build kept a c-archive folder: library %s, host %s", lib7, host7)
	}
}
