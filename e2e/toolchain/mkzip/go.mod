module ml-gitops/e2e/toolchain/mkzip

go 1.25.0

require golang.org/x/mod v0.36.0
