package main
import (
 _ "gonum.org/v1/gonum/mat"
 _ "gonum.org/v1/gonum/diff/fd"
 _ "gonum.org/v1/plot"
 _ "github.com/olekukonko/tablewriter"
 _ "gopkg.in/yaml.v3"
 _ "golang.org/x/sys/cpu"
 _ "golang.org/x/term"
)
func main(){}
