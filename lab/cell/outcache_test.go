package cell

import "testing"

func TestOutputDirsKeys(t *testing.T) {
	overlayFiles := map[string][]byte{"probe.go": []byte("package runtime")}
	sources := func(host, lib string) map[string][]byte {
		return map[string][]byte{"lab/src/hosts/churn.c": []byte(host), "lab/src/golibs/lab/lab.go": []byte(lib)}
	}
	lib, host := outputDirs("img:1", "go1.26.8", overlayFiles, sources("a", "b"))

	lib2, host2 := outputDirs("img:1", "go1.26.8", overlayFiles, sources("a2", "b"))
	if lib2 != lib {
		t.Errorf("a changed host changed the library folder: %s, then %s", lib, lib2)
	}
	if host2 == host {
		t.Errorf("a changed host kept the hosts folder %s", host)
	}

	lib3, host3 := outputDirs("img:1", "go1.26.8", overlayFiles, sources("a", "b2"))
	if lib3 == lib || host3 == host {
		t.Errorf("a changed library kept a folder: library %s, hosts %s", lib3, host3)
	}

	lib4, _ := outputDirs("img:1", "go1.22.12", overlayFiles, sources("a", "b"))
	if lib4 == lib {
		t.Errorf("another go version kept the library folder %s", lib)
	}
	lib5, _ := outputDirs("img:2", "go1.26.8", overlayFiles, sources("a", "b"))
	if lib5 == lib {
		t.Errorf("another image kept the library folder %s", lib)
	}
	lib6, _ := outputDirs("img:1", "go1.26.8", map[string][]byte{"probe.go": []byte("package runtime // v2")}, sources("a", "b"))
	if lib6 == lib {
		t.Errorf("another overlay kept the library folder %s", lib)
	}
}
