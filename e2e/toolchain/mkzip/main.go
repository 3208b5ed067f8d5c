// mkzip PROXYROOT MODPATH VERSION SRCDIR: writes PROXYROOT/<escaped MODPATH>/@v/VERSION.{zip,mod,info}
// from SRCDIR by the standard module zip rules (golang.org/x/mod/zip), for a file:// GOPROXY, and
// prints the zip's and go.mod's h1 hashes as go.sum lines: e2e/toolchain.sh checks them against the
// go.sum of the module that requires it, so a module rebuilt from git is byte-for-byte the published one.
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"
	"golang.org/x/mod/zip"
)

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func main() {
	root, path, ver, src := os.Args[1], os.Args[2], os.Args[3], os.Args[4]
	esc, err := module.EscapePath(path)
	must(err)
	dir := filepath.Join(root, esc, "@v")
	must(os.MkdirAll(dir, 0o755))
	zf := filepath.Join(dir, ver+".zip")
	f, err := os.Create(zf)
	must(err)
	must(zip.CreateFromDir(f, module.Version{Path: path, Version: ver}, src))
	must(f.Close())
	gomod, err := os.ReadFile(filepath.Join(src, "go.mod"))
	must(err)
	must(os.WriteFile(filepath.Join(dir, ver+".mod"), gomod, 0o644))
	must(os.WriteFile(filepath.Join(dir, ver+".info"), []byte(fmt.Sprintf("{\"Version\":%q}\n", ver)), 0o644))
	h, err := dirhash.HashZip(zf, dirhash.Hash1)
	must(err)
	mh, err := dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) { return os.Open(filepath.Join(src, "go.mod")) })
	must(err)
	fmt.Printf("%s %s %s\n%s %s/go.mod %s\n", path, ver, h, path, ver, mh)
}
